package relay_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// A transaction that inserted early but commits late is waited for, never
// skipped: events committed after it are held back until it commits, then
// everything is published once, each aggregate in version order.
func TestLateCommitIsNotSkipped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := startRelay(t, e.store, e.js, relay.Options{})

	appendTo(t, e.store, "person-a", 1)
	appendTo(t, e.store, "person-b", 1)
	waitFor(t, 5*time.Second, "the first two events", func() bool { return streamMsgs(t, e.js, service) == 2 })

	// Insert the way Append does, and hold the transaction open: its event
	// has a lower position than the appends that commit after it.
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	held := uuid.Must(uuid.NewV7())
	if _, err := tx.Exec(ctx, `INSERT INTO events (event_id, stream_id, version, event_type, schema_version, data, metadata, occurred_at)
		VALUES ($1, 'person-held', 1, $2, 1, '{"tier":"B"}', '{"tenant":"shitan"}', now())`, held, registered); err != nil {
		t.Fatal(err)
	}
	appendTo(t, e.store, "person-a", 3)
	appendTo(t, e.store, "person-c", 2)

	// The later commits are not published past the open transaction.
	staysTrue(t, 300*time.Millisecond, "nothing published past the open transaction", func() bool {
		return streamMsgs(t, e.js, service) == 2
	})

	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	appendTo(t, e.store, "person-held", 1)
	waitDrained(t, e.pool, relay.DefaultName, 10*time.Second)

	got := readStream(t, e.js, service)
	checkExactlyOnce(t, storedEvents(t, e.pool), got)
	if len(got) > 2 && got[2].ID != held {
		t.Errorf("message 3 is %s v%d, want the late-committing event first after the wait", got[2].StreamID, got[2].StreamVersion)
	}
	s, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Leader || s.PublishedTotal != 9 || s.Backlog != 0 || s.LastPublished.IsZero() {
		t.Errorf("status %+v", s)
	}
}

// A relay that dies after its batch was acknowledged but before the cursor
// moved publishes the batch again on restart; JetStream keeps one copy.
func TestCrashBeforeCursorAdvance(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		appendTo(t, e.store, fmt.Sprintf("person-%d", i), 4)
	}
	// The first batch may be shorter than 20: another test's transaction in
	// this package's database can hold the commit horizon back.
	var firstBatch uint64
	opts := relay.Options{}
	relay.SetAfterPublish(&opts, func(n int) error { firstBatch = uint64(n); return errCrash })
	first := startRelay(t, e.store, e.js, opts)
	select {
	case err := <-first.done:
		if !errors.Is(err, errCrash) {
			t.Fatalf("Run = %v, want the simulated crash", err)
		}
		first.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not reach the hook")
	}
	if n := streamMsgs(t, e.js, service); n != firstBatch || n == 0 {
		t.Fatalf("%d messages after the crash, want the whole batch of %d", n, firstBatch)
	}
	var pos int64
	if err := e.pool.QueryRow(context.Background(), `SELECT position FROM relay_cursor`).Scan(&pos); err != nil || pos != 0 {
		t.Fatalf("cursor at %d (%v), want it not advanced", pos, err)
	}

	second := startRelay(t, e.store, e.js, relay.Options{})
	waitDrained(t, e.pool, relay.DefaultName, 10*time.Second)
	checkExactlyOnce(t, storedEvents(t, e.pool), readStream(t, e.js, service))
	if s, _ := second.Status(context.Background()); s.PublishedTotal != 20 {
		t.Errorf("restarted relay published %d, want all 20, the first %d again (deduplicated)", s.PublishedTotal, firstBatch)
	}
}

// NATS goes away while services keep appending; when it is back, every event
// arrives exactly once and in order per aggregate.
func TestNATSOutage(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e.store, e.js, relay.Options{BatchSize: 50})
	a := startAppender(e.store, 8, 60) // 480 events

	waitFor(t, 10*time.Second, "some events published", func() bool { return streamMsgs(t, e.js, service) >= 40 })
	e.srv.Stop()
	before := a.count()
	waitFor(t, 10*time.Second, "appends to continue without NATS", func() bool { return a.count() >= before+100 })
	waitFor(t, 10*time.Second, "the relay to notice the outage", func() bool {
		s, err := r.Status(context.Background())
		return err == nil && s.ErrorsTotal > 0
	})
	e.srv.Restart()

	<-a.done
	if a.err != nil {
		t.Fatal(a.err)
	}
	waitDrained(t, e.pool, relay.DefaultName, 20*time.Second)
	stored := storedEvents(t, e.pool)
	if len(stored) != 480 {
		t.Fatalf("%d events stored", len(stored))
	}
	checkExactlyOnce(t, stored, readStream(t, e.js, service))
}

