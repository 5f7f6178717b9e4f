package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// ListCardEditions lists a tenant's editions by revision, newest first;
// with inEffectOn ("YYYY-MM-DD") only those in effect that day. A station
// has tens of editions: the list is not paginated.
func (a *App) ListCardEditions(ctx context.Context, tenant, inEffectOn string) ([]EditionResult, error) {
	if _, err := a.reference(tenant); err != nil {
		return nil, err
	}
	var day domainkit.Date
	if inEffectOn != "" {
		d, err := domainkit.ParseDate(inEffectOn)
		if err != nil {
			return nil, domainkit.Invalid("in_effect_date", err)
		}
		day = d
	}
	revisions, err := a.Index.EditionRevisions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []EditionResult
	for _, rev := range revisions {
		e, err := a.GetCardEdition(ctx, tenant, rev)
		if err != nil {
			return nil, err
		}
		if day.IsZero() || e.Aggregate.InEffectOn(day) {
			out = append(out, e)
		}
	}
	return out, nil
}
