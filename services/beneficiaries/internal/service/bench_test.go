package service_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// BenchmarkRegisterPerson measures person registrations over gRPC at 16
// concurrent clients (rate, p50 and p99 latency) against the platform's bare
// one-event append at 16 writers on the same database, in alternating
// phases of the same run. Target: registrations ≥ 50% of the bare append
// rate. Run with -benchtime=1x; each phase runs for a fixed time.
func BenchmarkRegisterPerson(b *testing.B) {
	e := start(b)
	ctx := context.Background()
	const clients = 16
	const phase = 2 * time.Second
	households := make([]string, 32)
	for h := range households {
		households[h] = e.createHousehold(ctx, h).GetName()
	}
	var next atomic.Int64
	register := func(ctx context.Context, w int) error {
		i := int(next.Add(1))
		_, err := e.client.CreatePerson(staff(ctx), personRequest(i, households[i%len(households)]))
		return err
	}
	data := []byte(`{"person_id":"00000000-0000-0000-0000-000000000000","health_notes":"v1:AAAA"}`)
	bare := func(ctx context.Context, w int) error {
		id, _ := uuid.NewV7()
		_, err := e.svc.Host.Store.Append(ctx, eventstore.StreamID("bench-"+id.String()), eventstore.NoStream,
			eventstore.Envelope{Type: person.TypeHealthNotesChanged, Data: data, Metadata: eventstore.Metadata{Tenant: tenant}})
		return err
	}
	// Warm both paths (connections, plans, JIT of the gRPC stack).
	run(b, clients, 300*time.Millisecond, register)
	run(b, clients, 300*time.Millisecond, bare)
	b.ResetTimer()
	var regRate, bareRate float64
	var latencies []time.Duration
	for round := 0; round < 2; round++ {
		r, l := run(b, clients, phase, register)
		regRate += r / 2
		latencies = append(latencies, l...)
		r, _ = run(b, clients, phase, bare)
		bareRate += r / 2
	}
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(regRate, "persons/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(bareRate, "bare_appends/s")
	b.ReportMetric(regRate/bareRate, "ratio")
	b.ReportMetric(0, "ns/op")
}

// run calls op from workers goroutines for d and returns calls per second
// and each call's latency.
func run(b *testing.B, workers int, d time.Duration, op func(ctx context.Context, worker int) error) (float64, []time.Duration) {
	ctx := context.Background()
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := op(ctx, w); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return float64(len(all)) / time.Since(start).Seconds(), all
}
