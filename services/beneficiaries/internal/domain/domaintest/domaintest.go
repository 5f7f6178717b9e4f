// Package domaintest holds test doubles for the beneficiaries domain: those of
// domainkittest with the beneficiaries Sealer's BlindIndex added.
package domaintest

import (
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/platform/domainkit/domainkittest"
)

// Sealer "seals" by labelling the plaintext, so that expected events in tests
// stay readable: Seal("phone", "13800000000") is "sealed(phone):13800000000".
type Sealer struct{ domainkittest.Sealer }

func (Sealer) BlindIndex(idNumber string) string { return Index(idNumber) }

// Sealed is what Sealer.Seal returns.
func Sealed(field, plaintext string) domain.Sealed { return domainkittest.Sealed(field, plaintext) }

// Index is what Sealer.BlindIndex returns.
func Index(idNumber string) string { return "index:" + idNumber }

// FailingSealer fails every Seal, as when the key store is unreachable.
type FailingSealer struct{ Err error }

func (f FailingSealer) Seal(field, plaintext string) (domain.Sealed, error) {
	return domainkittest.FailingSealer{Err: f.Err}.Seal(field, plaintext)
}

func (FailingSealer) BlindIndex(idNumber string) string { return Index(idNumber) }
