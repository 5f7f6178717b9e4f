package identity_test

import (
	"errors"
	"testing"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

var today = domainkit.Date{Year: 2025, Month: 6, Day: 15}

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
		birth   domainkit.Date
		gender  identity.Gender
	}{
		{"44018319560412003", domainkit.Date{Year: 1956, Month: 4, Day: 12}, identity.Male},
		{"44018320120101002", domainkit.Date{Year: 2012, Month: 1, Day: 1}, identity.Female},
		{"11010519491231002", domainkit.Date{Year: 1949, Month: 12, Day: 31}, identity.Female},
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
		b, g := identity.MatchIDNumber(id, domainkit.Date{Year: tc.birth.Year + 1, Month: tc.birth.Month, Day: tc.birth.Day}, other)
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
