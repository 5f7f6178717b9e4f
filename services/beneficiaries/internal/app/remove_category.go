package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// RemoveCategory records that the person left a category from a date.
func (a *App) RemoveCategory(ctx context.Context, cmd ChangeCategory) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		ref, err := a.reference(cmd.Tenant)
		if err != nil {
			return err
		}
		return p.RemoveCategory(person.ChangeCategory{Category: cmd.Category, EffectiveOn: cmd.EffectiveOn, Reference: cmd.Reference}, ref, a.Now())
	})
}
