package domainkit

import (
	"errors"
	"fmt"
	"time"
)

// China keeps one time zone, UTC+8, without daylight saving; business dates
// ("today", "this month") are dates there, whatever the server's zone.
var China = time.FixedZone("CST", 8*60*60)

// Date is a calendar date without a time of day. The zero Date means "not
// given".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Today is the date in China at the instant now.
func Today(now time.Time) Date { return DateOf(now.In(China)) }

// DateOf is t's date in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// MonthOf is the month in China at the instant t: the month an event that
// happened at t counts for, whenever it is recorded.
func MonthOf(t time.Time) Month { return Today(t).YearMonth() }

// Validation reasons for dates, months and instants.
var (
	ErrDateFormat  = errors.New("must be a date YYYY-MM-DD")
	ErrNotADate    = errors.New("is not a real date")
	ErrFuture      = errors.New("is in the future")
	ErrPast        = errors.New("is in the past")
	ErrMonthFormat = errors.New("must be a month YYYY-MM")
	ErrTooEarly    = errors.New("is before 1900")
)

// ParseDate parses "YYYY-MM-DD" strictly: a real date from 1900 on.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:]) {
		return Date{}, ErrDateFormat
	}
	y, m, d := atoi(s[:4]), atoi(s[5:7]), atoi(s[8:])
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return Date{}, ErrNotADate
	}
	date := Date{y, time.Month(m), d}
	if DateOf(date.time()) != date { // 1999-02-30 normalises to 1999-03-02
		return Date{}, ErrNotADate
	}
	if y < 1900 {
		return Date{}, ErrTooEarly
	}
	return date, nil
}

// ParsePastDate parses a date that must not be after today.
func ParsePastDate(s string, today Date) (Date, error) {
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, err
	}
	if d.After(today) {
		return Date{}, ErrFuture
	}
	return d, nil
}

// ParseFutureDate parses a date that must not be before today: a plan.
func ParseFutureDate(s string, today Date) (Date, error) {
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, err
	}
	if d.Before(today) {
		return Date{}, ErrPast
	}
	return d, nil
}

// EffectiveDate parses the date a recorded change takes effect: empty means
// today, a later date is refused (a register records what is, not what is
// planned).
func EffectiveDate(s string, today Date) (Date, error) {
	if s == "" {
		return today, nil
	}
	return ParsePastDate(s, today)
}

// PlannedDate parses the date a change takes effect where changes may be
// planned ahead (a roster, a new edition): empty means today, any real date
// is accepted.
func PlannedDate(s string, today Date) (Date, error) {
	if s == "" {
		return today, nil
	}
	return ParseDate(s)
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Start is the instant d begins in China.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, China) }

// AddDays is the date n days after d (before, for a negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int { return d.time().Compare(o.time()) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// YearMonth is the month d falls in.
func (d Date) YearMonth() Month { return Month{d.Year, d.Month} }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText writes "YYYY-MM-DD" ("" for the zero Date).
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what MarshalText writes.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return fmt.Errorf("date %q %w", b, err)
	}
	*d = v
	return nil
}

// Month is a calendar month: the unit of monthly files, themes and figures.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth parses "YYYY-MM" strictly: a month from 1900 on, past or future.
func ParseMonth(s string) (Month, error) {
	if len(s) != 7 || s[4] != '-' || !digits(s[:4]) || !digits(s[5:]) {
		return Month{}, ErrMonthFormat
	}
	y, m := atoi(s[:4]), atoi(s[5:])
	if m < 1 || m > 12 {
		return Month{}, ErrMonthFormat
	}
	if y < 1900 {
		return Month{}, ErrTooEarly
	}
	return Month{y, time.Month(m)}, nil
}

// ParsePastMonth parses a month that must not be after the month of today.
func ParsePastMonth(s string, today Date) (Month, error) {
	m, err := ParseMonth(s)
	if err != nil {
		return Month{}, err
	}
	if m.After(today.YearMonth()) {
		return Month{}, ErrFuture
	}
	return m, nil
}

// Compare returns -1, 0 or +1 as m is before, equal to or after o.
func (m Month) Compare(o Month) int {
	a, b := m.index(), o.index()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

// Before reports whether m is before o.
func (m Month) Before(o Month) bool { return m.Compare(o) < 0 }

// After reports whether m is after o.
func (m Month) After(o Month) bool { return m.Compare(o) > 0 }

// AddMonths is the month n months after m (before, for a negative n).
func (m Month) AddMonths(n int) Month {
	i := m.index() + n
	return Month{i / 12, time.Month(i%12 + 1)}
}

// IsZero reports whether m is the zero Month.
func (m Month) IsZero() bool { return m == Month{} }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// MarshalText writes "YYYY-MM".
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "YYYY-MM" without any check against today: stored
// events were valid when recorded.
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return fmt.Errorf("month %q %w", b, err)
	}
	*m = v
	return nil
}

// ErrTooOld is the reason for an instant further back than MaxAge allows.
type ErrTooOld struct{ MaxAge time.Duration }

func (e ErrTooOld) Error() string {
	return fmt.Sprintf("is more than %d days ago", int(e.MaxAge/(24*time.Hour)))
}

// ClockSkew is how far ahead of the server's clock a device's clock may be:
// an instant up to ClockSkew after now is not "in the future".
const ClockSkew = 5 * time.Minute

// PastInstant checks the business time of something that already happened
// (occurred_at): given, not after now (give or take ClockSkew) and not more
// than maxAge before now. It returns t in UTC, without a monotonic reading,
// so that events compare and serialise alike.
func PastInstant(t, now time.Time, maxAge time.Duration) (time.Time, error) {
	switch {
	case t.IsZero():
		return time.Time{}, ErrEmpty
	case t.After(now.Add(ClockSkew)):
		return time.Time{}, ErrFuture
	case t.Before(now.Add(-maxAge)):
		return time.Time{}, ErrTooOld{MaxAge: maxAge}
	}
	return t.UTC(), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// atoi converts a string of ASCII digits (checked by the caller).
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
