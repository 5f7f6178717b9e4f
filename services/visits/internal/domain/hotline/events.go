package hotline

import (
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Wire names of the call events, "<service>.<aggregate>.<event>": stable
// contract, never derived from Go names. Schema versions are the current
// payload versions; the codec upcasts older ones before Apply sees them.
const (
	TypeReceived   = "visits.hotline_call.received"
	TypeTriaged    = "visits.hotline_call.triaged"
	TypeFollowedUp = "visits.hotline_call.followed_up"

	ReceivedSchemaVersion   = 1
	TriagedSchemaVersion    = 1
	FollowedUpSchemaVersion = 1
)

// Event is a fact about a hotline call. The interface is sealed: only this
// package's types implement it, and Apply handles every one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isCallEvent()
}

// Received: a call came in on Line at ReceivedAt. DueAt is when it must be
// followed up by, from its urgency and the policy in force.
type Received struct {
	CallID     uuid.UUID        `json:"call_id"`
	Tenant     string           `json:"tenant"`
	Line       int              `json:"line"`
	ReceivedAt time.Time        `json:"received_at"`
	Caller     Caller           `json:"caller"`
	Need       string           `json:"need"`
	Urgency    Urgency          `json:"urgency"`
	Notes      domainkit.Sealed `json:"notes,omitempty"`
	DueAt      time.Time        `json:"due_at"`
}

// Triaged: a staff member owns the call's follow-up, due by DueAt.
// PreviousOwner is "" at first triage and names who handed it over after.
type Triaged struct {
	CallID        uuid.UUID `json:"call_id"`
	Owner         string    `json:"owner"`
	PreviousOwner string    `json:"previous_owner,omitempty"`
	Urgency       Urgency   `json:"urgency"`
	DueAt         time.Time `json:"due_at"`
	TriagedAt     time.Time `json:"triaged_at"`
}

// FollowedUp: the call was followed up, which closes it.
type FollowedUp struct {
	CallID uuid.UUID `json:"call_id"`
	FollowUp
}

func (Received) EventType() string   { return TypeReceived }
func (Triaged) EventType() string    { return TypeTriaged }
func (FollowedUp) EventType() string { return TypeFollowedUp }

func (Received) SchemaVersion() int   { return ReceivedSchemaVersion }
func (Triaged) SchemaVersion() int    { return TriagedSchemaVersion }
func (FollowedUp) SchemaVersion() int { return FollowedUpSchemaVersion }

func (Received) isCallEvent()   {}
func (Triaged) isCallEvent()    {}
func (FollowedUp) isCallEvent() {}
