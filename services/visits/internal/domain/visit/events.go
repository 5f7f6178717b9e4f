package visit

import (
	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Wire names of the visit events, "<service>.<aggregate>.<event>": stable
// contract, never derived from Go names. Schema versions are the current
// payload versions; the codec upcasts older ones before Apply sees them.
const (
	TypeScheduled        = "visits.visit.scheduled"
	TypeCompleted        = "visits.visit.completed"
	TypeAddendumRecorded = "visits.visit.addendum_recorded"
	TypeCancelled        = "visits.visit.cancelled"
	TypeMissed           = "visits.visit.missed"

	ScheduledSchemaVersion        = 1
	CompletedSchemaVersion        = 1
	AddendumRecordedSchemaVersion = 1
	CancelledSchemaVersion        = 1
	MissedSchemaVersion           = 1
)

// Event is a fact about a visit. The interface is sealed: only this
// package's types implement it, and Apply handles every one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isVisitEvent()
}

// Scheduled: a visit is planned for PlannedOn.
type Scheduled struct {
	Details
	PlannedOn domainkit.Date `json:"planned_on"`
}

// Completed: the visit took place, as its first report tells. It carries the
// visit's details, whether or not it was scheduled, so that "last contact"
// needs no other event. WasMissed says the visit had been marked missed
// before this report arrived, so that a count of missed visits can be
// corrected without state.
type Completed struct {
	Details
	Report
	WasMissed bool `json:"was_missed,omitempty"`
}

// AddendumRecorded: a further report of a completed visit, kept beside the
// first; its services and cards add to the visit's.
type AddendumRecorded struct {
	VisitID uuid.UUID `json:"visit_id"`
	Report
}

// Cancelled: someone decided on On that the scheduled visit will not take
// place.
type Cancelled struct {
	VisitID uuid.UUID      `json:"visit_id"`
	Reason  string         `json:"reason"`
	On      domainkit.Date `json:"on"`
}

// Missed: the scheduled visit did not take place; recorded on On.
type Missed struct {
	VisitID uuid.UUID      `json:"visit_id"`
	Reason  string         `json:"reason,omitempty"`
	On      domainkit.Date `json:"on"`
}

func (Scheduled) EventType() string        { return TypeScheduled }
func (Completed) EventType() string        { return TypeCompleted }
func (AddendumRecorded) EventType() string { return TypeAddendumRecorded }
func (Cancelled) EventType() string        { return TypeCancelled }
func (Missed) EventType() string           { return TypeMissed }

func (Scheduled) SchemaVersion() int        { return ScheduledSchemaVersion }
func (Completed) SchemaVersion() int        { return CompletedSchemaVersion }
func (AddendumRecorded) SchemaVersion() int { return AddendumRecordedSchemaVersion }
func (Cancelled) SchemaVersion() int        { return CancelledSchemaVersion }
func (Missed) SchemaVersion() int           { return MissedSchemaVersion }

func (Scheduled) isVisitEvent()        {}
func (Completed) isVisitEvent()        {}
func (AddendumRecorded) isVisitEvent() {}
func (Cancelled) isVisitEvent()        {}
func (Missed) isVisitEvent()           {}
