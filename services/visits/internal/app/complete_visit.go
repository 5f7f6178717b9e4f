package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// CompleteVisit reports a scheduled (or missed) visit as done.
type CompleteVisit struct {
	Tenant  string
	VisitID uuid.UUID
	Report  visit.ReportVisit
	Etag    string
	Caller  Caller
}

// CompleteVisit checks the card editions handed out and records the report.
// The same report sent twice (same report id) records nothing.
func (a *App) CompleteVisit(ctx context.Context, cmd CompleteVisit) (VisitResult, error) {
	if err := a.checkReportCards(ctx, cmd.Tenant, cmd.Report); err != nil {
		return VisitResult{}, err
	}
	return a.changeVisit(ctx, visitCommand{cmd.Tenant, cmd.VisitID, cmd.Etag, cmd.Caller}, func(v *visit.Visit) error {
		return v.Complete(cmd.Report, a.sealer(ctx, cmd.Tenant, cmd.VisitID), a.Now())
	})
}

func (a *App) checkReportCards(ctx context.Context, tenant string, r visit.ReportVisit) error {
	if _, err := a.reference(tenant); err != nil {
		return err
	}
	var errs ReferenceErrors
	if err := a.checkEditions(ctx, &errs, tenant, "report.cards", r.Cards, occurredOn(r)); err != nil {
		return err
	}
	return errs.err()
}
