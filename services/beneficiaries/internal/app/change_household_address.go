package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// ChangeHouseholdAddress records a move within the household's village.
type ChangeHouseholdAddress struct {
	Tenant      string
	HouseholdID uuid.UUID
	Address     string
	Etag        string
	Caller      Caller
}

// ChangeHouseholdAddress seals the new address with the household's key.
func (a *App) ChangeHouseholdAddress(ctx context.Context, cmd ChangeHouseholdAddress) (HouseholdResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return HouseholdResult{}, err
	}
	stream := postgres.HouseholdStream(cmd.HouseholdID)
	h, _, err := a.Households.Load(ctx, cmd.HouseholdID)
	if err != nil {
		return HouseholdResult{}, err
	}
	if h.Tenant() != cmd.Tenant {
		return HouseholdResult{}, household.ErrNotRegistered
	}
	if err := expectation(cmd.Etag, stream, h.Version()); err != nil {
		return HouseholdResult{}, err
	}
	c, err := a.Keys.Open(ctx, cmd.Tenant, cmd.HouseholdID)
	if err != nil {
		return HouseholdResult{}, err
	}
	if err := h.ChangeAddress(cmd.Address, c); err != nil {
		return HouseholdResult{}, err
	}
	res, err := a.Households.Save(ctx, h, eventstore.Exactly(eventstore.Version(h.Version())), a.metadata(cmd.Tenant, cmd.Caller))
	if err != nil {
		return HouseholdResult{}, err
	}
	return a.householdResult(ctx, cmd.Tenant, cmd.HouseholdID, stream, int64(res.Version))
}
