// Package domainkit holds the value types and validation that every Doudi
// service's domain shares: field-level validation errors, calendar dates and
// months in China time, free text with rune limits, enumerations, ids,
// follow-up tiers and the opaque form of sensitive data.
//
// It is the platform's shared kernel for pure domain code: standard library
// only, no I/O, and "now" is always an argument. Validators return the
// normalised value or an error whose message is the reason, for the caller to
// attach to a field with FieldErrors.Add.
package domainkit

import (
	"fmt"
	"strings"
)

// FieldError says what is wrong with one request field. Field is the field's
// path as the API names it ("occurred_at", "participants[1].id"), so that the
// gRPC layer can turn it into a BadRequest field violation as is.
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
//	errors.Is(err, &domainkit.FieldError{Field: "tier"})
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
// A FieldErrors or *FieldError err (from a validator of several fields) is
// merged as is.
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

// Invalid is the error of a single bad field.
func Invalid(field string, err error) error { return FieldErrors{NewFieldError(field, err)} }

// Sealed is sensitive personal data in the opaque form events carry: the app
// layer's Sealer encrypts it. The domain never looks inside; an empty Sealed
// means the field is absent.
type Sealed string

// Sealer turns validated plaintext into its sealed form. The app layer
// implements it and chooses the key; the domain only decides what is sealed
// and when, so no key or cipher ever enters it.
type Sealer interface {
	// Seal encrypts plaintext; field is the field's name, e.g. "caller_number",
	// bound to the ciphertext as associated data.
	Seal(field, plaintext string) (Sealed, error)
}

// Seals seals a command's optional fields in a row with one Sealer and keeps
// the first error, so that a command checks once, after all its fields:
//
//	s := domainkit.Seals{To: seal}
//	e := Received{Number: s.Seal("caller_number", number), Notes: s.Seal("notes", notes)}
//	if s.Err != nil { return s.Err }
type Seals struct {
	To  Sealer
	Err error
}

// Seal seals plaintext as field. Empty plaintext stays empty (the field is
// absent), and after a failure nothing more is sealed.
func (s *Seals) Seal(field, plaintext string) Sealed {
	if plaintext == "" || s.Err != nil {
		return ""
	}
	v, err := s.To.Seal(field, plaintext)
	if err != nil {
		s.Err = fmt.Errorf("seal %s: %w", field, err)
	}
	return v
}
