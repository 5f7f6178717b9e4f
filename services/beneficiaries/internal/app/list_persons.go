package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// ListPersons is one page of the persons view.
type ListPersons struct {
	Filter   postgres.PersonFilter
	PageSize int
	After    uuid.UUID // from the page token; uuid.Nil for the first page
	// ConsistencyToken, when given, makes the list wait (bounded) until it
	// reflects that write.
	ConsistencyToken string
}

// ListPersons returns one page and whether there are more. The view holds no
// sensitive fields, so nothing is decrypted or audited.
func (a *App) ListPersons(ctx context.Context, q ListPersons) ([]postgres.PersonRow, bool, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return nil, false, err
	}
	if q.ConsistencyToken != "" {
		t, err := projection.ParseToken(q.ConsistencyToken)
		if err != nil || t.Service != postgres.ServiceName {
			return nil, false, domain.FieldErrors{{Field: "consistency_token", Reason: "is not a consistency token of this service"}}
		}
		wctx, cancel := context.WithTimeout(ctx, a.ConsistencyWait)
		err = a.View.Runner.WaitFor(wctx, t)
		cancel()
		if errors.Is(err, projection.ErrNotCaughtUp) && ctx.Err() == nil {
			return nil, false, fmt.Errorf("%w (waited %s)", ErrNotCaughtUp, a.ConsistencyWait.Round(time.Millisecond))
		}
		if err != nil {
			return nil, false, err
		}
	}
	rows, err := a.View.List(ctx, q.Filter, q.After, q.PageSize+1)
	if err != nil {
		return nil, false, err
	}
	if len(rows) > q.PageSize {
		return rows[:q.PageSize], true, nil
	}
	return rows, false, nil
}
