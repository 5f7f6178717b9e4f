// Package household is the household (户) aggregate: the unit people belong
// to, with its village and its exact address. Members are not listed here:
// each person's events name their household, and the read side joins them.
//
// A household never changes village. Moving to another village is moving to
// another household (register it, then move each member), because the
// village decides which social worker is responsible and that change should
// be explicit per person.
package household

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/reference"
)

// Household is the state rebuilt from a household's events.
type Household struct {
	id           uuid.UUID
	tenant       string
	village      string
	address      domain.Sealed
	registeredOn domainkit.Date

	domainkit.Versioned[Event]
}

// Replay rebuilds a household from its stored history.
func Replay(history []Event) (*Household, error) {
	return domainkit.Replay(&Household{}, history)
}

// Apply applies one stored event and advances the version.
func (h *Household) Apply(e Event) error {
	return h.Applied(h.when, e)
}

func (h *Household) when(e Event) error {
	switch e := e.(type) {
	case Registered:
		if h.registered() {
			return ErrAlreadyRegistered
		}
		h.id, h.tenant, h.village, h.address, h.registeredOn = e.HouseholdID, e.Tenant, e.Village, e.Address, e.RegisteredOn
	case AddressChanged:
		if !h.registered() {
			return fmt.Errorf("%s: %w", e.EventType(), ErrNotRegistered)
		}
		h.address = e.Address
	default:
		return fmt.Errorf("household: cannot apply %T", e)
	}
	return nil
}

// record applies a new event and keeps it for the caller to store. Our own
// events always apply; a failure is a bug.
func (h *Household) record(e Event) {
	h.Versioned.Record(h.when, e)
}

func (h *Household) registered() bool { return h.id != uuid.Nil }

// RegisterHousehold is the command to register a household. Address is
// plaintext here and sealed before it is recorded.
type RegisterHousehold struct {
	HouseholdID uuid.UUID
	Village     string
	Address     string
}

// Register starts a new household's history: it validates cmd against the
// tenant's reference data and records Registered. Every invalid field is
// reported (domain.FieldErrors).
func Register(cmd RegisterHousehold, ref *reference.Data, seal domain.Sealer, now time.Time) (*Household, error) {
	h := &Household{}
	if err := h.Register(cmd, ref, seal, now); err != nil {
		return nil, err
	}
	return h, nil
}

// Register records Registered on an empty Household (the zero value, or
// Replay of no events); Register above is the usual way in.
func (h *Household) Register(cmd RegisterHousehold, ref *reference.Data, seal domain.Sealer, now time.Time) error {
	if h.registered() {
		return ErrAlreadyRegistered
	}
	var errs domain.FieldErrors
	if cmd.HouseholdID == uuid.Nil {
		errs.Add("household_id", domainkit.ErrEmpty)
	}
	if _, ok := ref.Village(cmd.Village); !ok {
		errs.Add("village", reference.ErrUnknownVillage)
	}
	address, err := domainkit.Text(cmd.Address, domainkit.MaxAddress, true, false)
	errs.Add("address", err)
	if err := errs.Err(); err != nil {
		return err
	}
	sealed, err := seal.Seal("address", address)
	if err != nil {
		return fmt.Errorf("seal address: %w", err)
	}
	h.record(Registered{
		HouseholdID:  cmd.HouseholdID,
		Tenant:       ref.Tenant,
		Village:      cmd.Village,
		Address:      sealed,
		RegisteredOn: domainkit.Today(now),
	})
	return nil
}

// ChangeAddress records that the household moved within its village.
func (h *Household) ChangeAddress(address string, seal domain.Sealer) error {
	if !h.registered() {
		return ErrNotRegistered
	}
	address, err := domainkit.Text(address, domainkit.MaxAddress, true, false)
	if err != nil {
		return domainkit.Invalid("address", err)
	}
	sealed, err := seal.Seal("address", address)
	if err != nil {
		return fmt.Errorf("seal address: %w", err)
	}
	h.record(AddressChanged{HouseholdID: h.id, Address: sealed})
	return nil
}

// ID is the household's id.
func (h *Household) ID() uuid.UUID { return h.id }

// Tenant is the station or town the household belongs to.
func (h *Household) Tenant() string { return h.tenant }

// Village is the household's village code.
func (h *Household) Village() string { return h.village }

// Address is the sealed exact address.
func (h *Household) Address() domain.Sealed { return h.address }

// RegisteredOn is the date the household entered the register.
func (h *Household) RegisteredOn() domainkit.Date { return h.registeredOn }
