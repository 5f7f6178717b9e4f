package identity_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
)

var today = identity.Date{Year: 2025, Month: 6, Day: 15}

// idNumber builds a valid-looking number from its first 17 digits by
// appending the correct check character.
func idNumber(first17 string) string {
	return first17 + string(identity.IDCheckChar(first17))
}

// withWrongCheck appends a check character that is not the right one.
func withWrongCheck(first17 string) string {
	right := identity.IDCheckChar(first17)
	for _, c := range []byte("0123456789X") {
		if c != right {
			return first17 + string(c)
		}
	}
	panic("unreachable")
}

func TestIDCheckChar(t *testing.T) {
	t.Parallel()
	// Published examples of GB 11643-1999 check characters.
	for first17, want := range map[string]byte{
		"11010519491231002": 'X',
		"44052418800101001": '4',
		"44018319560412003": 'X',
	} {
		if got := identity.IDCheckChar(first17); got != want {
			t.Errorf("IDCheckChar(%s) = %c, want %c", first17, got, want)
		}
	}
}

func TestParseIDNumber(t *testing.T) {
	t.Parallel()
	valid := idNumber("44018319560412003")
	for _, tc := range []struct {
		name, in string
		want     identity.IDNumber
		err      error
	}{
		{"valid", valid, identity.IDNumber(valid), nil},
		{"valid with X check character", "11010519491231002X", "11010519491231002X", nil},
		{"lower-case x is normalised", "11010519491231002x", "11010519491231002X", nil},
		{"surrounding spaces are trimmed", "  " + valid + " ", identity.IDNumber(valid), nil},
		{"leap day", idNumber("44018320000229002"), identity.IDNumber(idNumber("44018320000229002")), nil},
		{"born today", idNumber("44018320250615001"), identity.IDNumber(idNumber("44018320250615001")), nil},
		{"wrong check digit", withWrongCheck("44018319560412003"), "", identity.ErrIDCheckDigit},
		{"X where a digit is due", "44052418800101001X", "", identity.ErrIDCheckDigit},
		{"empty", "", "", identity.ErrIDLength},
		{"17 characters", valid[:17], "", identity.ErrIDLength},
		{"19 characters", valid + "1", "", identity.ErrIDLength},
		{"15-digit first generation number", "440183560412003", "", identity.ErrIDLength},
		{"letter inside", "4401831956O412003" + "1", "", identity.ErrIDCharacters},
		{"full-width digits", "４４０１８３１９５６０４１２００３１", "", identity.ErrIDLength},
		{"X not at the end", "X4018319560412003" + "1", "", identity.ErrIDCharacters},
		{"SQL injection", "1' OR '1'='1'--abc", "", identity.ErrIDCharacters},
		{"no such province", idNumber("99018319560412003"), "", identity.ErrIDRegion},
		{"30 February", idNumber("44018319990230003"), "", identity.ErrIDBirthDate},
		{"29 February of a common year", idNumber("44018319000229003"), "", identity.ErrIDBirthDate},
		{"month 13", idNumber("44018319991301003"), "", identity.ErrIDBirthDate},
		{"day 00", idNumber("44018319990100003"), "", identity.ErrIDBirthDate},
		{"before 1900", idNumber("44018318991231003"), "", identity.ErrIDBirthDate},
		{"born tomorrow", idNumber("44018320250616001"), "", identity.ErrIDFuture},
		{"born next century", idNumber("44018321010101001"), "", identity.ErrIDFuture},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParseIDNumber(tc.in, today)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("ParseIDNumber(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestIDNumberBirthDateAndGender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		first17 string
		birth   identity.Date
		gender  identity.Gender
	}{
		{"44018319560412003", identity.Date{Year: 1956, Month: 4, Day: 12}, identity.Male},
		{"44018320120101002", identity.Date{Year: 2012, Month: 1, Day: 1}, identity.Female},
		{"11010519491231002", identity.Date{Year: 1949, Month: 12, Day: 31}, identity.Female},
	} {
		id, err := identity.ParseIDNumber(idNumber(tc.first17), today)
		if err != nil {
			t.Fatal(err)
		}
		if id.BirthDate() != tc.birth || id.Gender() != tc.gender {
			t.Errorf("%s: birth %v gender %v, want %v %v", id, id.BirthDate(), id.Gender(), tc.birth, tc.gender)
		}
		if b, g := identity.MatchIDNumber(id, tc.birth, tc.gender); b != nil || g != nil {
			t.Errorf("%s: MatchIDNumber = %v, %v", id, b, g)
		}
		other := identity.Male
		if tc.gender == identity.Male {
			other = identity.Female
		}
		b, g := identity.MatchIDNumber(id, identity.Date{Year: tc.birth.Year + 1, Month: tc.birth.Month, Day: tc.birth.Day}, other)
		if b != identity.ErrBirthDateMismatch || g != identity.ErrGenderMismatch {
			t.Errorf("%s: MatchIDNumber with wrong values = %v, %v", id, b, g)
		}
	}
}

func TestParseMobile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want identity.Mobile
		ok   bool
	}{
		{"13800000000", "13800000000", true},
		{"19912345678", "19912345678", true},
		{"+8613800000000", "13800000000", true},
		{"+86 13800000000", "13800000000", true},
		{" 15012345678 ", "15012345678", true},
		{"", "", false},
		{"1380000000", "", false},    // 10 digits
		{"138000000000", "", false},  // 12 digits
		{"12800000000", "", false},   // 12x is not mobile
		{"23800000000", "", false},   // must start with 1
		{"020-12345678", "", false},  // a landline
		{"8613800000000", "", false}, // country code without +
		{"+85261234567", "", false},  // Hong Kong
		{"138-0000-0000", "", false}, // separators
		{"1380000000a", "", false},   // letter
		{"１３８００００００００", "", false},   // full-width
	} {
		got, err := identity.ParseMobile(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMobile(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, identity.ErrMobile) {
			t.Errorf("ParseMobile(%q): error %v is not ErrMobile", tc.in, err)
		}
	}
}

