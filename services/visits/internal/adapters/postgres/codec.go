// Package postgres holds the visits service's adapters over PostgreSQL: the
// codec between domain events and the platform's event store, the
// repositories of the six aggregates, the index views behind lists and
// reference checks (fed by the service's own stream and the beneficiaries
// stream), and the audit of sensitive reads.
package postgres

import (
	"encoding/json"
	"fmt"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// Registry lists every visits event type at its current schema version.
// Upcasters for older versions go here when a payload changes.
func Registry() *eventstore.Registry {
	return eventstore.NewRegistry().
		Register(visit.TypeScheduled, visit.ScheduledSchemaVersion).
		Register(visit.TypeCompleted, visit.CompletedSchemaVersion).
		Register(visit.TypeAddendumRecorded, visit.AddendumRecordedSchemaVersion).
		Register(visit.TypeCancelled, visit.CancelledSchemaVersion).
		Register(visit.TypeMissed, visit.MissedSchemaVersion).
		Register(theme.TypeChosen, theme.ChosenSchemaVersion).
		Register(theme.TypeChanged, theme.ChangedSchemaVersion).
		Register(cardedition.TypePublished, cardedition.PublishedSchemaVersion).
		Register(cardedition.TypeRetired, cardedition.RetiredSchemaVersion).
		Register(outreach.TypeRecorded, outreach.RecordedSchemaVersion).
		Register(outreach.TypeCorrected, outreach.CorrectedSchemaVersion).
		Register(hotline.TypeReceived, hotline.ReceivedSchemaVersion).
		Register(hotline.TypeTriaged, hotline.TriagedSchemaVersion).
		Register(hotline.TypeFollowedUp, hotline.FollowedUpSchemaVersion).
		Register(assignment.TypeVillageAssigned, assignment.VillageAssignedSchemaVersion).
		Register(assignment.TypeVillageReleased, assignment.VillageReleasedSchemaVersion).
		Register(assignment.TypeStationDayScheduled, assignment.StationDayScheduledSchemaVersion)
}

// DecodeVisit reads a visit event from its wire type and JSON payload.
func DecodeVisit(eventType string, data []byte) (visit.Event, error) {
	switch eventType {
	case visit.TypeScheduled:
		return decode[visit.Scheduled](eventType, data)
	case visit.TypeCompleted:
		return decode[visit.Completed](eventType, data)
	case visit.TypeAddendumRecorded:
		return decode[visit.AddendumRecorded](eventType, data)
	case visit.TypeCancelled:
		return decode[visit.Cancelled](eventType, data)
	case visit.TypeMissed:
		return decode[visit.Missed](eventType, data)
	}
	return nil, notOf(eventType, "visit")
}

// DecodeTheme reads a monthly-theme event.
func DecodeTheme(eventType string, data []byte) (theme.Event, error) {
	switch eventType {
	case theme.TypeChosen:
		return decode[theme.Chosen](eventType, data)
	case theme.TypeChanged:
		return decode[theme.Changed](eventType, data)
	}
	return nil, notOf(eventType, "theme")
}

// DecodeEdition reads a card-edition event.
func DecodeEdition(eventType string, data []byte) (cardedition.Event, error) {
	switch eventType {
	case cardedition.TypePublished:
		return decode[cardedition.Published](eventType, data)
	case cardedition.TypeRetired:
		return decode[cardedition.Retired](eventType, data)
	}
	return nil, notOf(eventType, "card edition")
}

// DecodeOutreach reads an outreach-event event.
func DecodeOutreach(eventType string, data []byte) (outreach.Event, error) {
	switch eventType {
	case outreach.TypeRecorded:
		return decode[outreach.Recorded](eventType, data)
	case outreach.TypeCorrected:
		return decode[outreach.Corrected](eventType, data)
	}
	return nil, notOf(eventType, "outreach")
}

// DecodeCall reads a hotline-call event.
func DecodeCall(eventType string, data []byte) (hotline.Event, error) {
	switch eventType {
	case hotline.TypeReceived:
		return decode[hotline.Received](eventType, data)
	case hotline.TypeTriaged:
		return decode[hotline.Triaged](eventType, data)
	case hotline.TypeFollowedUp:
		return decode[hotline.FollowedUp](eventType, data)
	}
	return nil, notOf(eventType, "hotline call")
}

// DecodeAssignment reads a village-assignment event.
func DecodeAssignment(eventType string, data []byte) (assignment.Event, error) {
	switch eventType {
	case assignment.TypeVillageAssigned:
		return decode[assignment.VillageAssigned](eventType, data)
	case assignment.TypeVillageReleased:
		return decode[assignment.VillageReleased](eventType, data)
	case assignment.TypeStationDayScheduled:
		return decode[assignment.StationDayScheduled](eventType, data)
	}
	return nil, notOf(eventType, "assignment")
}

func notOf(eventType, aggregate string) error {
	return fmt.Errorf("codec: %q is not a %s event", eventType, aggregate)
}

func decode[E any](eventType string, data []byte) (E, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return e, fmt.Errorf("codec: decode %s: %w", eventType, err)
	}
	return e, nil
}
