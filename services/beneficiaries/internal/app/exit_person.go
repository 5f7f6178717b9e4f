package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// ExitPerson takes a person off the register.
type ExitPerson struct {
	PersonCommand
	Reason      string // deceased, moved_away, no_longer_eligible, other
	EffectiveOn string
	Note        string
}

// ExitPerson records the exit.
func (a *App) ExitPerson(ctx context.Context, cmd ExitPerson) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		return p.Exit(person.Exit{Reason: cmd.Reason, EffectiveOn: cmd.EffectiveOn, Note: cmd.Note}, a.Now())
	})
}
