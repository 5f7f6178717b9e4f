package projection_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// BenchmarkProjectionReplay measures a runner replaying a stream from the
// start into a one-row-per-aggregate upsert projection (a rebuild's work):
// with a per-event Apply (one round trip per event), and with ApplyBatch (one
// pgx.Batch per fetched batch). "baseline" runs the same upserts straight
// from Go in transactions of 500, without NATS or the runner, for a ratio on
// the same machine.
func BenchmarkProjectionReplay(b *testing.B) {
	const events, aggregates = 100_000, 1_000
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	srv := natstest.Start(b)
	js, err := jetstream.New(natstest.Connect(b, srv.URL()), jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := wire.EnsureStream(ctx, js, service, 1, 0); err != nil {
		b.Fatal(err)
	}
	// Published directly (as the relay would) so that the setup is quick.
	now := time.Now()
	for i := range events {
		rec := eventstore.Recorded{
			ID: uuid.New(), StreamID: eventstore.StreamID(fmt.Sprintf("person-%04d", i%aggregates)),
			Version: eventstore.Version(i/aggregates + 1), Position: eventstore.Position(i + 1),
			Type: credited, SchemaVersion: 1, Data: []byte(`{"amount":1}`),
			Metadata: eventstore.Metadata{Tenant: "shitan"}, OccurredAt: now, RecordedAt: now,
		}
		if _, err := js.PublishMsgAsync(wire.Encode(service, rec)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("publishing timed out")
	}

	const upsert = `INSERT INTO people AS p (person, events, last_version) VALUES ($1, 1, $2)
		ON CONFLICT (person) DO UPDATE SET events = p.events + 1, last_version = excluded.last_version`
	p := func(name string, batched bool) projection.Projection {
		pr := projection.Projection{
			Name:    name,
			Sources: []projection.Source{{Service: service}},
			Setup: func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `CREATE TABLE people (person text PRIMARY KEY, events bigint NOT NULL, last_version bigint NOT NULL)`)
				return err
			},
			Apply: func(ctx context.Context, tx pgx.Tx, ev wire.Event) error {
				_, err := tx.Exec(ctx, upsert, string(ev.StreamID), int64(ev.StreamVersion))
				return err
			},
		}
		if batched {
			pr.ApplyBatch = func(ctx context.Context, tx pgx.Tx, evs []wire.Event) error {
				batch := &pgx.Batch{}
				for _, ev := range evs {
					batch.Queue(upsert, string(ev.StreamID), int64(ev.StreamVersion))
				}
				return tx.SendBatch(ctx, batch).Close()
			}
		}
		return pr
	}
	b.Run("apply", func(b *testing.B) {
		replay(b, pool, js, func(i int) projection.Projection { return p(fmt.Sprintf("apply%d", i), false) })
	})
	b.Run("apply_batch", func(b *testing.B) {
		replay(b, pool, js, func(i int) projection.Projection { return p(fmt.Sprintf("batch%d", i), true) })
	})
	b.Run("baseline", func(b *testing.B) {
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			table := pgx.Identifier{fmt.Sprintf("baseline%d", i)}.Sanitize()
			if _, err := pool.Exec(ctx, `CREATE TABLE `+table+` (person text PRIMARY KEY, events bigint NOT NULL, last_version bigint NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			stmt := strings.Replace(upsert, "people", table, 1)
			start := time.Now()
			for n := 0; n < events; n += 500 {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					for j := n; j < n+500; j++ {
						if _, err := tx.Exec(ctx, stmt, fmt.Sprintf("person-%04d", j%aggregates), int64(j/aggregates+1)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(events*b.N)/elapsed.Seconds(), "events/s")
	})
}

func replay(b *testing.B, pool *pgxpool.Pool, js jetstream.JetStream, p func(i int) projection.Projection) {
	const events, aggregates = 100_000, 1_000
	ctx := context.Background()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		r, err := projection.NewRunner(pool, js, p(i), projection.Options{})
		if err != nil {
			b.Fatal(err)
		}
		last := projection.Token{Service: service, Stream: fmt.Sprintf("person-%04d", aggregates-1), Version: events / aggregates}
		start := time.Now()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = r.Run(rctx) }()
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
		err = r.WaitFor(wctx, last)
		wcancel()
		elapsed += time.Since(start)
		cancel()
		<-done
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events*b.N)/elapsed.Seconds(), "events/s")
}
