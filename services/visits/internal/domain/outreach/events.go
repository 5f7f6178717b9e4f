package outreach

import (
	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

// Wire names of the outreach events, "<service>.<aggregate>.<event>": stable
// contract, never derived from Go names. Schema versions are the current
// payload versions; the codec upcasts older ones before Apply sees them.
const (
	TypeRecorded  = "visits.outreach.recorded"
	TypeCorrected = "visits.outreach.corrected"

	RecordedSchemaVersion  = 1
	CorrectedSchemaVersion = 1
)

// Event is a fact about a publicity event. The interface is sealed: only
// this package's types implement it, and Apply handles every one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isOutreachEvent()
}

// Recorded: a publicity event was held in a village.
type Recorded struct {
	EventID    uuid.UUID             `json:"event_id"`
	Tenant     string                `json:"tenant"`
	Village    string                `json:"village"`
	HeldOn     domainkit.Date        `json:"held_on"`
	Title      string                `json:"title"`
	Organiser  string                `json:"organiser"`
	Attendance int                   `json:"attendance"`
	Cards      []cardedition.Handout `json:"cards,omitempty"`
}

// Corrected: the event's figures were replaced as a whole, for a reason.
type Corrected struct {
	EventID    uuid.UUID             `json:"event_id"`
	Attendance int                   `json:"attendance"`
	Cards      []cardedition.Handout `json:"cards,omitempty"`
	Reason     string                `json:"reason"`
}

func (Recorded) EventType() string  { return TypeRecorded }
func (Corrected) EventType() string { return TypeCorrected }

func (Recorded) SchemaVersion() int  { return RecordedSchemaVersion }
func (Corrected) SchemaVersion() int { return CorrectedSchemaVersion }

func (Recorded) isOutreachEvent()  {}
func (Corrected) isOutreachEvent() {}