// Two replicas: one publishes, the other stands by and takes over within
// five seconds when the leader stops.
func TestStandbyTakesOver(t *testing.T) {
	schema := pgtest.NewSchema(t)
	srv := natstest.Start(t)
	pool1, pool2 := pgtest.Connect(t, schema), pgtest.Connect(t, schema)
	store1, store2 := openStore(t, pool1), openStore(t, pool2)
	r1 := startRelay(t, store1, newJetStream(t, srv.URL(), service), relay.Options{StandbyRetry: time.Second})
	r2 := startRelay(t, store2, newJetStream(t, srv.URL(), service), relay.Options{StandbyRetry: time.Second})
	js := newJetStream(t, srv.URL(), service)

	leaders := func() (l, s *running) {
		s1, err1 := r1.Status(context.Background())
		s2, err2 := r2.Status(context.Background())
		switch {
		case err1 != nil || err2 != nil:
			return nil, nil
		case s1.Leader && !s2.Leader:
			return r1, r2
		case s2.Leader && !s1.Leader:
			return r2, r1
		}
		return nil, nil
	}
	waitFor(t, 5*time.Second, "one leader", func() bool { l, _ := leaders(); return l != nil })
	lead, standby := leaders()

	appendTo(t, store1, "person-1", 5)
	appendTo(t, store2, "person-2", 5)
	waitDrained(t, pool1, relay.DefaultName, 10*time.Second)
	s, err := standby.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Leader || s.PublishedTotal != 0 {
		t.Errorf("standby status %+v, want not leading and nothing published", s)
	}
	if s.CursorPosition == 0 || s.Backlog != 0 {
		t.Errorf("standby sees cursor %d backlog %d, want the leader's progress", s.CursorPosition, s.Backlog)
	}

	if err := lead.stop(t); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, 5*time.Second, "the standby to take over", func() bool {
		s, err := standby.Status(context.Background())
		return err == nil && s.Leader
	})
	t.Logf("took over in %s", time.Since(start).Round(time.Millisecond))
	appendTo(t, store1, "person-1", 3)
	appendTo(t, store2, "person-3", 3)
	waitDrained(t, pool1, relay.DefaultName, 10*time.Second)
	checkExactlyOnce(t, storedEvents(t, pool1), readStream(t, js, service))
	if s, _ := standby.Status(context.Background()); s.PublishedTotal != 6 {
		t.Errorf("new leader published %d, want 6", s.PublishedTotal)
	}
}

// An idle relay publishes a new event at once (woken by the append), and
// reports it in its metrics.
func TestIdleAppendIsPublishedPromptly(t *testing.T) {
	e := newEnv(t)
	reader := sdkmetric.NewManualReader()
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test")
	r := startRelay(t, e.store, e.js, relay.Options{PollInterval: time.Hour, Meter: meter})
	waitFor(t, 5*time.Second, "the relay to lead", func() bool {
		s, err := r.Status(context.Background())
		return err == nil && s.Leader
	})

	cons, err := e.js.OrderedConsumer(context.Background(), wire.StreamName(service), jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan wire.Event, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		ev, err := wire.DecodeParts(m.Subject(), m.Headers(), m.Data())
		if err != nil {
			t.Error(err)
		}
		got <- ev
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()

	res, err := e.store.Append(context.Background(), "person-1", eventstore.NoStream, envelope(t, registered))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case ev := <-got:
		t.Logf("commit to receipt: %s", time.Since(start))
		if ev.ID != res.EventIDs[0] || ev.Type != registered || ev.Tenant != "shitan" || ev.Metadata.Actor != "worker-7" {
			t.Errorf("received %+v", ev)
		}
	case <-time.After(time.Second):
		t.Fatal("the event was not received within a second (the poll interval is an hour: the append must wake the relay)")
	}

	waitDrained(t, e.pool, relay.DefaultName, 5*time.Second)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			seen[m.Name] = true
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "doudi.relay.published" {
				if len(sum.DataPoints) != 1 || sum.DataPoints[0].Value != 1 {
					t.Errorf("published = %+v, want 1", sum.DataPoints)
				}
				if v, _ := sum.DataPoints[0].Attributes.Value("service"); v.AsString() != service {
					t.Errorf("published has no service attribute: %v", sum.DataPoints[0].Attributes)
				}
			}
		}
	}
	for _, name := range []string{"doudi.relay.published", "doudi.relay.lag", "doudi.relay.backlog"} {
		if !seen[name] {
			t.Errorf("metric %s not reported (have %v)", name, seen)
		}
	}
}

