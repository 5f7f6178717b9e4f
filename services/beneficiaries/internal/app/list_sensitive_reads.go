package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/audit"
)

// ListSensitiveReads pages through the audit log of reveals, newest first.
type ListSensitiveReads struct {
	Filter   audit.Filter
	PageSize int
	Before   uuid.UUID // from the page token; uuid.Nil for the first page
}

// ListSensitiveReads returns one page and whether there are more.
func (a *App) ListSensitiveReads(ctx context.Context, q ListSensitiveReads) ([]audit.SensitiveRead, bool, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return nil, false, err
	}
	rows, err := a.Audit.List(ctx, q.Filter, q.Before, q.PageSize+1)
	if err != nil {
		return nil, false, err
	}
	if len(rows) > q.PageSize {
		return rows[:q.PageSize], true, nil
	}
	return rows, false, nil
}
