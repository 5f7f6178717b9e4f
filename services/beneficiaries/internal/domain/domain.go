// Package domain holds what every part of the beneficiaries domain shares:
// field-level validation errors and the opaque form of sensitive personal data.
//
// The aggregates live in the sub-packages person and household, value types
// and validation in identity, per-tenant reference data in reference. Nothing
// here does I/O: the app layer loads events, passes time, reference data and
// a Sealer in, and stores what the aggregates record.
package domain

import "strings"

// FieldError says what is wrong with one request field. Field is the field's
// path as the API names it ("id_number", "categories[1]"), so that the gRPC
// layer can turn it into a BadRequest field violation as is.
type FieldError struct {
	Field  string
	Reason string
	err    error
}

// NewFieldError is a FieldError whose reason is err's message; errors.Is
// still finds err.
func NewFieldError(field string, err error) *FieldError {
	return &FieldError{Field: field, Reason: err.Error(), err: err}
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap returns the validation error behind the reason, if any.
func (e *FieldError) Unwrap() error { return e.err }

// Is matches a target FieldError naming the same field and, unless the
// target's reason is empty, the same reason:
//
//	errors.Is(err, &domain.FieldError{Field: "tier"})
func (e *FieldError) Is(target error) bool {
	t, ok := target.(*FieldError)
	return ok && t.Field == e.Field && (t.Reason == "" || t.Reason == e.Reason)
}

// FieldErrors is every field violation of one command, so that a client
// learns about all of them at once.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is and errors.As look at each field error.
func (es FieldErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Add records that field is invalid because of err; a nil err adds nothing.
// A FieldErrors err (from a validator of several fields) is merged as is.
func (es *FieldErrors) Add(field string, err error) {
	if err == nil {
		return
	}
	switch e := err.(type) {
	case FieldErrors:
		*es = append(*es, e...)
		return
	case *FieldError:
		*es = append(*es, e)
		return
	}
	*es = append(*es, NewFieldError(field, err))
}

// Err returns es as an error, or nil when there are no violations. (A nil
// FieldErrors stored in an error interface would not be nil.)
func (es FieldErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Sealed is sensitive personal data in the opaque form the events carry: the
// app layer's Sealer encrypts it with the person's data key. The domain never
// looks inside; an empty Sealed means the field is absent.
type Sealed string

// Sealer turns validated plaintext into its sealed form. The app layer
// implements it (AES-256-GCM under a per-person data key, the field name as
// associated data); the domain only decides what is sealed and when, so no
// key or cipher ever enters it. A Sealer is bound to one person or household.
type Sealer interface {
	// Seal encrypts plaintext; field is the field's name, e.g. "id_number".
	Seal(field, plaintext string) (Sealed, error)
	// BlindIndex is the keyed hash under which a normalised ID number is
	// found again when someone tries to register it twice.
	BlindIndex(idNumber string) string
}
