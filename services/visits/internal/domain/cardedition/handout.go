package cardedition

import (
	"fmt"
	"strconv"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Handout is a number of cards of one edition handed out, on a visit or at an
// outreach event. Events carry it as is; the figures "cards handed out by
// edition" are sums of Count.
type Handout struct {
	Edition int `json:"edition"` // the revision number
	Count   int `json:"count"`
}

// ParseHandouts checks a list of handouts into errs under field[i].edition
// and field[i].count: a revision number from 1 to MaxRevision, a count from 1
// to maxCount, each edition once (a second line for one edition would be
// counted twice). Whether an edition exists and was in effect is for the app
// layer to check against its editions.
func ParseHandouts(errs *domainkit.FieldErrors, field string, in []Handout, maxCount int) []Handout {
	var out []Handout
	for i, h := range in {
		at := field + "[" + strconv.Itoa(i) + "]"
		switch {
		case h.Edition < 1 || h.Edition > MaxRevision:
			errs.Add(at+".edition", ErrRevision)
		case editionListed(out, h.Edition):
			errs.Add(at+".edition", domainkit.ErrListedTwice)
		}
		if h.Count < 1 || h.Count > maxCount {
			errs.Add(at+".count", ErrCount{Max: maxCount})
		}
		out = append(out, h)
	}
	return out
}

func editionListed(hs []Handout, edition int) bool {
	for _, h := range hs {
		if h.Edition == edition {
			return true
		}
	}
	return false
}

// ErrCount is the reason for a number of cards outside 1 to Max.
type ErrCount struct{ Max int }

func (e ErrCount) Error() string { return fmt.Sprintf("must be from 1 to %d", e.Max) }
