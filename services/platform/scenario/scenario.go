// Package scenario runs given/when/then tests against any event-sourced
// aggregate, after go-eventually: given these past events, when this command
// runs, then it records exactly these events (or fails with this error and
// records nothing).
//
// One helper serves every aggregate. An aggregate needs only a replay
// function (history → state) and an Uncommitted method (the events its
// behaviour methods recorded):
//
//	type personCase = scenario.Case[*person.Person, person.Event]
//
//	func TestAssessTier(t *testing.T) {
//		t.Parallel()
//		scenario.Run(t, person.Replay, personCase{
//			Given: []person.Event{registered},
//			When:  func(p *person.Person) error { return p.AssessTier(cmd, now) },
//			Then:  []person.Event{person.TierAssessed{...}},
//		})
//	}
//
// Events are compared with reflect.DeepEqual, in order; a mismatch prints
// both lists side by side, marking the events that differ. An expected error
// is matched with errors.Is, so sentinels, wrapped sentinels and errors with
// an Is method all work.
package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Aggregate is what a scenario needs from an aggregate: the events its
// behaviour methods recorded and not yet committed, in order.
type Aggregate[E any] interface {
	Uncommitted() []E
}

// Case is one scenario. When ThenErr is set the command must fail with an
// error matching it (errors.Is) and record nothing; Then is then ignored
// unless non-empty, which is a mistake reported as such.
type Case[A Aggregate[E], E any] struct {
	Given   []E
	When    func(A) error
	Then    []E
	ThenErr error
}

// Run replays c.Given with replay, runs c.When on the result and checks the
// outcome. It reports failures with t.Errorf and never stops the test early,
// so several failures of one case are all shown.
func Run[A Aggregate[E], E any](t testing.TB, replay func(history []E) (A, error), c Case[A, E]) {
	t.Helper()
	if c.When == nil {
		t.Errorf("scenario: When is nil")
		return
	}
	if c.ThenErr != nil && len(c.Then) > 0 {
		t.Errorf("scenario: a case expects either events (Then) or an error (ThenErr), not both")
		return
	}
	agg, err := replay(c.Given)
	if err != nil {
		t.Errorf("scenario: replaying Given: %v", err)
		return
	}
	err = c.When(agg)
	got := agg.Uncommitted()

	switch {
	case c.ThenErr == nil && err != nil:
		t.Errorf("scenario: When failed: %v\n  want events:\n%s", err, list(c.Then))
		return
	case c.ThenErr != nil && err == nil:
		t.Errorf("scenario: When succeeded, want error %v\n  got events:\n%s", c.ThenErr, list(got))
		return
	case c.ThenErr != nil && !errors.Is(err, c.ThenErr):
		t.Errorf("scenario: When failed with\n    %v (%T)\n  want an error matching\n    %v (%T)", err, err, c.ThenErr, c.ThenErr)
	}
	if !equal(got, c.Then) {
		if c.ThenErr != nil {
			t.Errorf("scenario: When failed as expected but recorded events:\n%s", list(got))
			return
		}
		t.Errorf("scenario: recorded events differ (- want, + got):\n%s", Diff(c.Then, got))
	}
}

// equal treats nil and empty lists alike: "no events" either way.
func equal[E any](a, b []E) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// Diff shows two event lists position by position: "  " for an event that
// is in both, "- " for one only wanted, "+ " for one only got.
func Diff[E any](want, got []E) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i < len(want) && i < len(got) && reflect.DeepEqual(want[i], got[i]):
			fmt.Fprintf(&b, "    [%d] %s\n", i, show(want[i]))
		default:
			if i < len(want) {
				fmt.Fprintf(&b, "  - [%d] %s\n", i, show(want[i]))
			}
			if i < len(got) {
				fmt.Fprintf(&b, "  + [%d] %s\n", i, show(got[i]))
			}
		}
	}
	return b.String()
}

func list[E any](events []E) string {
	if len(events) == 0 {
		return "    (none)\n"
	}
	var b strings.Builder
	for i, e := range events {
		fmt.Fprintf(&b, "    [%d] %s\n", i, show(e))
	}
	return b.String()
}

// show prints an event with its type and field names: person.TierAssessed{Tier:2 …}.
func show(e any) string {
	if e == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T%+v", e, e)
}

// RunAll runs every named case as a parallel subtest.
func RunAll[A Aggregate[E], E any](t *testing.T, replay func(history []E) (A, error), cases map[string]Case[A, E]) {
	t.Helper()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			Run(t, replay, c)
		})
	}
}
