package scenario_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/doudi-platform/doudi/services/platform/scenario"
)

// A counter is the smallest aggregate: it can be incremented up to a limit.
type counterEvent interface{ isCounterEvent() }

type incremented struct{ By int }

func (incremented) isCounterEvent() {}

var errLimit = errors.New("limit reached")

type counter struct {
	n           int
	uncommitted []counterEvent
}

func replay(history []counterEvent) (*counter, error) {
	c := &counter{}
	for _, e := range history {
		switch e := e.(type) {
		case incremented:
			c.n += e.By
		default:
			return nil, fmt.Errorf("unknown event %T", e)
		}
	}
	return c, nil
}

func (c *counter) Uncommitted() []counterEvent { return c.uncommitted }

func (c *counter) Increment(by int) error {
	if c.n+by > 3 {
		return fmt.Errorf("increment by %d: %w", by, errLimit)
	}
	c.n += by
	c.uncommitted = append(c.uncommitted, incremented{By: by})
	return nil
}

// buggy records an event and then fails: the helper must catch that.
func (c *counter) buggy() error {
	c.uncommitted = append(c.uncommitted, incremented{By: 1})
	return errLimit
}

type counterCase = scenario.Case[*counter, counterEvent]

// recorder captures failures instead of failing the real test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestPassingScenarios(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]counterCase{
		"events": {
			Given: []counterEvent{incremented{By: 1}},
			When:  func(c *counter) error { return c.Increment(2) },
			Then:  []counterEvent{incremented{By: 2}},
		},
		"wrapped sentinel error": {
			Given:   []counterEvent{incremented{By: 3}},
			When:    func(c *counter) error { return c.Increment(1) },
			ThenErr: errLimit,
		},
		"no events, no error": {
			When: func(c *counter) error { return nil },
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scenario.Run(t, replay, c)
		})
	}
}

func TestFailingScenariosAreReported(t *testing.T) {
	t.Parallel()
	otherErr := errors.New("other")
	for name, tc := range map[string]struct {
		c    counterCase
		want []string // substrings of the one reported failure
	}{
		"different events": {
			c: counterCase{
				When: func(c *counter) error { return c.Increment(1) },
				Then: []counterEvent{incremented{By: 2}},
			},
			want: []string{"(- want, + got)", "- [0] scenario_test.incremented{By:2}", "+ [0] scenario_test.incremented{By:1}"},
		},
		"missing event": {
			c: counterCase{
				When: func(c *counter) error { return c.Increment(1) },
				Then: []counterEvent{incremented{By: 1}, incremented{By: 1}},
			},
			want: []string{"    [0] scenario_test.incremented{By:1}", "- [1] scenario_test.incremented{By:1}"},
		},
		"unexpected error": {
			c: counterCase{
				Given: []counterEvent{incremented{By: 3}},
				When:  func(c *counter) error { return c.Increment(1) },
				Then:  []counterEvent{incremented{By: 1}},
			},
			want: []string{"When failed: increment by 1: limit reached", "want events:"},
		},
		"missing error": {
			c: counterCase{
				When:    func(c *counter) error { return c.Increment(1) },
				ThenErr: errLimit,
			},
			want: []string{"When succeeded, want error limit reached", "incremented{By:1}"},
		},
		"wrong error": {
			c: counterCase{
				Given:   []counterEvent{incremented{By: 3}},
				When:    func(c *counter) error { return c.Increment(1) },
				ThenErr: otherErr,
			},
			want: []string{"want an error matching", "other"},
		},
		"error and events": {
			c: counterCase{
				When:    func(c *counter) error { return c.buggy() },
				ThenErr: errLimit,
			},
			want: []string{"failed as expected but recorded events"},
		},
		"bad history": {
			c: counterCase{
				Given: []counterEvent{nil},
				When:  func(c *counter) error { return nil },
			},
			want: []string{"replaying Given: unknown event <nil>"},
		},
		"both Then and ThenErr": {
			c: counterCase{
				When:    func(c *counter) error { return nil },
				Then:    []counterEvent{incremented{By: 1}},
				ThenErr: errLimit,
			},
			want: []string{"not both"},
		},
		"no When": {
			c:    counterCase{},
			want: []string{"When is nil"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			scenario.Run(r, replay, tc.c)
			if len(r.errors) != 1 {
				t.Fatalf("got %d failures, want 1: %q", len(r.errors), r.errors)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errors[0], w) {
					t.Errorf("failure does not mention %q:\n%s", w, r.errors[0])
				}
			}
		})
	}
}
