package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// PersonHistory is a person's status, tier and category changes.
type PersonHistory struct {
	Statuses   []person.StatusChange
	Tiers      []person.Assessment
	Categories []person.CategoryChange
}

// ListPersonHistory returns the person's histories, oldest first. (A
// person's history is a few dozen changes; it is returned whole.)
func (a *App) ListPersonHistory(ctx context.Context, tenant string, id uuid.UUID) (PersonHistory, error) {
	if _, err := a.reference(tenant); err != nil {
		return PersonHistory{}, err
	}
	p, _, err := a.loadPerson(ctx, tenant, id)
	if err != nil {
		return PersonHistory{}, err
	}
	s, t, c := p.History()
	return PersonHistory{Statuses: s, Tiers: t, Categories: c}, nil
}
