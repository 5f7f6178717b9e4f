package servicetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// Load is what a closed-loop load phase measured.
type Load struct {
	Rate      float64         // calls per second
	Latencies []time.Duration // every call's, sorted
}

// Percentile is the latency at p (0.5, 0.99) in milliseconds.
func (l Load) Percentile(p float64) float64 {
	if len(l.Latencies) == 0 {
		return 0
	}
	return float64(l.Latencies[int(p*float64(len(l.Latencies)-1))]) / float64(time.Millisecond)
}

// ClosedLoop calls op from workers goroutines, each calling again as soon as
// its last call returned, for d; a failing call fails the benchmark.
func ClosedLoop(b testing.TB, workers int, d time.Duration, op func(ctx context.Context, worker int) error) Load {
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
	slices.Sort(all)
	return Load{Rate: float64(len(all)) / time.Since(start).Seconds(), Latencies: all}
}

// Versus measures op against baseline at the same concurrency, in
// alternating phases of d (two of each, after a short warm-up of both), so
// that a machine busy with something else slows both alike. It reports op's
// rate, p50 and p99 under unit (e.g. "visits/s"), the baseline's rate under
// baselineUnit, and their ratio.
func Versus(b *testing.B, workers int, d time.Duration, op, baseline func(context.Context, int) error, unit, baselineUnit string) {
	ClosedLoop(b, workers, 300*time.Millisecond, op)
	ClosedLoop(b, workers, 300*time.Millisecond, baseline)
	b.ResetTimer()
	var rate, baseRate float64
	var ops Load
	for round := 0; round < 2; round++ {
		r := ClosedLoop(b, workers, d, op)
		rate += r.Rate / 2
		ops.Latencies = append(ops.Latencies, r.Latencies...)
		baseRate += ClosedLoop(b, workers, d, baseline).Rate / 2
	}
	b.StopTimer()
	slices.Sort(ops.Latencies)
	b.ReportMetric(rate, unit)
	b.ReportMetric(ops.Percentile(0.50), "p50_ms")
	b.ReportMetric(ops.Percentile(0.99), "p99_ms")
	b.ReportMetric(baseRate, baselineUnit)
	b.ReportMetric(rate/baseRate, "ratio")
	b.ReportMetric(0, "ns/op")
}
