package identity

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mobile is a normalised mainland China mobile number: 11 digits, 1[3-9]…,
// without a country code.
type Mobile string

// ErrMobile is the reason for anything that is not a mainland mobile number.
var ErrMobile = errors.New("must be a mainland mobile number of 11 digits starting 13–19")

// ParseMobile accepts "13800000000", "+8613800000000" or "+86 13800000000"
// (surrounding spaces ignored) and returns the 11 digits.
func ParseMobile(s string) (Mobile, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "+86"); ok {
		s = strings.TrimPrefix(rest, " ")
	}
	if len(s) != 11 || !digits(s) || s[0] != '1' || s[1] < '3' {
		return "", ErrMobile
	}
	return Mobile(s), nil
}

// Mask is the number as shown to a caller who may not see it.
func (m Mobile) Mask() string { return MaskPhone(string(m)) }

// Length limits, in runes (a Chinese character is one rune, three bytes).
const (
	MaxName    = 50   // a person's name
	MaxShort   = 100  // a label: a risk factor, an approval letter number
	MaxAddress = 200  // an address
	MaxReason  = 500  // the reason for a tier, a reinstatement
	MaxNotes   = 2000 // narrative: notes, the monthly file's fields
)

// Reasons for text that cannot be stored.
var (
	ErrEmpty       = errors.New("is required")
	ErrNotUTF8     = errors.New("is not valid UTF-8")
	ErrControlChar = errors.New("contains control characters")
)

// ErrTooLong is the reason for text over its limit of Max runes.
type ErrTooLong struct{ Max int }

func (e ErrTooLong) Error() string { return fmt.Sprintf("is longer than %d characters", e.Max) }

// ParseName checks a person's name: after trimming surrounding spaces, 1 to
// MaxName characters of valid UTF-8 without control characters. Anything else
// is allowed — "O'Brien", "阿依古丽·买买提" and "Robert'); DROP TABLE" are all
// just text, and storage never interpolates it.
func ParseName(s string) (string, error) {
	return Text(s, MaxName, true, false)
}

// Text checks free text: valid UTF-8, at most max runes after trimming
// surrounding white space, and no control characters except, when multiline,
// line feeds and tabs (a CR LF becomes a LF). An empty result is an error
// only when required.
func Text(s string, max int, required, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrNotUTF8
	}
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", ErrEmpty
		}
		return "", nil
	}
	n := 0
	for _, r := range s {
		n++
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			return "", ErrControlChar
		}
		// In a name or label, zero-width and bidirectional format characters
		// make two different values look alike. (Narrative keeps them: emoji
		// sequences use the zero-width joiner.)
		if !multiline && unicode.Is(unicode.Cf, r) {
			return "", ErrControlChar
		}
	}
	if n > max {
		return "", ErrTooLong{Max: max}
	}
	return s, nil
}

// Tier is a follow-up tier: 1 is the highest risk and the closest follow-up,
// 4 the lowest.
type Tier int

// ErrTier is the reason for a tier outside 1–4.
var ErrTier = errors.New("must be 1, 2, 3 or 4")

// ParseTier accepts 1 to 4.
func ParseTier(n int) (Tier, error) {
	if n < 1 || n > 4 {
		return 0, ErrTier
	}
	return Tier(n), nil
}

// MaskIDNumber keeps the first 4 and last 4 characters: 4401**********123X.
// Anything too short to keep 8 is masked entirely.
func MaskIDNumber(s string) string { return mask(s, 4, 4) }

// MaskPhone keeps the first 3 and last 4 digits: 138****0000.
func MaskPhone(s string) string { return mask(s, 3, 4) }

func mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
