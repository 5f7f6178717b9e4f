// Package domaintest holds test doubles for the beneficiaries domain.
package domaintest

import "github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"

// Sealer "seals" by labelling the plaintext, so that expected events in tests
// stay readable: Seal("phone", "13800000000") is "sealed(phone):13800000000".
type Sealer struct{}

func (Sealer) Seal(field, plaintext string) (domain.Sealed, error) {
	return Sealed(field, plaintext), nil
}

func (Sealer) BlindIndex(idNumber string) string { return Index(idNumber) }

// Sealed is what Sealer.Seal returns.
func Sealed(field, plaintext string) domain.Sealed {
	return domain.Sealed("sealed(" + field + "):" + plaintext)
}

// Index is what Sealer.BlindIndex returns.
func Index(idNumber string) string { return "index:" + idNumber }

// FailingSealer fails every Seal, as when the key store is unreachable.
type FailingSealer struct{ Err error }

func (f FailingSealer) Seal(string, string) (domain.Sealed, error) { return "", f.Err }
func (FailingSealer) BlindIndex(idNumber string) string            { return Index(idNumber) }
