package domain_test

import (
	"errors"
	"testing"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
)

var errCheck = errors.New("check digit is wrong")

func TestFieldErrors(t *testing.T) {
	t.Parallel()
	var errs domain.FieldErrors
	if errs.Err() != nil {
		t.Fatal("no violations must be a nil error")
	}
	errs.Add("name", nil)
	errs.Add("id_number", errCheck)
	errs.Add("ignored", domain.FieldErrors{{Field: "tier", Reason: "must be 1, 2, 3 or 4"}})
	errs.Add("ignored", &domain.FieldError{Field: "month", Reason: "is in the future"})
	err := errs.Err()
	if len(errs) != 3 {
		t.Fatalf("got %d violations, want 3: %v", len(errs), err)
	}
	if got, want := err.Error(), "invalid id_number: check digit is wrong; tier: must be 1, 2, 3 or 4; month: is in the future"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	for _, target := range []error{
		errCheck,
		&domain.FieldError{Field: "id_number"},
		&domain.FieldError{Field: "id_number", Reason: "check digit is wrong"},
		&domain.FieldError{Field: "month"},
	} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
	for _, target := range []error{
		&domain.FieldError{Field: "name"},
		&domain.FieldError{Field: "id_number", Reason: "is required"},
	} {
		if errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = true", err, target)
		}
	}
	var fe *domain.FieldError
	if !errors.As(err, &fe) || fe.Field != "id_number" {
		t.Errorf("errors.As found %v", fe)
	}
}
