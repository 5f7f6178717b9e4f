package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// ChangeContactDetails replaces a person's phone and own address.
type ChangeContactDetails struct {
	PersonCommand
	Phone   string
	Address string
}

// ChangeContactDetails seals the new details with the person's key.
func (a *App) ChangeContactDetails(ctx context.Context, cmd ChangeContactDetails) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, true, func(p *person.Person, c *postgres.Cipher) error {
		return p.ChangeContactDetails(person.ChangeContactDetails{Phone: cmd.Phone, Address: cmd.Address}, c)
	})
}
