package domainkit_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

var (
	errCheck = errors.New("check digit is wrong")
	today    = domainkit.Date{Year: 2025, Month: 6, Day: 15}
)

func TestFieldErrors(t *testing.T) {
	t.Parallel()
	var errs domainkit.FieldErrors
	if errs.Err() != nil {
		t.Fatal("no violations must be a nil error")
	}
	errs.Add("name", nil)
	errs.Add("id_number", errCheck)
	errs.Add("ignored", domainkit.FieldErrors{{Field: "tier", Reason: "must be 1, 2, 3 or 4"}})
	errs.Add("ignored", &domainkit.FieldError{Field: "month", Reason: "is in the future"})
	err := errs.Err()
	if len(errs) != 3 {
		t.Fatalf("got %d violations, want 3: %v", len(errs), err)
	}
	if got, want := err.Error(), "invalid id_number: check digit is wrong; tier: must be 1, 2, 3 or 4; month: is in the future"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	for _, target := range []error{
		errCheck,
		&domainkit.FieldError{Field: "id_number"},
		&domainkit.FieldError{Field: "id_number", Reason: "check digit is wrong"},
		&domainkit.FieldError{Field: "month"},
	} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
	for _, target := range []error{
		&domainkit.FieldError{Field: "name"},
		&domainkit.FieldError{Field: "id_number", Reason: "is required"},
	} {
		if errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = true", err, target)
		}
	}
	var fe *domainkit.FieldError
	if !errors.As(err, &fe) || fe.Field != "id_number" {
		t.Errorf("errors.As found %v", fe)
	}
	if one := domainkit.Invalid("reason", domainkit.ErrEmpty); !errors.Is(one, &domainkit.FieldError{Field: "reason", Reason: "is required"}) {
		t.Errorf("Invalid = %v", one)
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want domainkit.Date
		err  error
	}{
		{"2025-06-15", today, nil},
		{"2024-02-29", domainkit.Date{Year: 2024, Month: 2, Day: 29}, nil},
		{"1900-01-01", domainkit.Date{Year: 1900, Month: 1, Day: 1}, nil},
		{"", domainkit.Date{}, domainkit.ErrDateFormat},
		{"2025-6-15", domainkit.Date{}, domainkit.ErrDateFormat},
		{"2025/06/15", domainkit.Date{}, domainkit.ErrDateFormat},
		{"2025-06-15T00:00", domainkit.Date{}, domainkit.ErrDateFormat},
		{"２０２５-06-15", domainkit.Date{}, domainkit.ErrDateFormat},
		{"2025-02-29", domainkit.Date{}, domainkit.ErrNotADate},
		{"2025-13-01", domainkit.Date{}, domainkit.ErrNotADate},
		{"2025-04-31", domainkit.Date{}, domainkit.ErrNotADate},
		{"2025-00-10", domainkit.Date{}, domainkit.ErrNotADate},
		{"1999-02-30", domainkit.Date{}, domainkit.ErrNotADate},
		{"15/06/2025", domainkit.Date{}, domainkit.ErrDateFormat},
		{"1899-12-31", domainkit.Date{}, domainkit.ErrTooEarly},
	} {
		got, err := domainkit.ParseDate(tc.in)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestDatesRelativeToToday(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		fn   func(string, domainkit.Date) (domainkit.Date, error)
		in   string
		want string
		err  error
	}{
		{"past: today", domainkit.ParsePastDate, "2025-06-15", "2025-06-15", nil},
		{"past: tomorrow", domainkit.ParsePastDate, "2025-06-16", "", domainkit.ErrFuture},
		{"future: today", domainkit.ParseFutureDate, "2025-06-15", "2025-06-15", nil},
		{"future: yesterday", domainkit.ParseFutureDate, "2025-06-14", "", domainkit.ErrPast},
		{"future: bad", domainkit.ParseFutureDate, "x", "", domainkit.ErrDateFormat},
		{"effective: empty is today", domainkit.EffectiveDate, "", "2025-06-15", nil},
		{"effective: backdated", domainkit.EffectiveDate, "2025-01-02", "2025-01-02", nil},
		{"effective: planned", domainkit.EffectiveDate, "2025-07-01", "", domainkit.ErrFuture},
		{"planned: empty is today", domainkit.PlannedDate, "", "2025-06-15", nil},
		{"planned: next month", domainkit.PlannedDate, "2025-07-01", "2025-07-01", nil},
		{"planned: bad", domainkit.PlannedDate, "2025-07-32", "", domainkit.ErrNotADate},
	} {
		got, err := tc.fn(tc.in, today)
		gotS := ""
		if !got.IsZero() {
			gotS = got.String()
		}
		if !errors.Is(err, tc.err) || gotS != tc.want {
			t.Errorf("%s: (%q) = %q, %v; want %q, %v", tc.name, tc.in, gotS, err, tc.want, tc.err)
		}
	}
}

