package eventstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// runFor runs op from writers goroutines for d and returns operations per second.
func runFor(b *testing.B, writers int, d time.Duration, op func(ctx context.Context, writer, i int) error) float64 {
	ctx := context.Background()
	var done atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				if err := op(ctx, w, i); err != nil {
					b.Error(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}

// BenchmarkAppendVsBareInsert measures one-event appends against a bare
// single-row INSERT … COMMIT loop on the same database with the same number
// of writers, alternating phases so that both see the same machine. Target:
// append ≥ 70% of the bare rate. Run with -benchtime=1x; each sub-benchmark
// runs its phases for a fixed time.
func BenchmarkAppendVsBareInsert(b *testing.B) {
	for _, tc := range []struct {
		writers   int
		requestID bool
	}{{1, false}, {16, false}, {1, true}, {16, true}} {
		writers := tc.writers
		b.Run(fmt.Sprintf("writers=%d/request_id=%t", writers, tc.requestID), func(b *testing.B) {
			store, pool := openStore(b)
			ctx := context.Background()
			if _, err := pool.Exec(ctx, `CREATE TABLE bare (id bigserial PRIMARY KEY, stream_id text NOT NULL, data jsonb NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			bare := func(ctx context.Context, w, i int) error {
				_, err := pool.Exec(ctx, `INSERT INTO bare (stream_id, data) VALUES ($1, $2)`,
					fmt.Sprintf("person-%d", w), `{"text":"visited"}`)
				return err
			}
			// Each append gets a request id never used before: a repeated one
			// would measure replays, not appends.
			var seq atomic.Int64
			appendOne := func(ctx context.Context, w, i int) error {
				md := eventstore.Metadata{}
				if tc.requestID {
					md.RequestID = fmt.Sprintf("r-%d", seq.Add(1))
				}
				_, err := store.Append(ctx, eventstore.StreamID(fmt.Sprintf("person-%d-%d", w, i/50)), eventstore.Any,
					note("visited", md))
				return err
			}
			warm(b, pool, writers, bare, appendOne)
			var bareRate, appendRate float64
			const phase = 2 * time.Second
			for round := 0; round < 2; round++ {
				bareRate += runFor(b, writers, phase, bare)
				appendRate += runFor(b, writers, phase, appendOne)
			}
			b.ReportMetric(bareRate/2, "bare_inserts/s")
			b.ReportMetric(appendRate/2, "appends/s")
			b.ReportMetric(appendRate/bareRate, "ratio")
		})
	}
}

func warm(b *testing.B, pool *pgxpool.Pool, writers int, ops ...func(context.Context, int, int) error) {
	for _, op := range ops {
		runFor(b, writers, 200*time.Millisecond, op)
	}
}
