package eventstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

type noteAddedEvent struct {
	Text string `json:"text"`
}

func (noteAddedEvent) EventType() string  { return noteAdded }
func (noteAddedEvent) SchemaVersion() int { return 1 }

// A service's repository saves an aggregate's events and reads them back
// decoded, with the stream's first and last recorded times.
func TestEncodeAndLoadHistory(t *testing.T) {
	store, _ := openStore(t)
	ctx := context.Background()
	envs, err := eventstore.Encode([]noteAddedEvent{{"a"}, {"b"}}, eventstore.Metadata{Tenant: "shitan"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "note-h", eventstore.NoStream, envs...); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "note-h", eventstore.Exactly(2), envs[0]); err != nil {
		t.Fatal(err)
	}
	h, err := eventstore.LoadHistory(ctx, store, "note-h", func(_ string, data []byte) (noteAddedEvent, error) {
		var e noteAddedEvent
		return e, json.Unmarshal(data, &e)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 3 || h.Events[1].Text != "b" || h.Created.IsZero() || h.Updated.Before(h.Created) {
		t.Fatalf("history %+v", h)
	}
	missing, err := eventstore.LoadHistory(ctx, store, "note-none", func(string, []byte) (noteAddedEvent, error) { return noteAddedEvent{}, nil })
	if err != nil || len(missing.Events) != 0 {
		t.Fatalf("missing stream: %+v, %v", missing, err)
	}
}
