package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// AssignSocialWorker makes a social worker responsible for a person.
type AssignSocialWorker struct {
	PersonCommand
	SocialWorker string
}

// AssignSocialWorker records the assignment; the one already assigned
// records nothing.
func (a *App) AssignSocialWorker(ctx context.Context, cmd AssignSocialWorker) (PersonResult, error) {
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		return p.AssignSocialWorker(cmd.SocialWorker)
	})
}
