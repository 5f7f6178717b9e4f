package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
)

// ListVisits lists a tenant's visits, filtered, in creation order.
type ListVisits struct {
	Filter           postgres.VisitFilter
	PageSize         int32
	PageToken        string
	ConsistencyToken string
	Caller           Caller
}

// VisitPage is one page of visits.
type VisitPage struct {
	Visits []VisitResult
	Next   string
}

// ListVisits waits for the consistency token, pages through the index and
// loads each visit from its stream (notes masked).
func (a *App) ListVisits(ctx context.Context, q ListVisits) (VisitPage, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return VisitPage{}, err
	}
	size, err := pageSize(q.PageSize)
	if err != nil {
		return VisitPage{}, err
	}
	if err := a.waitFor(ctx, q.ConsistencyToken); err != nil {
		return VisitPage{}, err
	}
	p, err := a.Index.ListVisits(ctx, q.Filter, size, q.PageToken)
	if err != nil {
		return VisitPage{}, err
	}
	out := VisitPage{Next: p.Next}
	for _, id := range p.IDs {
		v, err := a.GetVisit(ctx, GetVisit{Tenant: q.Filter.Tenant, VisitID: id, Caller: q.Caller})
		if err != nil {
			return VisitPage{}, err
		}
		out.Visits = append(out.Visits, v)
	}
	return out, nil
}
