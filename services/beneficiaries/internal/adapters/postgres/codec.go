// Package postgres holds the beneficiaries service's adapters over
// PostgreSQL: the codec between domain events and the platform's event
// store, the person and household repositories, the key store that seals
// personal data (and shreds it on forget), the blind index of ID numbers,
// request-id lookups, and the persons read model. (Sensitive reads are
// audited by the platform's audit package.)
package postgres

import (
	"encoding/json"
	"fmt"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// Registry lists every beneficiaries event type at its current schema
// version. Upcasters for older versions go here when a payload changes.
func Registry() *eventstore.Registry {
	return eventstore.NewRegistry().
		Register(household.TypeRegistered, household.RegisteredSchemaVersion).
		Register(household.TypeAddressChanged, household.AddressChangedSchemaVersion).
		Register(person.TypeRegistered, person.RegisteredSchemaVersion).
		Register(person.TypeContactDetailsChanged, person.ContactDetailsChangedSchemaVersion).
		Register(person.TypeHealthNotesChanged, person.HealthNotesChangedSchemaVersion).
		Register(person.TypeMovedHousehold, person.MovedHouseholdSchemaVersion).
		Register(person.TypeCategoryAdded, person.CategoryAddedSchemaVersion).
		Register(person.TypeCategoryRemoved, person.CategoryRemovedSchemaVersion).
		Register(person.TypeTierAssessed, person.TierAssessedSchemaVersion).
		Register(person.TypeMonthlyFileUpdated, person.MonthlyFileUpdatedSchemaVersion).
		Register(person.TypeSocialWorkerAssigned, person.SocialWorkerAssignedSchemaVersion).
		Register(person.TypeExited, person.ExitedSchemaVersion).
		Register(person.TypeReinstated, person.ReinstatedSchemaVersion).
		Register(person.TypeForgotten, person.ForgottenSchemaVersion)
}

// DecodePerson reads a person event from its wire type name and JSON
// payload (already upcast to the current schema version by the store).
func DecodePerson(eventType string, data []byte) (person.Event, error) {
	switch eventType {
	case person.TypeRegistered:
		return decode[person.Registered](eventType, data)
	case person.TypeContactDetailsChanged:
		return decode[person.ContactDetailsChanged](eventType, data)
	case person.TypeHealthNotesChanged:
		return decode[person.HealthNotesChanged](eventType, data)
	case person.TypeMovedHousehold:
		return decode[person.MovedHousehold](eventType, data)
	case person.TypeCategoryAdded:
		return decode[person.CategoryAdded](eventType, data)
	case person.TypeCategoryRemoved:
		return decode[person.CategoryRemoved](eventType, data)
	case person.TypeTierAssessed:
		return decode[person.TierAssessed](eventType, data)
	case person.TypeMonthlyFileUpdated:
		return decode[person.MonthlyFileUpdated](eventType, data)
	case person.TypeSocialWorkerAssigned:
		return decode[person.SocialWorkerAssigned](eventType, data)
	case person.TypeExited:
		return decode[person.Exited](eventType, data)
	case person.TypeReinstated:
		return decode[person.Reinstated](eventType, data)
	case person.TypeForgotten:
		return decode[person.Forgotten](eventType, data)
	}
	return nil, fmt.Errorf("codec: %q is not a person event", eventType)
}

// DecodeHousehold reads a household event.
func DecodeHousehold(eventType string, data []byte) (household.Event, error) {
	switch eventType {
	case household.TypeRegistered:
		return decode[household.Registered](eventType, data)
	case household.TypeAddressChanged:
		return decode[household.AddressChanged](eventType, data)
	}
	return nil, fmt.Errorf("codec: %q is not a household event", eventType)
}

func decode[E any](eventType string, data []byte) (E, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return e, fmt.Errorf("codec: decode %s: %w", eventType, err)
	}
	return e, nil
}
