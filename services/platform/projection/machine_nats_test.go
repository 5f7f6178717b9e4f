package projection_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// The runner's consumers work on the NATS server the machine runs (2.9 in
// the reference environment), not only on the current embedded one.
func TestRunnerOnMachineNATS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	svc := fmt.Sprintf("ptest%08x", rand.Uint32())
	js, err := jetstream.New(natstest.Connect(t, natstest.MachineURL(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.EnsureStream(ctx, js, svc, 1, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { js.DeleteStream(context.Background(), wire.StreamName(svc)) })
	pool := pgtest.NewPool(t)
	store, err := eventstore.Open(ctx, pool, eventstore.Options{Registry: eventstore.NewRegistry().Register(credited, 1)})
	if err != nil {
		t.Fatal(err)
	}
	rl, err := relay.New(store, js, relay.Options{Service: svc, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	background(t, rl.Run)
	e := &env{pool: pool, store: store, js: js}

	c := &counters{}
	p := c.projection("machine")
	p.Sources = []projection.Source{{Service: svc}}
	r := newRunner(t, e, p, projection.Options{})
	background(t, r.Run)

	var last projection.Token
	for i := 1; i <= 5; i++ {
		tok, err := e.tryCredit(ctx, "person-m", i)
		if err != nil {
			t.Fatal(err)
		}
		last = projection.Token{Service: svc, Stream: tok.Stream, Version: tok.Version}
	}
	if err := r.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	if got, events := total(t, ctx, r, pool, "person-m"); got != 15 || events != 5 {
		t.Fatalf("total %d over %d events, want 15 over 5", got, events)
	}
}
