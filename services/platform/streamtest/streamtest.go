// Package streamtest stands in for another service in a component test: an
// event store of that service's event types on a fresh schema, whose relay
// publishes into the service's JetStream stream, so that events reach the
// service under test the way they do in production.
package streamtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// Source provisions service's stream on js and returns an event store of
// types (all at schema version 1) whose relay runs until the test ends.
func Source(t testing.TB, js jetstream.JetStream, service string, types []string) *eventstore.Store {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := wire.EnsureStream(ctx, js, service, 1, 0); err != nil {
		cancel()
		t.Fatal(err)
	}
	reg := eventstore.NewRegistry()
	for _, typ := range types {
		reg.Register(typ, 1)
	}
	store, err := eventstore.Open(ctx, pgtest.NewPool(t), eventstore.Options{Registry: reg})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	rl, err := relay.New(store, js, relay.Options{Service: service, PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return store
}
