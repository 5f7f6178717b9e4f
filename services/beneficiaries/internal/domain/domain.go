// Package domain holds what every part of the beneficiaries domain shares:
// field-level validation errors and the opaque form of sensitive personal data.
// Both come from the platform's shared kernel, domainkit; what is the
// beneficiaries' own is the Sealer's blind index of ID numbers.
//
// The aggregates live in the sub-packages person and household, the
// beneficiaries' own value types and validation (ID numbers, mobile numbers,
// genders, masks) in identity, per-tenant reference data in reference. Nothing
// here does I/O: the app layer loads events, passes time, reference data and
// a Sealer in, and stores what the aggregates record.
package domain

import "github.com/doudi-platform/doudi/services/platform/domainkit"

// FieldError says what is wrong with one request field (domainkit.FieldError).
type FieldError = domainkit.FieldError

// FieldErrors is every field violation of one command (domainkit.FieldErrors).
type FieldErrors = domainkit.FieldErrors

// Sealed is sensitive personal data in the opaque form the events carry: the
// app layer's Sealer encrypts it with the person's data key (domainkit.Sealed).
type Sealed = domainkit.Sealed

// Sealer turns validated plaintext into its sealed form. The app layer
// implements it (AES-256-GCM under a per-person data key, the field name as
// associated data); the domain only decides what is sealed and when, so no
// key or cipher ever enters it. A Sealer is bound to one person or household.
type Sealer interface {
	domainkit.Sealer
	// BlindIndex is the keyed hash under which a normalised ID number is
	// found again when someone tries to register it twice.
	BlindIndex(idNumber string) string
}
