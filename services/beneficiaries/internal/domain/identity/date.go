// Package identity holds the beneficiaries domain's value types and their
// validation: calendar dates and months, resident ID numbers, mobile numbers,
// names and free text, genders, tiers, and the masks shown to callers who may
// not see sensitive values.
//
// Validators are pure functions. Each returns the normalised value or an
// error whose message is the reason, for the caller to attach to a field
// (domain.FieldErrors.Add). "Now" is always an argument.
package identity

import (
	"errors"
	"fmt"
	"time"
)

// China keeps one time zone, UTC+8, without daylight saving; business dates
// ("today", "this month") are dates there, whatever the server's zone.
var China = time.FixedZone("CST", 8*60*60)

// Date is a calendar date without a time of day: a birth date, the date a
// tier or category takes effect. The zero Date means "not given".
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

// Validation reasons for dates and months.
var (
	ErrDateFormat  = errors.New("must be a date YYYY-MM-DD")
	ErrNotADate    = errors.New("is not a real date")
	ErrFuture      = errors.New("is in the future")
	ErrMonthFormat = errors.New("must be a month YYYY-MM")
	ErrTooEarly    = errors.New("is before 1900")
)

// ParseDate parses "YYYY-MM-DD" strictly: a real date from 1900 on.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:]) {
		return Date{}, ErrDateFormat
	}
	return validDate(atoi(s[:4]), atoi(s[5:7]), atoi(s[8:]))
}

func validDate(y, m, d int) (Date, error) {
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

// EffectiveDate parses the date a change takes effect: empty means today, a
// later date is refused (the register records what is, not what is planned).
func EffectiveDate(s string, today Date) (Date, error) {
	if s == "" {
		return today, nil
	}
	return ParsePastDate(s, today)
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

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

// Month is a calendar month, the unit of the monthly file update.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth parses "YYYY-MM" strictly: a month from 1900 on, not after the
// month of today.
func ParseMonth(s string, today Date) (Month, error) {
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
	month := Month{y, time.Month(m)}
	if month.After(today.YearMonth()) {
		return Month{}, ErrFuture
	}
	return month, nil
}

// Compare returns -1, 0 or +1 as m is before, equal to or after o.
func (m Month) Compare(o Month) int {
	a, b := m.Year*12+int(m.Month), o.Year*12+int(o.Month)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether m is before o.
func (m Month) Before(o Month) bool { return m.Compare(o) < 0 }

// After reports whether m is after o.
func (m Month) After(o Month) bool { return m.Compare(o) > 0 }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// MarshalText writes "YYYY-MM".
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "YYYY-MM" without the not-in-the-future check: stored
// events were valid when recorded.
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b), Date{9999, 12, 31})
	if err != nil {
		return fmt.Errorf("month %q %w", b, err)
	}
	*m = v
	return nil
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
