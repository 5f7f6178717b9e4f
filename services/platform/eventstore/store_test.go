package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	noteAdded   = "visits.note.added"
	noteDeleted = "visits.note.deleted"
)

func registry() *eventstore.Registry {
	return eventstore.NewRegistry().Register(noteAdded, 1).Register(noteDeleted, 1)
}

func openStore(t testing.TB) (*eventstore.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	store, err := eventstore.Open(context.Background(), pool, eventstore.Options{Registry: registry(), MaxPayloadBytes: 1024})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return store, pool
}

func note(text string, md eventstore.Metadata) eventstore.Envelope {
	if md.Tenant == "" {
		md.Tenant = "shitan"
	}
	data, _ := json.Marshal(map[string]string{"text": text})
	return eventstore.Envelope{Type: noteAdded, Data: data, Metadata: md}
}

func load(t *testing.T, store *eventstore.Store, stream eventstore.StreamID) []eventstore.Recorded {
	t.Helper()
	var out []eventstore.Recorded
	for r, err := range store.Load(context.Background(), stream, 0) {
		if err != nil {
			t.Fatalf("load %s: %v", stream, err)
		}
		out = append(out, r)
	}
	return out
}

func countEvents(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Fifty writers that each loaded the same version race to append; in every
// round exactly one wins and the others get a conflict naming the versions.
func TestConcurrentWritersExactlyOneWinsPerVersion(t *testing.T) {
	store, _ := openStore(t)
	ctx := context.Background()
	const writers, rounds = 50, 8
	stream := eventstore.StreamID("person-race")

	for round := 0; round < rounds; round++ {
		loaded, err := store.Head(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		var (
			start     = make(chan struct{})
			wg        sync.WaitGroup
			mu        sync.Mutex
			wins      int
			conflicts int
		)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := store.Append(ctx, stream, eventstore.Exactly(loaded), note(fmt.Sprintf("round %d writer %d", round, w), eventstore.Metadata{}))
				mu.Lock()
				defer mu.Unlock()
				var conflict *eventstore.ConflictError
				switch {
				case err == nil:
					wins++
				case errors.As(err, &conflict):
					conflicts++
					if conflict.Actual != loaded+1 || conflict.Expected != eventstore.Exactly(loaded) {
						t.Errorf("conflict = %v, want expected %d actual %d", conflict, loaded, loaded+1)
					}
				default:
					t.Errorf("append: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins != 1 || conflicts != writers-1 {
			t.Fatalf("round %d: %d wins and %d conflicts, want 1 and %d", round, wins, conflicts, writers-1)
		}
	}

	events := load(t, store, stream)
	if len(events) != rounds {
		t.Fatalf("stream holds %d events, want %d", len(events), rounds)
	}
	for i, e := range events {
		if e.Version != eventstore.Version(i+1) {
			t.Fatalf("event %d has version %d: the stream has a gap or a duplicate", i, e.Version)
		}
	}
}

// Writers that do not care about the version (Any) all get their events in,
// one version each.
func TestAnyWritersAllLand(t *testing.T) {
	store, _ := openStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := store.Append(ctx, "hotline-log", eventstore.Any, note("call", eventstore.Metadata{})); err != nil {
				t.Errorf("append: %v", err)
			}
		}()
	}
	wg.Wait()
	if got := len(load(t, store, "hotline-log")); got != 20 {
		t.Fatalf("stream holds %d events, want 20", got)
	}
}

func TestNoStreamAndExactExpectations(t *testing.T) {
	store, _ := openStore(t)
	ctx := context.Background()
	res, err := store.Append(ctx, "household-1", eventstore.NoStream, note("a", eventstore.Metadata{}), note("b", eventstore.Metadata{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.FirstVersion != 1 || res.Version != 2 || len(res.EventIDs) != 2 || res.Position <= 0 {
		t.Fatalf("result = %+v, want versions 1..2", res)
	}
	var conflict *eventstore.ConflictError
	if _, err := store.Append(ctx, "household-1", eventstore.NoStream, note("c", eventstore.Metadata{})); !errors.As(err, &conflict) || conflict.Actual != 2 {
		t.Fatalf("NoStream on an existing stream: err = %v, want conflict with actual 2", err)
	}
	if _, err := store.Append(ctx, "household-1", eventstore.Exactly(5), note("c", eventstore.Metadata{})); !errors.As(err, &conflict) || conflict.Actual != 2 {
		t.Fatalf("Exactly(5) on a stream at 2: err = %v, want conflict (no gap may be created)", err)
	}
	if res, err := store.Append(ctx, "household-1", eventstore.Exactly(2), note("c", eventstore.Metadata{})); err != nil || res.Version != 3 {
		t.Fatalf("Exactly(2): %+v, %v", res, err)
	}
	after := 0
	for r, err := range store.Load(ctx, "household-1", 2) {
		if err != nil || r.Version != 3 {
			t.Fatalf("load after 2: %+v %v", r, err)
		}
		after++
	}
	if after != 1 {
		t.Fatalf("load after version 2 yielded %d events, want 1", after)
	}
}

// A client that retries with the same request id gets the first reply and
// writes nothing, even when its expectation no longer holds.
func TestSameRequestIDTwiceWritesOnce(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()
	md := eventstore.Metadata{RequestID: "req-42"}
	first, err := store.Append(ctx, "person-7", eventstore.NoStream, note("registered", md))
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Append(ctx, "person-7", eventstore.NoStream, note("registered", md))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !second.Replayed || second.Version != first.Version || second.Position != first.Position ||
		second.EventIDs[0] != first.EventIDs[0] || !second.RecordedAt.Equal(first.RecordedAt) {
		t.Fatalf("retry reply %+v differs from first %+v", second, first)
	}
	if n := countEvents(t, pool); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	if _, err := store.Append(ctx, "person-8", eventstore.NoStream, note("x", md)); !errors.Is(err, eventstore.ErrRequestReused) {
		t.Fatalf("request id reused on another stream: err = %v, want ErrRequestReused", err)
	}
}

// A retried multi-event append returns every event of the first one.
func TestRetriedMultiEventAppendReturnsAllItsEvents(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()
	if _, err := store.Append(ctx, "household-9", eventstore.NoStream, note("before", eventstore.Metadata{})); err != nil {
		t.Fatal(err)
	}
	md := eventstore.Metadata{RequestID: "req-multi"}
	first, err := store.Append(ctx, "household-9", eventstore.Exactly(1), note("a", md), note("b", md), note("c", md))
	if err != nil {
		t.Fatal(err)
	}
	again, err := store.Append(ctx, "household-9", eventstore.Exactly(1), note("a", md), note("b", md), note("c", md))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !again.Replayed || again.FirstVersion != 2 || again.Version != 4 || again.Position != first.Position ||
		len(again.EventIDs) != 3 || again.EventIDs[2] != first.EventIDs[2] {
		t.Fatalf("retry reply %+v, first %+v", again, first)
	}
	if n := countEvents(t, pool); n != 4 {
		t.Fatalf("%d events stored, want 4", n)
	}
}

// Concurrent retries of one request (a client that timed out and retried at
// once) still write once.
func TestConcurrentRetriesWriteOnce(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]eventstore.AppendResult, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := store.Append(ctx, "order-1", eventstore.Any, note("placed", eventstore.Metadata{RequestID: "req-same"}))
			if err != nil {
				t.Errorf("append: %v", err)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	if n := countEvents(t, pool); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	for _, r := range results {
		if r.Version != 1 || r.EventIDs[0] != results[0].EventIDs[0] {
			t.Fatalf("replies differ: %+v vs %+v", r, results[0])
		}
	}
}

func TestBadInputIsRejectedAndNothingWritten(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()
	ok := note("fine", eventstore.Metadata{})
	with := func(f func(*eventstore.Envelope)) eventstore.Envelope { e := ok; f(&e); return e }
	cases := []struct {
		name   string
		stream eventstore.StreamID
		events []eventstore.Envelope
		field  string
	}{
		{"empty stream id", "", []eventstore.Envelope{ok}, "stream_id"},
		{"stream id with a dot", "person.1", []eventstore.Envelope{ok}, "stream_id"},
		{"stream id too long", eventstore.StreamID(strings.Repeat("a", 201)), []eventstore.Envelope{ok}, "stream_id"},
		{"no events", "s-1", nil, "events"},
		{"unknown event type", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.Type = "visits.note.exploded" })}, "events[0].type"},
		{"old schema version", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.SchemaVersion = 2 })}, "events[0].schema_version"},
		{"payload over the limit", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) {
			e.Data = json.RawMessage(`{"text":"` + strings.Repeat("x", 2000) + `"}`)
		})}, "events[0].data"},
		{"invalid UTF-8 payload", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.Data = json.RawMessage("{\"text\":\"\xff\xfe\"}") })}, "events[0].data"},
		{"not JSON", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.Data = json.RawMessage(`{"text":`) })}, "events[0].data"},
		{"occurred far in the future", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.OccurredAt = time.Now().Add(3 * time.Hour) })}, "events[0].occurred_at"},
		{"no tenant", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.Metadata.Tenant = "" })}, "events[0].metadata.tenant"},
		{"tenant with subject wildcard", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.Metadata.Tenant = "shi>tan" })}, "events[0].metadata.tenant"},
		{"invalid UTF-8 actor", "s-1", []eventstore.Envelope{with(func(e *eventstore.Envelope) { e.Metadata.Actor = "\xc3\x28" })}, "events[0].metadata.actor"},
		{"second event of a valid batch is bad", "s-1", []eventstore.Envelope{ok, with(func(e *eventstore.Envelope) { e.Type = "nope" })}, "events[1].type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Append(ctx, tc.stream, eventstore.Any, tc.events...)
			var verr *eventstore.ValidationError
			if !errors.Is(err, eventstore.ErrInvalid) || !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if verr.Field != tc.field {
				t.Fatalf("field = %q (%v), want %q", verr.Field, err, tc.field)
			}
		})
	}
	if n := countEvents(t, pool); n != 0 {
		t.Fatalf("%d events written by bad appends, want 0", n)
	}
}

