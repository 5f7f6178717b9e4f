package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	service    = "beneficiaries"
	registered = "beneficiaries.person.registered"
	assessed   = "beneficiaries.person.tier_assessed"
)

func openStore(t testing.TB, pool *pgxpool.Pool) *eventstore.Store {
	t.Helper()
	reg := eventstore.NewRegistry().Register(registered, 1).Register(assessed, 1)
	store, err := eventstore.Open(context.Background(), pool, eventstore.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func newJetStream(t testing.TB, url, svc string) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(natstest.Connect(t, url))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := wire.EnsureStream(ctx, js, svc, 1, 0); err != nil {
		t.Fatal(err)
	}
	return js
}

// env is one service's event store and an embedded JetStream server.
type env struct {
	pool  *pgxpool.Pool
	store *eventstore.Store
	srv   *natstest.Server
	js    jetstream.JetStream
}

func newEnv(t testing.TB) *env {
	t.Helper()
	pool := pgtest.NewPool(t)
	srv := natstest.Start(t)
	return &env{pool: pool, store: openStore(t, pool), srv: srv, js: newJetStream(t, srv.URL(), service)}
}

// running is a relay running in the background.
type running struct {
	*relay.Relay
	cancel context.CancelFunc
	done   chan error
}

// stop cancels the relay and returns what Run returned.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // let a later stop see it too
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop within 10s")
		return nil
	}
}

func startRelay(t testing.TB, store *eventstore.Store, js jetstream.JetStream, opts relay.Options) *running {
	t.Helper()
	if opts.Service == "" {
		opts.Service = service
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 10 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 200 * time.Millisecond
	}
	r, err := relay.New(store, js, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{Relay: r, cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- r.Run(ctx) }()
	t.Cleanup(func() {
		if err := run.stop(t); err != nil && !errors.Is(err, errCrash) {
			t.Errorf("relay: %v", err)
		}
	})
	return run
}

var errCrash = errors.New("simulated crash")

// appendTo appends n events to stream, one append each.
func appendTo(t testing.TB, store *eventstore.Store, stream string, n int) {
	t.Helper()
	for range n {
		if _, err := store.Append(context.Background(), eventstore.StreamID(stream), eventstore.Any, envelope(t, assessed)); err != nil {
			t.Fatal(err)
		}
	}
}

func envelope(t testing.TB, typ string) eventstore.Envelope {
	e, err := eventstore.NewEnvelope(typ, map[string]string{"tier": "A"}, eventstore.Metadata{Tenant: "shitan", Actor: "worker-7"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// streamMsgs counts the messages in the service's stream.
func streamMsgs(t testing.TB, js jetstream.JetStream, svc string) uint64 {
	t.Helper()
	return natstest.Messages(t, js, svc)
}

// readStream decodes every message of the service's stream in stream order,
// as a subscriber replaying it would see them.
func readStream(t testing.TB, js jetstream.JetStream, svc string) []wire.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, wire.StreamName(svc))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Event
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		e, err := wire.DecodeParts(m.Subject, m.Header, m.Data)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		out = append(out, e)
	}
	return out
}

type storedEvent struct {
	id      uuid.UUID
	stream  eventstore.StreamID
	version eventstore.Version
}

func storedEvents(t testing.TB, pool *pgxpool.Pool) []storedEvent {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT event_id, stream_id, version FROM events ORDER BY txid, position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		var stream string
		if err := rows.Scan(&e.id, &stream, &e.version); err != nil {
			t.Fatal(err)
		}
		e.stream = eventstore.StreamID(stream)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitDrained waits until the relay's cursor is at the last committed event.
func waitDrained(t testing.TB, pool *pgxpool.Pool, name string, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "the relay cursor to reach the last event", func() bool {
		var drained bool
		err := pool.QueryRow(context.Background(), `SELECT coalesce((
			SELECT (c.txid, c.position) = (e.txid, e.position)
			FROM relay_cursor c, (SELECT txid, position FROM events ORDER BY txid DESC, position DESC LIMIT 1) e
			WHERE c.name = $1), false)`, name).Scan(&drained)
		if err != nil {
			t.Fatal(err)
		}
		return drained
	})
}

// checkExactlyOnce asserts that the stream holds every stored event exactly
// once, and each aggregate's events in version order.
func checkExactlyOnce(t testing.TB, stored []storedEvent, got []wire.Event) {
	t.Helper()
	want := map[uuid.UUID]storedEvent{}
	for _, e := range stored {
		want[e.id] = e
	}
	seen := map[uuid.UUID]bool{}
	lastVersion := map[eventstore.StreamID]eventstore.Version{}
	for i, e := range got {
		s, ok := want[e.ID]
		switch {
		case !ok:
			t.Errorf("message %d: event %s is not in the store", i, e.ID)
		case seen[e.ID]:
			t.Errorf("message %d: event %s (%s v%d) is in the stream twice", i, e.ID, e.StreamID, e.StreamVersion)
		case s.stream != e.StreamID || s.version != e.StreamVersion:
			t.Errorf("message %d: %s v%d, stored as %s v%d", i, e.StreamID, e.StreamVersion, s.stream, s.version)
		case e.StreamVersion != lastVersion[e.StreamID]+1:
			t.Errorf("message %d: %s v%d follows v%d", i, e.StreamID, e.StreamVersion, lastVersion[e.StreamID])
		}
		seen[e.ID] = true
		lastVersion[e.StreamID] = e.StreamVersion
	}
	for id, s := range want {
		if !seen[id] {
			t.Errorf("event %s (%s v%d) is missing from the stream", id, s.stream, s.version)
		}
	}
	if len(got) != len(stored) {
		t.Errorf("%d messages for %d events", len(got), len(stored))
	}
}

// staysTrue asserts cond holds throughout d: for "the relay does not publish"
// there is no event to wait for, only a window to watch.
func staysTrue(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if !cond() {
			t.Fatalf("%s no longer holds", what)
		}
		<-tick.C
	}
}

// appender appends to several streams in the background, keeping each
// stream's order, and counts the appends that committed.
type appender struct {
	done    chan struct{}
	mu      sync.Mutex
	err     error
	counter int
}

func (a *appender) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counter
}

func startAppender(store *eventstore.Store, streams, perStream int) *appender {
	a := &appender{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for v := range perStream {
			for s := range streams {
				data, _ := json.Marshal(map[string]int{"n": v})
				_, err := store.Append(context.Background(), eventstore.StreamID("person-"+strconv.Itoa(s)), eventstore.Any,
					eventstore.Envelope{Type: assessed, Data: data, Metadata: eventstore.Metadata{Tenant: "shitan"}})
				a.mu.Lock()
				if err != nil {
					a.err = fmt.Errorf("append: %w", err)
					a.mu.Unlock()
					return
				}
				a.counter++
				a.mu.Unlock()
			}
		}
	}()
	return a
}
