package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// FindByIDNumber looks a person up by ID number.
type FindByIDNumber struct {
	Tenant   string
	IDNumber string
	Reveal   bool
	Purpose  string
	Caller   Caller
	Method   string
}

// FindByIDNumber finds the person through the blind index (never by
// decrypting anything); person.ErrNotRegistered when nobody holds it.
func (a *App) FindByIDNumber(ctx context.Context, q FindByIDNumber) (PersonDetails, error) {
	if _, err := a.reference(q.Tenant); err != nil {
		return PersonDetails{}, err
	}
	var errs domain.FieldErrors
	id, err := identity.ParseIDNumber(q.IDNumber, domainkit.Today(a.Now()))
	errs.Add("id_number", err)
	purpose, err := checkPurpose(q.Reveal, q.Purpose)
	errs.Add("purpose", err)
	if err := errs.Err(); err != nil {
		return PersonDetails{}, err
	}
	holder, ok, err := a.Keys.Lookup(ctx, q.Tenant, a.Keys.BlindIndex(q.Tenant, string(id)))
	if err != nil {
		return PersonDetails{}, err
	}
	if !ok {
		return PersonDetails{}, person.ErrNotRegistered
	}
	p, t, err := a.loadPerson(ctx, q.Tenant, holder)
	if err != nil {
		// A reservation of a registration that failed: nobody holds it.
		return PersonDetails{}, err
	}
	return a.present(ctx, p, t, q.Reveal && q.Caller.HasRole(RoleSensitiveRead), purpose, q.Caller, q.Method)
}
