package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// MarkVisitMissed records that a scheduled visit did not take place.
type MarkVisitMissed struct {
	Tenant  string
	VisitID uuid.UUID
	Reason  string
	Etag    string
	Caller  Caller
}

// MarkVisitMissed records the miss, from the planned day on.
func (a *App) MarkVisitMissed(ctx context.Context, cmd MarkVisitMissed) (VisitResult, error) {
	return a.changeVisit(ctx, visitCommand{cmd.Tenant, cmd.VisitID, cmd.Etag, cmd.Caller}, func(v *visit.Visit) error {
		return v.MarkMissed(visit.MarkMissed{Reason: cmd.Reason}, a.Now())
	})
}
