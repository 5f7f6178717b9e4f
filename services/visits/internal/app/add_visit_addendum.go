package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// AddVisitAddendum adds a further report to a completed visit: a second
// offline record of the same visit is kept beside the first, never over it.
type AddVisitAddendum struct {
	Tenant  string
	VisitID uuid.UUID
	Report  visit.ReportVisit
	Etag    string
	Caller  Caller
}

// AddVisitAddendum checks the card editions and records the addendum.
func (a *App) AddVisitAddendum(ctx context.Context, cmd AddVisitAddendum) (VisitResult, error) {
	if err := a.checkReportCards(ctx, cmd.Tenant, cmd.Report); err != nil {
		return VisitResult{}, err
	}
	return a.changeVisit(ctx, visitCommand{cmd.Tenant, cmd.VisitID, cmd.Etag, cmd.Caller}, func(v *visit.Visit) error {
		return v.AddAddendum(cmd.Report, a.sealer(ctx, cmd.Tenant, cmd.VisitID), a.Now())
	})
}
