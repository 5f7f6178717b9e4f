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
