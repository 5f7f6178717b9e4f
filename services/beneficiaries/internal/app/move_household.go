package app

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
)

// MoveHousehold moves a person to another household of the tenant.
type MoveHousehold struct {
	PersonCommand
	HouseholdID  uuid.UUID
	Relationship string
	EffectiveOn  string
}

// MoveHousehold looks up the new household's village and records the move.
func (a *App) MoveHousehold(ctx context.Context, cmd MoveHousehold) (PersonResult, error) {
	var village string
	if cmd.HouseholdID != uuid.Nil {
		v, err := a.village(ctx, cmd.Tenant, cmd.HouseholdID)
		if errors.Is(err, household.ErrNotRegistered) {
			return PersonResult{}, domain.FieldErrors{{Field: "household_id", Reason: "is not a household of this tenant"}}
		}
		if err != nil {
			return PersonResult{}, err
		}
		village = v
	}
	return a.changePerson(ctx, cmd.PersonCommand, false, func(p *person.Person, _ *postgres.Cipher) error {
		ref, err := a.reference(cmd.Tenant)
		if err != nil {
			return err
		}
		return p.MoveHousehold(person.MoveHousehold{HouseholdID: cmd.HouseholdID, Village: village,
			Relationship: cmd.Relationship, EffectiveOn: cmd.EffectiveOn}, ref, a.Now())
	})
}
