package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
)

// ListOutreachEvents lists a tenant's publicity events, filtered.
type ListOutreachEvents struct {
	Filter           postgres.OutreachFilter
	PageSize         int32
	PageToken        string
	ConsistencyToken string
}

// OutreachPage is one page of publicity events.
type OutreachPage struct {
	Events []OutreachResult
	Next   string
}

// ListOutreachEvents pages through the index and loads each event.
func (a *App) ListOutreachEvents(ctx context.Context, q ListOutreachEvents) (OutreachPage, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return OutreachPage{}, err
	}
	var errs domainkit.FieldErrors
	for field, d := range map[string]string{"start_date": q.Filter.From, "end_date": q.Filter.To} {
		if d != "" {
			_, err := domainkit.ParseDate(d)
			errs.Add(field, err)
		}
	}
	size, err := pageSize(q.PageSize)
	errs.Add("", err)
	if err := errs.Err(); err != nil {
		return OutreachPage{}, err
	}
	if err := a.waitFor(ctx, q.ConsistencyToken); err != nil {
		return OutreachPage{}, err
	}
	p, err := a.Index.ListOutreach(ctx, q.Filter, size, q.PageToken)
	if err != nil {
		return OutreachPage{}, err
	}
	out := OutreachPage{Next: p.Next}
	for _, id := range p.IDs {
		e, err := a.GetOutreachEvent(ctx, q.Filter.Tenant, id)
		if err != nil {
			return OutreachPage{}, err
		}
		out.Events = append(out.Events, e)
	}
	return out, nil
}
