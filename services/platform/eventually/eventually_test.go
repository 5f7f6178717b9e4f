package eventually_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/eventually"
)

func TestWaitReturnsOnceTheConditionHolds(t *testing.T) {
	var calls atomic.Int32
	err := eventually.Wait(5*time.Second, func() error {
		if calls.Add(1) < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls.Load() != 3 {
		t.Fatalf("Wait = %v after %d checks, want nil after 3", err, calls.Load())
	}
}

func TestWaitReportsTheLastErrorAtTheDeadline(t *testing.T) {
	err := eventually.Wait(50*time.Millisecond, func() error { return errors.New("still 3 of 5") })
	if err == nil || err.Error() != "still 3 of 5" {
		t.Fatalf("Wait = %v, want the last error", err)
	}
}
