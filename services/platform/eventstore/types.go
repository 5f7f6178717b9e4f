// Package eventstore is Doudi's append-only event store on PostgreSQL.
//
// A service appends the events a command decided to one stream (one aggregate)
// with an expectation about the stream's version; the primary key
// (stream_id, version) arbitrates between concurrent writers, so a lost race is
// a ConflictError, never a silent overwrite. The events table doubles as the
// outbox that the relay publishes to JetStream.
package eventstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// StreamID names one aggregate's stream, e.g. "person-0190c7e2-…". It is used
// as a NATS subject token, so it holds only letters, digits, '-' and '_'.
type StreamID string

// Version is a stream's version: the number of events in it.
type Version int64

// Position is an event's place in the store's global sequence. Positions are
// unique and increasing in allocation order, not in commit order.
type Position int64

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectExact
)

// Expected states what the writer believes the stream's version is.
type Expected struct {
	kind    expectKind
	version Version
}

var (
	// Any appends whatever the stream's version.
	Any = Expected{kind: expectAny}
	// NoStream appends only if the stream does not exist yet.
	NoStream = Expected{kind: expectNoStream}
)

// Exactly appends only if the stream is at version v (0 means no stream).
func Exactly(v Version) Expected {
	if v == 0 {
		return NoStream
	}
	return Expected{kind: expectExact, version: v}
}

func (e Expected) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectExact:
		return fmt.Sprintf("version %d", e.version)
	default:
		return "any version"
	}
}

// Metadata travels with every event, to the wire and to the projections.
type Metadata struct {
	Tenant        string `json:"tenant"`
	Actor         string `json:"actor,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	RequestID     string `json:"request_id,omitempty"`
	TraceParent   string `json:"traceparent,omitempty"`
	TraceState    string `json:"tracestate,omitempty"`
}

// Envelope is an event to append.
type Envelope struct {
	// ID is generated (UUIDv7) when zero.
	ID uuid.UUID
	// Type is the stable wire name, "<service>.<aggregate>.<event>", e.g.
	// "beneficiaries.person.tier_assessed". It must be registered.
	Type string
	// SchemaVersion defaults to the registered current version.
	SchemaVersion int
	// Data is the JSON payload.
	Data json.RawMessage
	// Metadata must name the tenant. All envelopes of one append share the
	// request id; the trace context is taken from ctx when empty.
	Metadata Metadata
	// OccurredAt is business time; it may be in the past (a visit recorded
	// offline) but not in the future beyond the store's skew. Zero means now.
	OccurredAt time.Time
}

// NewEnvelope marshals data into an envelope of the given type.
func NewEnvelope(eventType string, data any, md Metadata, occurredAt time.Time) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("marshal %s: %w", eventType, err)
	}
	return Envelope{Type: eventType, Data: raw, Metadata: md, OccurredAt: occurredAt}, nil
}

// Recorded is an event as the store holds it.
type Recorded struct {
	ID            uuid.UUID
	StreamID      StreamID
	Version       Version
	Position      Position
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
	OccurredAt    time.Time
	RecordedAt    time.Time
	// TxID is the id of the transaction that wrote the event; with Position it
	// gives the commit-safe order the relay reads in.
	TxID uint64
}

// AppendResult is what an append returns, and what a retry with the same
// request id returns again.
type AppendResult struct {
	StreamID StreamID
	// FirstVersion and Version are the versions of the first and last event written.
	FirstVersion Version
	Version      Version
	// Position is the global position of the last event written.
	Position   Position
	EventIDs   []uuid.UUID
	RecordedAt time.Time
	// Replayed is true when this is the stored result of an earlier append
	// with the same request id; nothing was written this time.
	Replayed bool
}

// ConflictError is returned when the stream's version is not the expected one.
type ConflictError struct {
	Stream   StreamID
	Expected Expected
	Actual   Version
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("eventstore: stream %q: expected %s, actual version %d", e.Stream, e.Expected, e.Actual)
}

// ErrInvalid is the class of every bad-input error; match it with errors.Is and
// read the field from a *ValidationError with errors.As.
var ErrInvalid = errors.New("invalid append")

// ErrRequestReused is returned when a request id is used again for another stream.
var ErrRequestReused = errors.New("eventstore: request id already used for another stream")

// ValidationError names the field of an append that is wrong.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("eventstore: invalid %s: %s", e.Field, e.Reason)
}

func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
