package household

import (
	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Wire names of the household events: stable contract, never derived from Go
// names. Schema versions are the current payload versions; the codec upcasts
// older ones.
const (
	TypeRegistered     = "beneficiaries.household.registered"
	TypeAddressChanged = "beneficiaries.household.address_changed"

	RegisteredSchemaVersion     = 1
	AddressChangedSchemaVersion = 1
)

// Event is a fact about a household. The interface is sealed: only this
// package's types implement it.
type Event interface {
	EventType() string
	SchemaVersion() int
	isHouseholdEvent()
}

// Registered: a household (户) entered the register.
type Registered struct {
	HouseholdID  uuid.UUID      `json:"household_id"`
	Tenant       string         `json:"tenant"`
	Village      string         `json:"village"`
	Address      domain.Sealed  `json:"address"` // sensitive: the exact address
	RegisteredOn domainkit.Date `json:"registered_on"`
}

// AddressChanged: the household now lives at another address in its village.
type AddressChanged struct {
	HouseholdID uuid.UUID     `json:"household_id"`
	Address     domain.Sealed `json:"address"`
}

func (Registered) EventType() string     { return TypeRegistered }
func (AddressChanged) EventType() string { return TypeAddressChanged }

func (Registered) SchemaVersion() int     { return RegisteredSchemaVersion }
func (AddressChanged) SchemaVersion() int { return AddressChangedSchemaVersion }

func (Registered) isHouseholdEvent()     {}
func (AddressChanged) isHouseholdEvent() {}
