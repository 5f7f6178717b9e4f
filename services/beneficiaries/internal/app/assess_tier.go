package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// AssessTier puts a person in a follow-up tier.
type AssessTier struct {
	PersonCommand
	Tier        int
	Reason      string
	RiskFactors []string
	AssessedBy  string
	EffectiveOn string
}

// AssessTier records the assessment; with an etag, two assessments made from
// the same read cannot both win.
func (a *App) AssessTier(ctx context.Context, cmd AssessTier) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		return p.AssessTier(person.AssessTier{Tier: cmd.Tier, Reason: cmd.Reason, RiskFactors: cmd.RiskFactors,
			AssessedBy: cmd.AssessedBy, EffectiveOn: cmd.EffectiveOn}, a.Now())
	})
}