func TestParseName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		err            error
	}{
		{"Chinese", "陈大明", "陈大明", nil},
		{"single character", "明", "明", nil},
		{"minority name with middle dot", "阿依古丽·买买提", "阿依古丽·买买提", nil},
		{"trimmed", "  李四 ", "李四", nil},
		{"50 runes", strings.Repeat("张", 50), strings.Repeat("张", 50), nil},
		{"SQL-looking text is just a name", "Robert'); DROP TABLE persons;--", "Robert'); DROP TABLE persons;--", nil},
		{"quotes", `O'Brien "Bob"`, `O'Brien "Bob"`, nil},
		{"empty", "", "", identity.ErrEmpty},
		{"only spaces", "   ", "", identity.ErrEmpty},
		{"51 runes", strings.Repeat("张", 51), "", identity.ErrTooLong{Max: 50}},
		{"10 KB", strings.Repeat("a", 10240), "", identity.ErrTooLong{Max: 50}},
		{"invalid UTF-8", "陈\xff明", "", identity.ErrNotUTF8},
		{"NUL", "陈\x00明", "", identity.ErrControlChar},
		{"newline", "陈\n明", "", identity.ErrControlChar},
		{"escape", "陈\x1b[31m明", "", identity.ErrControlChar},
		{"zero-width space", "陈\u200b明", "", identity.ErrControlChar},
		{"right-to-left override", "陈\u202e明", "", identity.ErrControlChar},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := identity.ParseName(tc.in)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("ParseName(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                string
		in                  string
		max                 int
		required, multiline bool
		want                string
		err                 error
	}{
		{"optional empty", "", 200, false, false, "", nil},
		{"required empty", " ", 200, true, false, "", identity.ErrEmpty},
		{"address at the limit", strings.Repeat("路", 200), 200, true, false, strings.Repeat("路", 200), nil},
		{"address over the limit", strings.Repeat("路", 201), 200, true, false, "", identity.ErrTooLong{Max: 200}},
		{"notes keep lines and tabs", "第一行\r\n\t第二行", 2000, true, true, "第一行\n\t第二行", nil},
		{"notes keep emoji sequences", "👨\u200d👩\u200d👧", 2000, true, true, "👨\u200d👩\u200d👧", nil},
		{"notes refuse other controls", "a\x07b", 2000, true, true, "", identity.ErrControlChar},
		{"single line refuses newlines", "a\nb", 100, true, false, "", identity.ErrControlChar},
		{"notes over the limit", strings.Repeat("字", 2001), 2000, false, true, "", identity.ErrTooLong{Max: 2000}},
		{"invalid UTF-8", "\xc3\x28", 2000, false, true, "", identity.ErrNotUTF8},
	} {
		got, err := identity.Text(tc.in, tc.max, tc.required, tc.multiline)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("%s: Text = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestParseMonth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want identity.Month
		err  error
	}{
		{"2025-06", identity.Month{Year: 2025, Month: 6}, nil},
		{"2025-05", identity.Month{Year: 2025, Month: 5}, nil},
		{"2024-12", identity.Month{Year: 2024, Month: 12}, nil},
		{"2025-07", identity.Month{}, identity.ErrFuture},
		{"2026-01", identity.Month{}, identity.ErrFuture},
		{"2025-13", identity.Month{}, identity.ErrMonthFormat},
		{"2025-00", identity.Month{}, identity.ErrMonthFormat},
		{"2025-6", identity.Month{}, identity.ErrMonthFormat},
		{"2025/06", identity.Month{}, identity.ErrMonthFormat},
		{"2025-06-01", identity.Month{}, identity.ErrMonthFormat},
		{"", identity.Month{}, identity.ErrMonthFormat},
		{"1899-12", identity.Month{}, identity.ErrTooEarly},
	} {
		got, err := identity.ParseMonth(tc.in, today)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("ParseMonth(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseDateAndToday(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		err error
	}{
		{"2025-06-15", nil},
		{"2024-02-29", nil},
		{"2025-02-29", identity.ErrNotADate},
		{"1999-02-30", identity.ErrNotADate},
		{"2025-04-31", identity.ErrNotADate},
		{"2025-6-15", identity.ErrDateFormat},
		{"15/06/2025", identity.ErrDateFormat},
		{"1899-12-31", identity.ErrTooEarly},
	} {
		if _, err := identity.ParseDate(tc.in); !errors.Is(err, tc.err) {
			t.Errorf("ParseDate(%q) error %v, want %v", tc.in, err, tc.err)
		}
	}
	if _, err := identity.ParsePastDate("2025-06-16", today); !errors.Is(err, identity.ErrFuture) {
		t.Errorf("ParsePastDate(tomorrow) error %v, want ErrFuture", err)
	}
	if d, err := identity.EffectiveDate("", today); err != nil || d != today {
		t.Errorf("EffectiveDate(\"\") = %v, %v; want today", d, err)
	}
	// 16:30 UTC on 14 June is 00:30 on 15 June in China.
	if got := identity.Today(time.Date(2025, 6, 14, 16, 30, 0, 0, time.UTC)); got != today {
		t.Errorf("Today = %v, want %v", got, today)
	}
}

func TestParseTier(t *testing.T) {
	t.Parallel()
	for n := -1; n <= 6; n++ {
		got, err := identity.ParseTier(n)
		ok := n >= 1 && n <= 4
		if (err == nil) != ok || (ok && int(got) != n) {
			t.Errorf("ParseTier(%d) = %v, %v", n, got, err)
		}
	}
}

func TestMasks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{identity.MaskIDNumber("44010619560412123X"), "4401**********123X"},
		{identity.IDNumber("44010619560412123X").Mask(), "4401**********123X"},
		{identity.MaskPhone("13800000000"), "138****0000"},
		{identity.Mobile("13912345678").Mask(), "139****5678"},
		{identity.MaskPhone("1234567"), "*******"},
		{identity.MaskIDNumber(""), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("mask = %q, want %q", tc.got, tc.want)
		}
	}
}