// Republish restores a stream that lost its messages, from a position on,
// without touching the relay's cursor.
func TestRepublishRestoresPurgedStream(t *testing.T) {
	e := newEnv(t)
	startRelay(t, e.store, e.js, relay.Options{})
	for i := range 4 {
		appendTo(t, e.store, fmt.Sprintf("person-%d", i), 5)
	}
	waitDrained(t, e.pool, relay.DefaultName, 10*time.Second)
	stored := storedEvents(t, e.pool)

	ctx := context.Background()
	s, err := e.js.Stream(ctx, wire.StreamName(service))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	// A purge keeps the stream's duplicate window, so within two minutes a
	// re-publish is dropped as a duplicate. A broker that lost data rebuilds
	// the window from what it kept, which a restart after the purge mimics.
	e.srv.Restart()

	var from eventstore.Position
	if err := e.pool.QueryRow(ctx, `SELECT position FROM events WHERE event_id = $1`, stored[8].id).Scan(&from); err != nil {
		t.Fatal(err)
	}
	var cursorBefore int64
	if err := e.pool.QueryRow(ctx, `SELECT position FROM relay_cursor`).Scan(&cursorBefore); err != nil {
		t.Fatal(err)
	}
	n, err := relay.Republish(ctx, e.store, e.js, service, from)
	if err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Errorf("republished %d, want 12", n)
	}
	got := readStream(t, e.js, service)
	if len(got) != 12 {
		t.Fatalf("%d messages after republish, want 12", len(got))
	}
	for i, ev := range got {
		if ev.ID != stored[8+i].id {
			t.Errorf("message %d is %s v%d, want event %s", i, ev.StreamID, ev.StreamVersion, stored[8+i].id)
		}
	}
	var cursorAfter int64
	if err := e.pool.QueryRow(ctx, `SELECT position FROM relay_cursor`).Scan(&cursorAfter); err != nil || cursorAfter != cursorBefore {
		t.Errorf("cursor moved from %d to %d (%v)", cursorBefore, cursorAfter, err)
	}
}

// The relay works against the machine's NATS 2.9 server.
func TestMachineNATS(t *testing.T) {
	svc := fmt.Sprintf("relaytest%08x", rand.Uint32())
	js := newJetStream(t, natstest.MachineURL(t), svc)
	t.Cleanup(func() {
		if err := js.DeleteStream(context.Background(), wire.StreamName(svc)); err != nil {
			t.Errorf("delete stream: %v", err)
		}
	})
	pool := pgtest.NewPool(t)
	reg := eventstore.NewRegistry().Register(svc+".person.registered", 1)
	store, err := eventstore.Open(context.Background(), pool, eventstore.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	startRelay(t, store, js, relay.Options{Service: svc})
	for i := range 3 {
		for range 4 {
			e := eventstore.Envelope{Type: svc + ".person.registered", Data: []byte(`{}`), Metadata: eventstore.Metadata{Tenant: "shitan"}}
			if _, err := store.Append(context.Background(), eventstore.StreamID(fmt.Sprint("person-", i)), eventstore.Any, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitDrained(t, pool, relay.DefaultName, 10*time.Second)
	got := readStream(t, js, svc)
	checkExactlyOnce(t, storedEvents(t, pool), got)
	if len(got) > 0 && got[0].MsgSubject != "doudi."+svc+".shitan.person.registered.person-0" {
		t.Errorf("subject %q", got[0].MsgSubject)
	}
}

// When the connection holding the lock breaks, the relay drops leadership,
// campaigns again and carries on from its cursor.
func TestLeaderConnectionLoss(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e.store, e.js, relay.Options{StandbyRetry: 50 * time.Millisecond})
	appendTo(t, e.store, "person-1", 3)
	waitDrained(t, e.pool, relay.DefaultName, 5*time.Second)

	var killed bool
	err := e.pool.QueryRow(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND granted AND pid <> pg_backend_pid()`).Scan(&killed)
	if err != nil || !killed {
		t.Fatalf("terminate the leader's connection: %v %v", killed, err)
	}
	appendTo(t, e.store, "person-1", 3)
	appendTo(t, e.store, "person-2", 2)
	waitDrained(t, e.pool, relay.DefaultName, 10*time.Second)
	checkExactlyOnce(t, storedEvents(t, e.pool), readStream(t, e.js, service))
	s, err := r.Status(context.Background())
	if err != nil || !s.Leader || s.ErrorsTotal == 0 {
		t.Errorf("status %+v, %v; want leading again after an error", s, err)
	}
}

// Something else stored a message in the stream (an operator's republish)
// between a crashed batch and its retry. The retry's events that were
// already stored are acknowledged as duplicates; the first new event must
// not expect one of them as the stream's last message, or the relay would
// be refused for ever.
func TestRetryAfterAStrayMessageIsNotStuck(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	appendTo(t, e.store, "person-a", 3)
	opts := relay.Options{}
	relay.SetAfterPublish(&opts, func(int) error { return errCrash })
	first := startRelay(t, e.store, e.js, opts)
	select {
	case err := <-first.done:
		first.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not reach the hook")
	}
	if _, err := e.js.Publish(ctx, "doudi."+service+".shitan.note.stray.x-1", []byte(`{}`), jetstream.WithMsgID("stray-1")); err != nil {
		t.Fatal(err)
	}
	appendTo(t, e.store, "person-a", 2)

	startRelay(t, e.store, e.js, relay.Options{})
	waitDrained(t, e.pool, relay.DefaultName, 10*time.Second)
	if n := streamMsgs(t, e.js, service); n != 6 {
		t.Fatalf("stream holds %d messages, want the 5 events once and the stray one", n)
	}
}
