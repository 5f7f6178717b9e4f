package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// ChangeHealthNotes replaces a person's notes on health and disability.
type ChangeHealthNotes struct {
	PersonCommand
	HealthNotes string
}

// ChangeHealthNotes seals the notes with the person's key.
func (a *App) ChangeHealthNotes(ctx context.Context, cmd ChangeHealthNotes) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, true, func(p *person.Person, c *postgres.Cipher) error {
		return p.ChangeHealthNotes(cmd.HealthNotes, c)
	})
}
