package identity

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// IDNumber is a normalised 18-character resident identity number (公民身份号码,
// GB 11643-1999): 6 digits of region, 8 of birth date, 3 of sequence (the last
// odd for men, even for women) and a check character, upper-case X for 10.
// Only ParseIDNumber makes one, so an IDNumber is always well-formed.
type IDNumber string

// Validation reasons for ID numbers.
var (
	ErrIDLength     = errors.New("must be 18 characters")
	ErrIDCharacters = errors.New("must be 17 digits and a digit or X")
	ErrIDCheckDigit = errors.New("check digit is wrong")
	ErrIDRegion     = errors.New("region code is not a province of China")
	ErrIDBirthDate  = errors.New("birth date in the number is not a real date")
	ErrIDFuture     = errors.New("birth date in the number is in the future")
)

// Gender is the gender recorded for a person.
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// ErrGender is the reason for a gender that is neither male nor female.
var ErrGender = errors.New(`must be "male" or "female"`)

// ParseGender accepts "male" or "female".
func ParseGender(s string) (Gender, error) {
	switch g := Gender(s); g {
	case Male, Female:
		return g, nil
	}
	return "", ErrGender
}

// IDCheckChar is the check character of the first 17 digits of an ID number
// (which the caller guarantees are ASCII digits): GB 11643-1999, ISO 7064
// MOD 11-2, kept in the public residentid package for fixtures and tools.
func IDCheckChar(first17 string) byte { return residentid.CheckChar(first17) }

// Province codes (GB/T 2260, first two digits), including 71 Taiwan and the
// 81/82/83 codes of residence permits for Hong Kong, Macao and Taiwan residents.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// ParseIDNumber checks an ID number and normalises it: surrounding spaces go,
// a lower-case x becomes X. The birth date it holds must be a real date, not
// after today.
func ParseIDNumber(s string, today domainkit.Date) (IDNumber, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return "", ErrIDLength
	}
	if !allDigits(s[:17]) || !(s[17] == 'X' || s[17] >= '0' && s[17] <= '9') {
		return "", ErrIDCharacters
	}
	if IDCheckChar(s[:17]) != s[17] {
		return "", ErrIDCheckDigit
	}
	if !provinces[s[:2]] {
		return "", ErrIDRegion
	}
	birth, err := domainkit.ParseDate(s[6:10] + "-" + s[10:12] + "-" + s[12:14])
	if err != nil {
		return "", ErrIDBirthDate
	}
	if birth.After(today) {
		return "", ErrIDFuture
	}
	return IDNumber(s), nil
}

// BirthDate is the birth date the number holds (digits 7–14).
func (id IDNumber) BirthDate() domainkit.Date {
	y, _ := strconv.Atoi(string(id[6:10]))
	m, _ := strconv.Atoi(string(id[10:12]))
	d, _ := strconv.Atoi(string(id[12:14]))
	return domainkit.Date{Year: y, Month: time.Month(m), Day: d}
}

// Gender is the gender the number holds: digit 17 odd for male, even for female.
func (id IDNumber) Gender() Gender {
	if (id[16]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// Mask is the number as shown to a caller who may not see it.
func (id IDNumber) Mask() string { return MaskIDNumber(string(id)) }

// Reasons for a birth date or gender that contradicts the ID number.
var (
	ErrBirthDateMismatch = errors.New("does not match the birth date in the ID number")
	ErrGenderMismatch    = errors.New("does not match the gender in the ID number")
)

// MatchIDNumber checks a person's stated birth date and gender against their
// ID number and returns the reason for each that disagrees (nil if it agrees).
//
// Both are enforced. A mismatched birth date is always a typing error in one
// of the two fields. A mismatched gender is too: when a person's registered
// gender changes, the public security bureau issues a new number whose
// sequence digit agrees, so a current number never contradicts the current
// gender; station staff fix the wrong field rather than override the check.
func MatchIDNumber(id IDNumber, birth domainkit.Date, gender Gender) (birthErr, genderErr error) {
	if birth != id.BirthDate() {
		birthErr = ErrBirthDateMismatch
	}
	if gender != id.Gender() {
		genderErr = ErrGenderMismatch
	}
	return birthErr, genderErr
}