// Business time may lie in the past (a visit recorded offline); the store
// keeps it beside the time it recorded the event.
func TestOccurredAtInThePastIsKeptBesideRecordedAt(t *testing.T) {
	store, _ := openStore(t)
	ctx := context.Background()
	threeDaysAgo := time.Now().Add(-72 * time.Hour).Truncate(time.Microsecond)
	e := note("visited", eventstore.Metadata{Actor: "sw-01", CorrelationID: "c-1", CausationID: "cmd-1"})
	e.OccurredAt = threeDaysAgo
	if _, err := store.Append(ctx, "visit-1", eventstore.NoStream, e); err != nil {
		t.Fatal(err)
	}
	got := load(t, store, "visit-1")[0]
	if !got.OccurredAt.Equal(threeDaysAgo) {
		t.Fatalf("occurred_at = %v, want %v", got.OccurredAt, threeDaysAgo)
	}
	if time.Since(got.RecordedAt) > time.Minute || got.RecordedAt.Before(got.OccurredAt) {
		t.Fatalf("recorded_at = %v, want about now", got.RecordedAt)
	}
	if got.ID.Version() != 7 || got.Metadata.Actor != "sw-01" || got.Metadata.Tenant != "shitan" || got.Metadata.CausationID != "cmd-1" {
		t.Fatalf("recorded event = %+v", got)
	}
}