func TestToday(t *testing.T) {
	t.Parallel()
	// 23:30 UTC on 31 May is 07:30 on 1 June in China.
	late := time.Date(2025, 5, 31, 23, 30, 0, 0, time.UTC)
	if got := domainkit.Today(late); got != (domainkit.Date{Year: 2025, Month: 6, Day: 1}) {
		t.Errorf("Today = %v", got)
	}
	if got := domainkit.MonthOf(late); got != (domainkit.Month{Year: 2025, Month: 6}) {
		t.Errorf("MonthOf = %v", got)
	}
	// 16:00 UTC is midnight in China.
	if got := domainkit.Today(time.Date(2025, 6, 14, 16, 0, 0, 0, time.UTC)); got != today {
		t.Errorf("Today at midnight = %v, want %v", got, today)
	}
	if got := (domainkit.Date{Year: 2025, Month: 6, Day: 1}).Start(); !got.Equal(time.Date(2025, 5, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %v", got)
	}
	if got := today.AddDays(17); got.String() != "2025-07-02" {
		t.Errorf("AddDays = %v", got)
	}
	if !today.Before(today.AddDays(1)) || !today.After(today.AddDays(-1)) || today.Compare(today) != 0 {
		t.Error("Compare disagrees with AddDays")
	}
}

func TestParseMonth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		past bool
		want string
		err  error
	}{
		{"2025-06", false, "2025-06", nil},
		{"2026-01", false, "2026-01", nil},
		{"2025-06", true, "2025-06", nil},
		{"2025-07", true, "", domainkit.ErrFuture},
		{"2024-12", true, "2024-12", nil},
		{"2026-01", true, "", domainkit.ErrFuture},
		{"2025/06", false, "", domainkit.ErrMonthFormat},
		{"", false, "", domainkit.ErrMonthFormat},
		{"2025-13", false, "", domainkit.ErrMonthFormat},
		{"2025-00", false, "", domainkit.ErrMonthFormat},
		{"2025-6", false, "", domainkit.ErrMonthFormat},
		{"2025-06-01", false, "", domainkit.ErrMonthFormat},
		{"1899-12", false, "", domainkit.ErrTooEarly},
		{"1899-12", true, "", domainkit.ErrTooEarly},
	} {
		var got domainkit.Month
		var err error
		if tc.past {
			got, err = domainkit.ParsePastMonth(tc.in, today)
		} else {
			got, err = domainkit.ParseMonth(tc.in)
		}
		gotS := ""
		if !got.IsZero() {
			gotS = got.String()
		}
		if !errors.Is(err, tc.err) || gotS != tc.want {
			t.Errorf("ParseMonth(%q, past=%v) = %q, %v; want %q, %v", tc.in, tc.past, gotS, err, tc.want, tc.err)
		}
	}
	m := domainkit.Month{Year: 2025, Month: 12}
	if got := m.AddMonths(1).String(); got != "2026-01" {
		t.Errorf("AddMonths(1) = %s", got)
	}
	if got := m.AddMonths(-12).String(); got != "2024-12" {
		t.Errorf("AddMonths(-12) = %s", got)
	}
	if !m.After(m.AddMonths(-1)) || !m.Before(m.AddMonths(1)) {
		t.Error("Compare disagrees with AddMonths")
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	type payload struct {
		On    domainkit.Date  `json:"on"`
		None  domainkit.Date  `json:"none"`
		Month domainkit.Month `json:"month"`
	}
	in := payload{On: today, Month: domainkit.Month{Year: 2030, Month: 1}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"on":"2025-06-15","none":"","month":"2030-01"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	var out payload
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("Unmarshal = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"on":"2025-02-30"}`), &out); !errors.Is(err, domainkit.ErrNotADate) {
		t.Errorf("Unmarshal of a bad date: %v", err)
	}
}

func TestPastInstant(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 15, 1, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	for _, tc := range []struct {
		name string
		in   time.Time
		err  error
	}{
		{"now", now, nil},
		{"three days ago, in China time", now.Add(-72 * time.Hour).In(domainkit.China), nil},
		{"a device clock a minute ahead", now.Add(time.Minute), nil},
		{"an hour ahead", now.Add(time.Hour), domainkit.ErrFuture},
		{"exactly the maximum age", now.Add(-week), nil},
		{"older", now.Add(-week - time.Second), domainkit.ErrTooOld{MaxAge: week}},
		{"missing", time.Time{}, domainkit.ErrEmpty},
	} {
		got, err := domainkit.PastInstant(tc.in, now, week)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
		}
		if err == nil && (!got.Equal(tc.in) || got.Location() != time.UTC) {
			t.Errorf("%s: got %v, want %v in UTC", tc.name, got, tc.in)
		}
	}
	if got := (domainkit.ErrTooOld{MaxAge: week}).Error(); got != "is more than 7 days ago" {
		t.Errorf("ErrTooOld = %q", got)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in  string
		max       int
		required  bool
		multiline bool
		want      string
		err       error
	}{
		{"trimmed", "  陈大明 ", 50, true, false, "陈大明", nil},
		{"SQL is just text", "Robert'); DROP TABLE x;--", 50, true, false, "Robert'); DROP TABLE x;--", nil},
		{"quotes", `O'Brien "Bob"`, 50, true, false, `O'Brien "Bob"`, nil},
		{"name with a middle dot", "阿依古丽·买买提", 50, true, false, "阿依古丽·买买提", nil},
		{"nothing, required", "", 50, true, false, "", domainkit.ErrEmpty},
		{"escape sequence", "陈\x1b[31m明", 50, true, false, "", domainkit.ErrControlChar},
		{"right-to-left override", "陈\u202e明", 50, true, false, "", domainkit.ErrControlChar},
		{"narrative over the limit", strings.Repeat("字", 2001), 2000, false, true, "", domainkit.ErrTooLong{Max: 2000}},
		{"runes, not bytes", strings.Repeat("名", 50), 50, true, false, strings.Repeat("名", 50), nil},
		{"one rune too many", strings.Repeat("名", 51), 50, true, false, "", domainkit.ErrTooLong{Max: 50}},
		{"empty, required", "  ", 50, true, false, "", domainkit.ErrEmpty},
		{"empty, optional", "", 50, false, false, "", nil},
		{"invalid UTF-8", "a\xffb", 50, true, false, "", domainkit.ErrNotUTF8},
		{"NUL", "a\x00b", 50, true, false, "", domainkit.ErrControlChar},
		{"line feed on one line", "a\nb", 50, true, false, "", domainkit.ErrControlChar},
		{"zero-width space in a label", "a\u200bb", 50, true, false, "", domainkit.ErrControlChar},
		{"CR LF in narrative", "a\r\nb\tc", 50, true, true, "a\nb\tc", nil},
		{"zero-width joiner in narrative", "👨\u200d👩", 50, true, true, "👨\u200d👩", nil},
		{"bell in narrative", "a\ab", 50, true, true, "", domainkit.ErrControlChar},
	} {
		got, err := domainkit.Text(tc.in, tc.max, tc.required, tc.multiline)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("%s: Text(%q) = %q, %v; want %q, %v", tc.name, tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := domainkit.ParseName(strings.Repeat("名", 10240)); !errors.Is(err, domainkit.ErrTooLong{Max: domainkit.MaxName}) {
		t.Errorf("ParseName of 10 KB: %v", err)
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		err error
	}{
		{"sw-07", nil},
		{"0190c7e2-0000-7000-8000-0000000000a1", nil},
		{"V03", nil},
		{"shitan_town", nil},
		{strings.Repeat("a", 64), nil},
		{"", domainkit.ErrEmpty},
		{strings.Repeat("a", 65), domainkit.ErrID},
		{"sw 07", domainkit.ErrID},
		{"sw.07", domainkit.ErrID},
		{"sw-*", domainkit.ErrID},
		{"sw>", domainkit.ErrID},
		{"社工07", domainkit.ErrID},
		{"' OR 1=1--", domainkit.ErrID},
	} {
		got, err := domainkit.ParseID(tc.in)
		if !errors.Is(err, tc.err) || (err == nil && got != tc.in) {
			t.Errorf("ParseID(%q) = %q, %v; want %v", tc.in, got, err, tc.err)
		}
	}
}

type colour string

func TestOneOf(t *testing.T) {
	t.Parallel()
	if got, err := domainkit.OneOf[colour]("red", "red", "green"); err != nil || got != "red" {
		t.Errorf("OneOf(red) = %q, %v", got, err)
	}
	_, err := domainkit.OneOf[colour]("Red", "red", "green")
	if err == nil || err.Error() != `must be one of "red", "green"` {
		t.Errorf("OneOf(Red) = %v", err)
	}
	var e domainkit.ErrNotOneOf
	if !errors.As(err, &e) || len(e.Allowed) != 2 {
		t.Errorf("error %v is not ErrNotOneOf", err)
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		in     []string
		want   []string
		fields string
	}{
		{"none", nil, nil, ""},
		{"trimmed", []string{" 独居", "慢性病 "}, []string{"独居", "慢性病"}, ""},
		{"too many", []string{"a", "b", "c", "d"}, nil, "risks"},
		{"empty one", []string{"a", " "}, nil, "risks[1]"},
		{"listed twice", []string{"独居", "慢性病", " 独居"}, nil, "risks[2]"},
		{"two lines", []string{"a\nb", strings.Repeat("x", 101)}, nil, "risks[0] risks[1]"},
	} {
		var errs domainkit.FieldErrors
		got := domainkit.Labels(&errs, "risks", tc.in, 3)
		var fields []string
		for _, e := range errs {
			fields = append(fields, e.Field)
		}
		if f := strings.Join(fields, " "); f != tc.fields {
			t.Errorf("%s: fields %q, want %q", tc.name, f, tc.fields)
		}
		if tc.fields == "" && strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseTier(t *testing.T) {
	t.Parallel()
	for n := -1; n <= 5; n++ {
		got, err := domainkit.ParseTier(n)
		ok := n >= 1 && n <= 4
		if (err == nil) != ok || (ok && int(got) != n) || (!ok && !errors.Is(err, domainkit.ErrTier)) {
			t.Errorf("ParseTier(%d) = %v, %v", n, got, err)
		}
	}
}

type failingSealer struct{ calls *int }

func (f failingSealer) Seal(string, string) (domainkit.Sealed, error) {
	*f.calls++
	return "", errCheck
}

type labelSealer struct{}

func (labelSealer) Seal(field, plaintext string) (domainkit.Sealed, error) {
	return domainkit.Sealed(field + ":" + plaintext), nil
}

func TestSeals(t *testing.T) {
	t.Parallel()
	s := domainkit.Seals{To: labelSealer{}}
	if got := s.Seal("notes", "x"); got != "notes:x" || s.Err != nil {
		t.Errorf("Seal = %q, %v", got, s.Err)
	}
	if got := s.Seal("notes", ""); got != "" {
		t.Errorf("Seal of nothing = %q", got)
	}
	calls := 0
	f := domainkit.Seals{To: failingSealer{&calls}}
	f.Seal("a", "x")
	f.Seal("b", "y")
	if calls != 1 || !errors.Is(f.Err, errCheck) || f.Err.Error() != "seal a: check digit is wrong" {
		t.Errorf("after a failure: %d calls, %v", calls, f.Err)
	}
}
