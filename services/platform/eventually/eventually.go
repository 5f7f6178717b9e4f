// Package eventually waits in tests for a condition that other processes or
// goroutines make true — a projection catching up, a relay publishing — by
// checking it on a short tick until a deadline. The deadline, not a guessed
// sleep, bounds the wait; the failure says what was last seen.
package eventually

import (
	"testing"
	"time"
)

// Tick is how often a condition is checked.
const Tick = 20 * time.Millisecond

// Wait returns nil as soon as check does, or check's last error once within
// has passed.
func Wait(within time.Duration, check func() error) error {
	deadline := time.After(within)
	tick := time.NewTicker(Tick)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-deadline:
			return err
		case <-tick.C:
		}
	}
}

// Require fails the test when check does not succeed within the deadline.
func Require(t testing.TB, within time.Duration, check func() error) {
	t.Helper()
	if err := Wait(within, check); err != nil {
		t.Fatalf("not within %s: %v", within, err)
	}
}
