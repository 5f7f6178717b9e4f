package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// ReinstatePerson puts an exited person back on the register.
type ReinstatePerson struct {
	PersonCommand
	Reason      string
	EffectiveOn string
}

// ReinstatePerson records the reinstatement.
func (a *App) ReinstatePerson(ctx context.Context, cmd ReinstatePerson) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		return p.Reinstate(person.Reinstate{Reason: cmd.Reason, EffectiveOn: cmd.EffectiveOn}, a.Now())
	})
}
