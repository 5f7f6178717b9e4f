package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
)

// ListHotlineCalls lists a tenant's calls, filtered.
type ListHotlineCalls struct {
	Filter           postgres.CallFilter
	PageSize         int32
	PageToken        string
	ConsistencyToken string
	Caller           Caller
}

// CallPage is one page of calls.
type CallPage struct {
	Calls []CallResult
	Next  string
}

// ListHotlineCalls pages through the index and loads each call (masked).
func (a *App) ListHotlineCalls(ctx context.Context, q ListHotlineCalls) (CallPage, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return CallPage{}, err
	}
	size, err := pageSize(q.PageSize)
	if err != nil {
		return CallPage{}, err
	}
	if err := a.waitFor(ctx, q.ConsistencyToken); err != nil {
		return CallPage{}, err
	}
	p, err := a.Index.ListCalls(ctx, q.Filter, size, q.PageToken)
	if err != nil {
		return CallPage{}, err
	}
	out := CallPage{Next: p.Next}
	for _, id := range p.IDs {
		c, err := a.GetHotlineCall(ctx, q.Filter.Tenant, id, Reveal{}, q.Caller)
		if err != nil {
			return CallPage{}, err
		}
		out.Calls = append(out.Calls, c)
	}
	return out, nil
}
