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

func TestSamplesAreValidDistinctAndEncodeTheirBirthDate(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 99, 100, 36499} {
		id, birth := residentid.Sample(i)
		if len(id) != 18 || residentid.CheckChar(id[:17]) != id[17] || seen[id] {
			t.Fatalf("Sample(%d) = %s: not a valid, new ID number", i, id)
		}
		seen[id] = true
		if got := id[6:10] + "-" + id[10:12] + "-" + id[12:14]; got != birth {
			t.Fatalf("Sample(%d) = %s encodes %s, says born %s", i, id, got, birth)
		}
	}
}
