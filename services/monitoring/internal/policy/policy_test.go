package policy_test

import (
	"slices"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/monitoring/internal/policy"
)

func TestDefaultPolicyIsDomainDefaults(t *testing.T) {
	t.Parallel()
	p := policy.Default()
	want := []string{"0 mons 7 days", "0 mons 14 days", "1 mons 0 days", "3 mons 0 days"}
	if got := p.SQL(); !slices.Equal(got, want) {
		t.Fatalf("default intervals %v, want %v (weekly, fortnightly, monthly, quarterly)", got, want)
	}
	if _, ok := p.Interval(0); ok {
		t.Fatal("tier 0 (not assessed) has no contact interval")
	}
}

func TestParseRejectsBadIntervals(t *testing.T) {
	t.Parallel()
	for _, spec := range [][]string{
		{"1w", "2w", "1m"},
		{"1w", "2w", "1m", "3y"},
		{"0d", "2w", "1m", "3m"},
		{"w", "2w", "1m", "3m"},
		{"-1d", "2w", "1m", "3m"},
	} {
		if _, err := policy.Parse(spec); err == nil {
			t.Errorf("Parse(%v) accepted", spec)
		}
	}
	p, err := policy.Parse([]string{"3d", "10d", "6w", "2m"})
	if err != nil {
		t.Fatal(err)
	}
	if iv, _ := p.Interval(3); iv != (policy.Interval{Days: 42}) {
		t.Fatalf("tier 3: %v", iv)
	}
}

func TestDateOfIsTheDateInChina(t *testing.T) {
	t.Parallel()
	// 17:30 UTC is already the next day in China (UTC+8).
	got := policy.DateOf(time.Date(2025, 6, 19, 17, 30, 0, 0, time.UTC))
	if want := time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("DateOf = %s, want %s", got, want)
	}
}
