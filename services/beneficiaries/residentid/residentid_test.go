package residentid_test

import (
	"testing"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
)

func TestCheckChar(t *testing.T) {
	for first17, want := range map[string]byte{
		"11010519491231002": 'X', // the standard's own example
		"44011819410308003": '1',
	} {
		if got := residentid.CheckChar(first17); got != want {
			t.Errorf("CheckChar(%s) = %c, want %c", first17, got, want)
		}
	}
}
