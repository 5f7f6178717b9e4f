// Package identity holds the beneficiaries domain's own value types and their
// validation: resident ID numbers, mobile numbers, genders, and the masks
// shown to callers who may not see sensitive values. Dates, months, free
// text, names and tiers are the platform's, in domainkit.
//
// Validators are pure functions. Each returns the normalised value or an
// error whose message is the reason, for the caller to attach to a field
// (domain.FieldErrors.Add). "Now" is always an argument.
package identity

import (
	"errors"
	"strings"
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
	if len(s) != 11 || !allDigits(s) || s[0] != '1' || s[1] < '3' {
		return "", ErrMobile
	}
	return Mobile(s), nil
}

// Mask is the number as shown to a caller who may not see it.
func (m Mobile) Mask() string { return MaskPhone(string(m)) }

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

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
