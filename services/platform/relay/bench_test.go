package relay_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// BenchmarkRelayDrain measures draining a 100,000-event backlog into
// embedded JetStream. Each iteration starts from a fresh stream (so that
// nothing is a duplicate) and a reset cursor.
func BenchmarkRelayDrain(b *testing.B) {
	const appends, perAppend = 1000, 100
	const total = appends * perAppend
	e := newEnv(b)
	buildBacklog(b, e.store, appends, perAppend)
	ctx := context.Background()

	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		if err := e.js.DeleteStream(ctx, wire.StreamName(service)); err != nil {
			b.Fatal(err)
		}
		if _, err := wire.EnsureStream(ctx, e.js, service, 1, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, `DELETE FROM relay_cursor`); err != nil {
			b.Fatal(err)
		}
		var published atomic.Int64
		drained := make(chan struct{})
		opts := relay.Options{}
		relay.SetAfterPublish(&opts, func(n int) error {
			if published.Add(int64(n)) == total {
				close(drained)
			}
			return nil
		})
		r, err := relay.New(e.store, e.js, withDefaults(opts))
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- r.Run(runCtx) }()
		select {
		case <-drained:
		case <-time.After(5 * time.Minute):
			b.Fatal("backlog not drained within 5 minutes")
		}
		elapsed += time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if n := streamMsgs(b, e.js, service); n != total {
			b.Fatalf("%d messages in the stream, want %d", n, total)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

func withDefaults(o relay.Options) relay.Options {
	o.Service = service
	return o
}

// buildBacklog appends appends×perAppend events, perAppend per call, from a
// few writers at once.
func buildBacklog(b *testing.B, store *eventstore.Store, appends, perAppend int) {
	b.Helper()
	envs := make([]eventstore.Envelope, perAppend)
	for i := range envs {
		envs[i] = eventstore.Envelope{Type: assessed, Data: []byte(`{"tier":"A","reason":"lives alone, no income"}`),
			Metadata: eventstore.Metadata{Tenant: "shitan", Actor: "worker-7", CorrelationID: "bench"}}
	}
	var wg sync.WaitGroup
	var failed atomic.Value
	const writers = 8
	for w := range writers {
		wg.Go(func() {
			batch := slices.Clone(envs)
			for i := w; i < appends; i += writers {
				for j := range batch {
					batch[j].ID = [16]byte{} // fresh ids per append
				}
				if _, err := store.Append(context.Background(), eventstore.StreamID(fmt.Sprint("person-", i)), eventstore.NoStream, batch...); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
}

// BenchmarkRelayIdleLag measures, with the relay idle, the time from an
// append's commit (Append returned) to a JetStream subscriber in the same
// process receiving the event.
func BenchmarkRelayIdleLag(b *testing.B) {
	const samples = 500
	e := newEnv(b)
	r := startRelay(b, e.store, e.js, relay.Options{PollInterval: relay.DefaultPollInterval})
	waitFor(b, 5*time.Second, "the relay to lead", func() bool {
		s, err := r.Status(context.Background())
		return err == nil && s.Leader
	})
	cons, err := e.js.OrderedConsumer(context.Background(), wire.StreamName(service), jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverNewPolicy,
	})
	if err != nil {
		b.Fatal(err)
	}
	received := make(chan time.Time, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) { received <- time.Now() })
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Stop()

	var lags []time.Duration
	stream := 0
	for b.Loop() {
		for range samples {
			stream++
			_, err := e.store.Append(context.Background(), eventstore.StreamID(fmt.Sprint("person-", stream)), eventstore.NoStream, envelope(b, registered))
			if err != nil {
				b.Fatal(err)
			}
			committed := time.Now()
			select {
			case at := <-received:
				lags = append(lags, at.Sub(committed))
			case <-time.After(5 * time.Second):
				b.Fatal("event not received within 5s")
			}
		}
	}
	slices.Sort(lags)
	q := func(p float64) float64 {
		return float64(lags[int(p*float64(len(lags)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(q(1), "max_ms")
	b.ReportMetric(0, "ns/op")
}
