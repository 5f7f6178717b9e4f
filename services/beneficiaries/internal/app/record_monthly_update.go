package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// RecordMonthlyUpdate is a person's file update for a month.
type RecordMonthlyUpdate struct {
	PersonCommand
	Month           string
	LivingSituation string
	Needs           string
	Risks           string
	HelpReceived    string
	Amendment       bool
}

// RecordMonthlyUpdate seals the narrative with the person's key and records it.
func (a *App) RecordMonthlyUpdate(ctx context.Context, cmd RecordMonthlyUpdate) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, true, func(p *person.Person, c *postgres.Cipher) error {
		return p.RecordMonthlyFile(person.RecordMonthlyFile{Month: cmd.Month, LivingSituation: cmd.LivingSituation,
			Needs: cmd.Needs, Risks: cmd.Risks, HelpReceived: cmd.HelpReceived, Amendment: cmd.Amendment}, c, a.Now())
	})
}
