package relay

import (
	"testing"
	"time"
)

// After a local append finds nothing to read, the relay re-reads quickly and
// backs off, then falls back to the poll interval after about a second.
func TestWakeBacksOffToPoll(t *testing.T) {
	var w wake
	if d := w.delay(time.Hour); d != time.Hour {
		t.Fatalf("idle delay %s, want the poll interval", d)
	}
	w.set()
	var total time.Duration
	var steps []time.Duration
	for d := w.delay(time.Hour); d != time.Hour; d = w.delay(time.Hour) {
		steps = append(steps, d)
		total += d
		if len(steps) > 100 {
			t.Fatal("never falls back to the poll interval")
		}
	}
	if steps[0] != time.Millisecond || steps[1] != 2*time.Millisecond || total < time.Second || total > 1200*time.Millisecond {
		t.Errorf("steps %v (total %s)", steps, total)
	}
	w.set()
	if d := w.delay(10 * time.Millisecond); d != time.Millisecond {
		t.Errorf("first eager delay %s", d)
	}
	w.clear()
	if d := w.delay(10 * time.Millisecond); d != 10*time.Millisecond {
		t.Errorf("cleared delay %s", d)
	}
}
