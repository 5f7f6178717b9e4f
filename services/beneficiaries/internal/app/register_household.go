package app

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// RegisterHousehold registers a household in a village.
type RegisterHousehold struct {
	Tenant      string
	HouseholdID string // optional
	Village     string
	Address     string
	Caller      Caller
}

// HouseholdDetails is a household as reads and writes return it.
type HouseholdDetails struct {
	ID           uuid.UUID
	Tenant       string
	Village      string
	Address      string // "***" unless Revealed
	RegisteredOn domainkit.Date
	Revealed     bool
	Version      int64
	Times        postgres.Times
}

// HouseholdResult is what a write to a household returns.
type HouseholdResult struct {
	Household        HouseholdDetails
	ConsistencyToken string
}

// RegisterHousehold stores the household's data key, then its registration.
func (a *App) RegisterHousehold(ctx context.Context, cmd RegisterHousehold) (HouseholdResult, error) {
	ref, err := a.reference(cmd.Tenant)
	if err != nil {
		return HouseholdResult{}, err
	}
	id, err := idFor(cmd.HouseholdID, "household_id", cmd.Tenant, cmd.Caller)
	if err != nil {
		return HouseholdResult{}, err
	}
	c, err := a.Keys.NewCipher(cmd.Tenant, id)
	if err != nil {
		return HouseholdResult{}, err
	}
	h, err := household.Register(household.RegisterHousehold{HouseholdID: id, Village: cmd.Village, Address: cmd.Address}, ref, c, a.Now())
	if err != nil {
		return HouseholdResult{}, err
	}
	stored, err := a.Keys.StoreKey(ctx, c)
	if err != nil {
		return HouseholdResult{}, err
	}
	if stored != c { // a retry: seal with the key stored the first time
		if h, err = household.Register(household.RegisterHousehold{HouseholdID: id, Village: cmd.Village, Address: cmd.Address}, ref, stored, a.Now()); err != nil {
			return HouseholdResult{}, err
		}
	}
	stream := postgres.HouseholdStream(id)
	res, err := a.Households.Save(ctx, h, eventstore.NoStream, a.metadata(cmd.Tenant, cmd.Caller))
	var conflict *eventstore.ConflictError
	if errors.As(err, &conflict) {
		return HouseholdResult{}, &ExistsError{Resource: "tenants/" + cmd.Tenant + "/households/" + id.String()}
	}
	if err != nil {
		return HouseholdResult{}, err
	}
	if res.Replayed {
		return a.householdResult(ctx, cmd.Tenant, id, stream, int64(res.Version))
	}
	// Answer from the registered aggregate: reading it back would cost a
	// round trip for what this call just decided.
	d := HouseholdDetails{ID: h.ID(), Tenant: h.Tenant(), Village: h.Village(), RegisteredOn: h.RegisteredOn(),
		Version: int64(res.Version), Times: postgres.Times{Created: res.RecordedAt, Updated: res.RecordedAt},
		Address: maskText(string(h.Address()))}
	return HouseholdResult{Household: d, ConsistencyToken: Token(stream, int64(res.Version))}, nil
}

func (a *App) householdResult(ctx context.Context, tenant string, id uuid.UUID, stream eventstore.StreamID, version int64) (HouseholdResult, error) {
	d, err := a.household(ctx, tenant, id, false)
	if err != nil {
		return HouseholdResult{}, err
	}
	return HouseholdResult{Household: d, ConsistencyToken: Token(stream, version)}, nil
}

// household loads a household of tenant, its address opened when reveal.
func (a *App) household(ctx context.Context, tenant string, id uuid.UUID, reveal bool) (HouseholdDetails, error) {
	h, t, err := a.Households.Load(ctx, id)
	if err != nil {
		return HouseholdDetails{}, err
	}
	if h.Tenant() != tenant {
		return HouseholdDetails{}, household.ErrNotRegistered
	}
	d := HouseholdDetails{ID: h.ID(), Tenant: h.Tenant(), Village: h.Village(), RegisteredOn: h.RegisteredOn(),
		Version: h.Version(), Times: t, Address: maskText(string(h.Address()))}
	if reveal {
		c, err := a.Keys.Open(ctx, tenant, id)
		if err != nil {
			return HouseholdDetails{}, err
		}
		if d.Address, err = c.Open("address", h.Address()); err != nil {
			return HouseholdDetails{}, err
		}
		d.Revealed = true
	}
	return d, nil
}
