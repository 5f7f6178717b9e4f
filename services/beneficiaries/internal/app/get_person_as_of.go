package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// GetPersonAsOf asks for a person's standing on a date.
type GetPersonAsOf struct {
	Tenant   string
	PersonID uuid.UUID
	Date     string
}

// PersonAsOf is a person's status, categories and tier on a date.
type PersonAsOf struct {
	PersonID   uuid.UUID
	Date       domainkit.Date
	Status     person.Status
	Categories []string
	Tier       *person.Assessment
}

// GetPersonAsOf answers "what tier was this person in on D, and why?" from
// the effective dates in the person's history.
func (a *App) GetPersonAsOf(ctx context.Context, q GetPersonAsOf) (PersonAsOf, error) {
	if _, err := a.reference(q.Tenant); err != nil {
		return PersonAsOf{}, err
	}
	d, err := domainkit.ParseDate(q.Date)
	if err != nil {
		return PersonAsOf{}, domainkit.Invalid("date", err)
	}
	p, _, err := a.loadPerson(ctx, q.Tenant, q.PersonID)
	if err != nil {
		return PersonAsOf{}, err
	}
	out := PersonAsOf{PersonID: p.ID(), Date: d, Status: p.StatusOn(d), Categories: p.CategoriesOn(d)}
	if t, ok := p.TierOn(d); ok {
		out.Tier = &t
	}
	return out, nil
}