// An event written at schema version 1 is read at version 2 by a release
// whose codec upcasts it; the stored event is untouched.
func TestLoadUpcastsOldSchemaVersions(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	v1, err := eventstore.Open(ctx, pool, eventstore.Options{Registry: registry()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v1.Append(ctx, "note-1", eventstore.NoStream, note("old", eventstore.Metadata{})); err != nil {
		t.Fatal(err)
	}
	reg2 := eventstore.NewRegistry().Register(noteAdded, 2).Register(noteDeleted, 1).
		Upcast(noteAdded, 1, func(data json.RawMessage) (json.RawMessage, error) {
			var v1 struct{ Text string }
			if err := json.Unmarshal(data, &v1); err != nil {
				return nil, err
			}
			return json.Marshal(map[string]string{"body": v1.Text, "language": "zh"})
		})
	v2, err := eventstore.Open(ctx, pool, eventstore.Options{Registry: reg2})
	if err != nil {
		t.Fatal(err)
	}
	got := load(t, v2, "note-1")[0]
	if got.SchemaVersion != 2 || string(got.Data) != `{"body":"old","language":"zh"}` {
		t.Fatalf("upcast event = v%d %s", got.SchemaVersion, got.Data)
	}
	if old := load(t, v1, "note-1")[0]; old.SchemaVersion != 1 {
		t.Fatalf("stored event changed to schema version %d", old.SchemaVersion)
	}
}

// The trace of the request that appended travels in the event's metadata, so
// the relay and the projections can continue it.
func TestAppendCarriesTheCallersTraceContext(t *testing.T) {
	store, _ := openStore(t)
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(context.Background(), "register person")
	defer span.End()
	if _, err := store.Append(ctx, "person-traced", eventstore.NoStream, note("x", eventstore.Metadata{})); err != nil {
		t.Fatal(err)
	}
	got := load(t, store, "person-traced")[0]
	if !strings.Contains(got.Metadata.TraceParent, span.SpanContext().TraceID().String()) {
		t.Fatalf("traceparent %q does not carry trace %s", got.Metadata.TraceParent, span.SpanContext().TraceID())
	}
}

func TestAppendedSignalsTheRelay(t *testing.T) {
	store, _ := openStore(t)
	if _, err := store.Append(context.Background(), "s-signal", eventstore.Any, note("x", eventstore.Metadata{})); err != nil {
		t.Fatal(err)
	}
	select {
	case <-store.Appended():
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up signal after an append")
	}
}
