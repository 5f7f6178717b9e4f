// Package domainkittest holds test doubles for domain code built on
// domainkit.
package domainkittest

import "github.com/doudi-platform/doudi/services/platform/domainkit"

// Sealer "seals" by labelling the plaintext, so that expected events in tests
// stay readable: Seal("notes", "x") is "sealed(notes):x".
type Sealer struct{}

func (Sealer) Seal(field, plaintext string) (domainkit.Sealed, error) {
	return Sealed(field, plaintext), nil
}

// Sealed is what Sealer.Seal returns.
func Sealed(field, plaintext string) domainkit.Sealed {
	return domainkit.Sealed("sealed(" + field + "):" + plaintext)
}

// FailingSealer fails every Seal, as when the key store is unreachable.
type FailingSealer struct{ Err error }

func (f FailingSealer) Seal(string, string) (domainkit.Sealed, error) { return "", f.Err }
