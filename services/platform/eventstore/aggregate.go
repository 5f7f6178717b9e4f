package eventstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// DomainEvent is what an aggregate's events say about themselves: their
// stable wire name and schema version. Their JSON is their data.
type DomainEvent interface {
	EventType() string
	SchemaVersion() int
}

// Encode turns an aggregate's uncommitted events into envelopes sharing md,
// ready for Append.
func Encode[E DomainEvent](events []E, md Metadata) ([]Envelope, error) {
	envs := make([]Envelope, 0, len(events))
	for _, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("eventstore: encode %s: %w", e.EventType(), err)
		}
		envs = append(envs, Envelope{Type: e.EventType(), SchemaVersion: e.SchemaVersion(), Data: data, Metadata: md})
	}
	return envs, nil
}

// History is a stream's events, decoded, with when the stream was created
// and last changed (recorded time). Events is empty for a missing stream.
type History[E any] struct {
	Events           []E
	Created, Updated time.Time
}

// LoadHistory loads a whole stream and decodes each event (already upcast to
// its current schema version) with decode, the service's codec.
func LoadHistory[E any](ctx context.Context, s *Store, stream StreamID, decode func(eventType string, data []byte) (E, error)) (History[E], error) {
	var h History[E]
	for rec, err := range s.Load(ctx, stream, 0) {
		if err != nil {
			return History[E]{}, err
		}
		e, err := decode(rec.Type, rec.Data)
		if err != nil {
			return History[E]{}, err
		}
		if len(h.Events) == 0 {
			h.Created = rec.RecordedAt
		}
		h.Updated = rec.RecordedAt
		h.Events = append(h.Events, e)
	}
	return h, nil
}
