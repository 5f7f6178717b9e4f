package domainkit_test

import (
	"errors"
	"testing"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// tally is the smallest aggregate: it adds its events, and refuses negatives.
type tally struct {
	sum int
	domainkit.Versioned[int]
}

func (t *tally) when(e int) error {
	if e < 0 {
		return errors.New("negative")
	}
	t.sum += e
	return nil
}

func (t *tally) Apply(e int) error { return t.Applied(t.when, e) }

func TestReplayCountsStoredEventsAndRecordKeepsNewOnes(t *testing.T) {
	got, err := domainkit.Replay(&tally{}, []int{2, 3})
	if err != nil || got.sum != 5 || got.Version() != 2 || len(got.Uncommitted()) != 0 {
		t.Fatalf("replayed %+v, %v; want sum 5 at version 2, nothing uncommitted", got, err)
	}
	got.Record(got.when, 4)
	if got.sum != 9 || got.Version() != 2 || len(got.Uncommitted()) != 1 || got.Uncommitted()[0] != 4 {
		t.Fatalf("after recording 4: %+v", got)
	}
	if bad, err := domainkit.Replay(&tally{}, []int{1, -1, 2}); err == nil || bad != nil {
		t.Fatalf("a history that does not apply replayed to %+v, %v", bad, err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("recording an event that does not apply did not panic")
		}
	}()
	got.Record(got.when, -1)
}
