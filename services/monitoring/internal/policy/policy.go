// Package policy is the tier policy of follow-up (分层分类跟进): how often a
// person at each tier must be contacted. "Due" and "overdue" are computed
// from it when a view is read, never stored, so that a policy change or the
// passing of a day can never leave stale flags behind.
package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Tiers is the number of follow-up tiers: 1 (highest risk) to 4.
const Tiers = 4

// DefaultContactIntervals is DOMAIN.md's default: tier 1 weekly, tier 2
// every two weeks, tier 3 monthly, tier 4 quarterly.
var DefaultContactIntervals = []string{"1w", "2w", "1m", "3m"}

// Interval is a contact interval in calendar months and days; months are
// calendar months ("monthly" means the same day next month), not 30 days.
type Interval struct {
	Months int
	Days   int
}

// ParseInterval reads "<n>d" (days), "<n>w" (weeks) or "<n>m" (months),
// with n from 1 to 366.
func ParseInterval(s string) (Interval, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return Interval{}, fmt.Errorf("interval %q: want <n>d, <n>w or <n>m", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 || n > 366 {
		return Interval{}, fmt.Errorf("interval %q: want a count from 1 to 366 followed by d, w or m", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return Interval{Days: n}, nil
	case 'w':
		return Interval{Days: 7 * n}, nil
	case 'm':
		return Interval{Months: n}, nil
	}
	return Interval{}, fmt.Errorf("interval %q: unit must be d, w or m", s)
}

// SQL renders the interval as a PostgreSQL interval literal, e.g. "7 days".
func (i Interval) SQL() string {
	return fmt.Sprintf("%d mons %d days", i.Months, i.Days)
}

func (i Interval) String() string {
	switch {
	case i.Months == 0:
		return fmt.Sprintf("%dd", i.Days)
	case i.Days == 0:
		return fmt.Sprintf("%dm", i.Months)
	}
	return fmt.Sprintf("%dm%dd", i.Months, i.Days)
}

// TierPolicy maps tier 1..4 to its contact interval.
type TierPolicy struct {
	intervals [Tiers]Interval
}

// Parse reads one interval per tier, tier 1 first.
func Parse(spec []string) (TierPolicy, error) {
	var p TierPolicy
	if len(spec) != Tiers {
		return p, fmt.Errorf("tier policy: want %d intervals (tier 1 to 4), got %d", Tiers, len(spec))
	}
	for i, s := range spec {
		iv, err := ParseInterval(s)
		if err != nil {
			return p, fmt.Errorf("tier policy: tier %d: %w", i+1, err)
		}
		p.intervals[i] = iv
	}
	return p, nil
}

// Default is the policy of DefaultContactIntervals.
func Default() TierPolicy {
	p, err := Parse(DefaultContactIntervals)
	if err != nil {
		panic(err)
	}
	return p
}

// Interval is the contact interval of tier (1..4); ok is false for another tier.
func (p TierPolicy) Interval(tier int) (Interval, bool) {
	if tier < 1 || tier > Tiers {
		return Interval{}, false
	}
	return p.intervals[tier-1], true
}

// SQL is the intervals as PostgreSQL literals indexed like a PostgreSQL
// array (element 1 is tier 1), so that a query computes the due date as
// (baseline + (($n::text[])[tier])::interval)::date, in one place.
func (p TierPolicy) SQL() []string {
	out := make([]string, Tiers)
	for i, iv := range p.intervals {
		out[i] = iv.SQL()
	}
	return out
}

// China is the station's time zone (UTC+8, no daylight saving): a contact's
// date and "today" are dates there.
var China = time.FixedZone("UTC+8", 8*60*60)

// DateOf is t's calendar date in China, as midnight UTC of that date.
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
