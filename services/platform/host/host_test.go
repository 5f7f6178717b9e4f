package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	platformv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/platform/v1"
	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testConfig(t *testing.T, natsURL string) host.Config {
	var cfg host.Config
	err := config.LoadFrom(&cfg, func(name string) (string, bool) {
		switch name {
		case "DATABASE_URL":
			return pgtest.NewSchema(t), true
		case "NATS_URL":
			return natsURL, true
		case "GRPC_ADDR", "HTTP_ADDR":
			return "127.0.0.1:0", true
		case "LOG_LEVEL":
			return "warn", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServiceName = "hosttest"
	return cfg
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// A service started through host is ready, relays what it appends to its
// JetStream stream, answers the operator API and stops cleanly.
func TestHostRunsAServiceEndToEnd(t *testing.T) {
	srv := natstest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := eventstore.NewRegistry().Register("hosttest.note.added", 1)
	h, err := host.Start(ctx, testConfig(t, srv.URL()), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Service.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()

	waitFor(t, "/readyz", func() bool {
		resp, err := http.Get("http://" + h.Service.HTTPAddr() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	env, _ := eventstore.NewEnvelope("hosttest.note.added", map[string]string{"text": "hello"}, eventstore.Metadata{Tenant: "shitan"}, time.Time{})
	res, err := h.Store.Append(ctx, "note-1", eventstore.NoStream, env)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := h.JetStream.Stream(ctx, wire.StreamName("hosttest"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event in JetStream", func() bool {
		info, err := stream.Info(ctx)
		return err == nil && info.State.Msgs == 1
	})
	msg, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "doudi.hosttest.shitan.note.added.note-1" || msg.Header.Get("ce-id") != res.EventIDs[0].String() {
		t.Fatalf("published %s with ce-id %s", msg.Subject, msg.Header.Get("ce-id"))
	}
	var body map[string]string
	if err := json.Unmarshal(msg.Data, &body); err != nil || body["text"] != "hello" {
		t.Fatalf("body %s", msg.Data)
	}

	conn, err := grpc.NewClient(h.Service.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	admin := platformv1.NewEventStoreAdminClient(conn)
	var st *platformv1.RelayStatus
	waitFor(t, "the relay status to show the event published", func() bool {
		st, err = admin.GetRelayStatus(ctx, &platformv1.GetRelayStatusRequest{})
		return err == nil && st.Leader && st.CursorPosition == int64(res.Position) && st.Backlog == 0
	})
	waitFor(t, "relay metrics on /metrics", func() bool {
		resp, err := http.Get("http://" + h.Service.HTTPAddr() + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(body), `doudi_relay_published_total{`) &&
			strings.Contains(string(body), `doudi_relay_lag_seconds_bucket{`) &&
			strings.Contains(string(body), `doudi_relay_backlog{`)
	})
	if _, err := admin.Republish(ctx, &platformv1.RepublishRequest{FromPosition: 0}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("republish from 0: %v, want InvalidArgument", err)
	}
	if _, err := admin.ListParkedEvents(ctx, &platformv1.ListParkedEventsRequest{Projection: "nope"}); status.Code(err) != codes.NotFound {
		t.Fatalf("parked events of an unknown projection: %v, want NotFound", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not stop")
	}
}

// republish --from repairs a stream that lost its messages.
func TestRepublishCommand(t *testing.T) {
	srv := natstest.Start(t)
	ctx := context.Background()
	reg := eventstore.NewRegistry().Register("hosttest.note.added", 1)
	cfg := testConfig(t, srv.URL())
	h, err := host.Start(ctx, cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		env, _ := eventstore.NewEnvelope("hosttest.note.added", map[string]int{"n": i}, eventstore.Metadata{Tenant: "shitan"}, time.Time{})
		if _, err := h.Store.Append(ctx, "note-2", eventstore.Any, env); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Main(ctx, []string{"republish"}); err == nil {
		t.Fatal("republish without --from succeeded")
	}
	h2, err := host.Start(ctx, cfg, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.Main(ctx, []string{"republish", "--from", "2"}); err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(natstest.Connect(t, srv.URL()))
	stream, err := js.Stream(ctx, wire.StreamName("hosttest"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := stream.Info(ctx)
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d messages after republish --from 2, want 2 (positions 2 and 3)", info.State.Msgs)
	}
}

// A server that cannot be reached is an error naming it, not a panic (the
// clean-up after a failed start once dereferenced a nil Host).
func TestStartFailsCleanlyWhenPostgresIsUnreachable(t *testing.T) {
	cfg := testConfig(t, "nats://127.0.0.1:1")
	cfg.DatabaseURL = "postgres://postgres@127.0.0.1:1/nowhere"
	h, err := host.Start(context.Background(), cfg, eventstore.NewRegistry())
	if err == nil || h != nil || !strings.Contains(err.Error(), "PostgreSQL at") {
		t.Fatalf("Start = %v, %v; want no host and an error naming PostgreSQL", h, err)
	}
}

// Services and the broker start together (scripts/dev.sh, a cluster coming
// up): a service that starts first waits for NATS instead of failing.
func TestStartWaitsForABrokerThatIsStillStarting(t *testing.T) {
	srv := natstest.Start(t)
	srv.Stop()
	cfg := testConfig(t, srv.URL())
	type result struct {
		h   *host.Host
		err error
	}
	done := make(chan result, 1)
	go func() {
		h, err := host.Start(context.Background(), cfg, eventstore.NewRegistry())
		done <- result{h, err}
	}()
	// Start the broker only once the service is past its database set-up,
	// that is, when it is about to connect to NATS or already trying.
	db := pgtest.Connect(t, cfg.DatabaseURL)
	waitFor(t, "the service's migrations", func() bool {
		var ok bool
		return db.QueryRow(context.Background(), `SELECT to_regclass('relay_cursor') IS NOT NULL`).Scan(&ok) == nil && ok
	})
	srv.Restart()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Start with a late broker: %v", r.err)
		}
		r.h.NATS.Close()
		r.h.Pool.Close()
	case <-time.After(30 * time.Second):
		t.Fatal("Start did not return after the broker came up")
	}
}
