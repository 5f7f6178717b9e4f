package app

import (
	"context"
	"errors"
	"github.com/doudi-platform/doudi/services/platform/audit"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// GetPerson reads a person; Reveal asks for the sensitive fields in clear.
type GetPerson struct {
	Tenant   string
	PersonID uuid.UUID
	Reveal   bool
	Purpose  string
	Caller   Caller
	Method   string // for the audit log, e.g. "GetPerson"
}

// maxPurpose is the longest purpose a reveal may state.
const maxPurpose = 200

// checkPurpose requires a purpose with a reveal.
func checkPurpose(reveal bool, purpose string) (string, error) {
	p, err := domainkit.Text(purpose, maxPurpose, reveal, false)
	if err != nil {
		return "", domainkit.Invalid("purpose", err)
	}
	return p, nil
}

// GetPerson returns the person with sensitive fields masked, or in clear for
// a caller who holds RoleSensitiveRead, asks to reveal and states a purpose;
// such a read is recorded in the audit log before anything is returned.
// A caller without the role gets masked values.
func (a *App) GetPerson(ctx context.Context, q GetPerson) (PersonDetails, error) {
	if _, err := a.reference(q.Tenant); err != nil {
		return PersonDetails{}, err
	}
	purpose, err := checkPurpose(q.Reveal, q.Purpose)
	if err != nil {
		return PersonDetails{}, err
	}
	p, t, err := a.loadPerson(ctx, q.Tenant, q.PersonID)
	if err != nil {
		return PersonDetails{}, err
	}
	return a.present(ctx, p, t, q.Reveal && q.Caller.HasRole(RoleSensitiveRead), purpose, q.Caller, q.Method)
}

// present opens a person's sensitive fields, masked or, after auditing the
// read, in clear.
func (a *App) present(ctx context.Context, p *person.Person, t postgres.Times, reveal bool, purpose string, c Caller, method string) (PersonDetails, error) {
	cipher, err := a.openCipher(ctx, p)
	if errors.Is(err, person.ErrPersonForgotten) {
		cipher, err = nil, nil
	}
	if err != nil {
		return PersonDetails{}, err
	}
	reveal = reveal && cipher != nil
	d, err := details(p, t, cipher, reveal)
	if err != nil || !reveal {
		return d, err
	}
	if _, err := a.Audit.Record(ctx, audit.SensitiveRead{Tenant: p.Tenant(), Subject: p.ID(),
		Resource: "tenants/" + p.Tenant() + "/persons/" + p.ID().String(), Actor: c.Actor,
		Fields: sensitiveFields, Purpose: purpose, Method: method}); err != nil {
		return PersonDetails{}, err
	}
	return d, nil
}
