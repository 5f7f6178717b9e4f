package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// ChangeCategory adds a person to a category or removes them from one.
type ChangeCategory struct {
	PersonCommand
	Category    string
	EffectiveOn string
	Reference   string
}

// AddCategory records that the person is in a category from a date.
func (a *App) AddCategory(ctx context.Context, cmd ChangeCategory) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		ref, err := a.reference(cmd.Tenant)
		if err != nil {
			return err
		}
		return p.AddCategory(person.ChangeCategory{Category: cmd.Category, EffectiveOn: cmd.EffectiveOn, Reference: cmd.Reference}, ref, a.Now())
	})
}
