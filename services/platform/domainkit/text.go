package domainkit

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits, in runes (a Chinese character is one rune, three bytes).
const (
	MaxName    = 50   // a person's name
	MaxShort   = 100  // a label: a need, a risk factor, a title
	MaxAddress = 200  // an address
	MaxReason  = 500  // the reason for a decision, an outcome
	MaxNotes   = 2000 // narrative: notes, findings
	MaxID      = 64   // an id or code (ParseID)
)

// Reasons for text that cannot be stored.
var (
	ErrEmpty       = errors.New("is required")
	ErrNotUTF8     = errors.New("is not valid UTF-8")
	ErrControlChar = errors.New("contains control characters")
	ErrID          = errors.New("must be 1 to 64 letters, digits, '-' or '_'")
	ErrListedTwice = errors.New("is listed twice")
)

// ErrTooLong is the reason for text over its limit of Max runes.
type ErrTooLong struct{ Max int }

func (e ErrTooLong) Error() string { return fmt.Sprintf("is longer than %d characters", e.Max) }

// ErrTooMany is the reason for a list of more than Max items.
type ErrTooMany struct{ Max int }

func (e ErrTooMany) Error() string { return fmt.Sprintf("lists more than %d items", e.Max) }

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

// ParseID checks an id or code that other records refer to (a staff id, a
// person id, a village or tenant code): 1 to MaxID ASCII letters, digits, '-'
// or '_', taken as is. Ids end up in stream names and NATS subjects, where
// anything else would be a separator or a wildcard.
func ParseID(s string) (string, error) {
	if s == "" {
		return "", ErrEmpty
	}
	if len(s) > MaxID {
		return "", ErrID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "", ErrID
		}
	}
	return s, nil
}

// ErrNotOneOf is the reason for a value outside an enumeration.
type ErrNotOneOf struct{ Allowed []string }

func (e ErrNotOneOf) Error() string {
	quoted := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		quoted[i] = strconv.Quote(a)
	}
	return "must be one of " + strings.Join(quoted, ", ")
}

// OneOf accepts s if it is one of allowed, the wire values of an enumeration.
func OneOf[T ~string](s string, allowed ...T) (T, error) {
	if v := T(s); slices.Contains(allowed, v) {
		return v, nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", ErrNotOneOf{Allowed: names}
}

// Labels checks a list of short labels ("独居", "慢性病") into errs under
// field[i]: at most maxItems, each 1 to MaxShort characters on one line, none
// listed twice. It returns the normalised labels (nil for none).
func Labels(errs *FieldErrors, field string, in []string, maxItems int) []string {
	if len(in) > maxItems {
		errs.Add(field, ErrTooMany{Max: maxItems})
		return nil
	}
	var out []string
	for i, s := range in {
		name := field + "[" + strconv.Itoa(i) + "]"
		v, err := Text(s, MaxShort, true, false)
		switch {
		case err != nil:
			errs.Add(name, err)
		case slices.Contains(out, v):
			errs.Add(name, ErrListedTwice)
		}
		out = append(out, v)
	}
	return out
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
