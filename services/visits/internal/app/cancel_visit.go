package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// CancelVisit decides that a scheduled visit will not take place.
type CancelVisit struct {
	Tenant  string
	VisitID uuid.UUID
	Reason  string
	Etag    string
	Caller  Caller
}

// CancelVisit records the cancellation.
func (a *App) CancelVisit(ctx context.Context, cmd CancelVisit) (VisitResult, error) {
	return a.changeVisit(ctx, visitCommand{cmd.Tenant, cmd.VisitID, cmd.Etag, cmd.Caller}, func(v *visit.Visit) error {
		return v.Cancel(visit.CancelVisit{Reason: cmd.Reason}, a.Now())
	})
}
