package app

import (
	"context"
	"errors"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// ForgetPerson erases a person's personal data.
type ForgetPerson struct{ PersonCommand }

// ForgetPerson erases the person's data key first (crypto-shredding: every
// sealed value in their events becomes unreadable), then stores Forgotten,
// then releases the ID number's blind index so that it can be registered
// anew. If the process stops after the erase, the person already reads as
// forgotten and a retry finishes the job.
func (a *App) ForgetPerson(ctx context.Context, cmd ForgetPerson) (PersonResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return PersonResult{}, err
	}
	stream := postgres.PersonStream(cmd.PersonID)
	if cmd.Caller.RequestID != "" {
		if r, done, err := a.replayed(ctx, cmd.PersonCommand, stream); done || err != nil {
			return r, err
		}
	}
	p, _, err := a.loadPerson(ctx, cmd.Tenant, cmd.PersonID)
	if err != nil {
		return PersonResult{}, err
	}
	if err := expectation(cmd.Etag, stream, p.Version()); err != nil {
		return PersonResult{}, err
	}
	if err := p.Forget(a.Now()); err != nil {
		return PersonResult{}, err
	}
	if err := a.Keys.Erase(ctx, cmd.PersonID); err != nil {
		return PersonResult{}, err
	}
	res, err := a.Persons.Save(ctx, p, eventstore.Exactly(eventstore.Version(p.Version())), a.metadata(cmd.Tenant, cmd.Caller))
	var conflict *eventstore.ConflictError
	if errors.As(err, &conflict) {
		// Someone wrote in between; the key is gone either way, so forget
		// whatever they wrote too.
		return a.ForgetPerson(ctx, ForgetPerson{PersonCommand{Tenant: cmd.Tenant, PersonID: cmd.PersonID, Caller: cmd.Caller}})
	}
	if err != nil {
		return PersonResult{}, err
	}
	if err := a.Keys.ReleasePerson(ctx, cmd.Tenant, cmd.PersonID); err != nil {
		return PersonResult{}, err
	}
	r, err := a.readPerson(ctx, cmd.Tenant, cmd.PersonID)
	if err != nil {
		return PersonResult{}, err
	}
	r.ConsistencyToken = Token(stream, int64(res.Version))
	return r, nil
}
