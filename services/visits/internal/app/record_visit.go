package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// RecordVisit records a visit that took place without being scheduled,
// perhaps days ago and offline.
type RecordVisit struct {
	VisitID string // optional, client-chosen UUID
	visit.RecordVisit
	Caller Caller
}

// RecordVisit checks whom the visit names and the card editions handed out,
// and records it as completed. The visit counts for the month it occurred in.
func (a *App) RecordVisit(ctx context.Context, cmd RecordVisit) (VisitResult, error) {
	id, err := aggregate.NewID(cmd.VisitID, "visit_id", cmd.Tenant, cmd.Caller.RequestID)
	if err != nil {
		return VisitResult{}, err
	}
	cmd.RecordVisit.VisitID = id
	if err := a.checkDetails(ctx, cmd.VisitDetails); err != nil {
		return VisitResult{}, err
	}
	var errs ReferenceErrors
	if err := a.checkEditions(ctx, &errs, cmd.Tenant, "report.cards", cmd.Report.Cards, occurredOn(cmd.Report)); err != nil {
		return VisitResult{}, err
	}
	if err := errs.err(); err != nil {
		return VisitResult{}, err
	}
	w, err := a.Repos.Visits.Handle(ctx, aggregate.Command[*visit.Visit]{
		Stream: postgres.VisitStream(id), Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(v *visit.Visit, _ aggregate.Loaded[*visit.Visit]) error {
			return v.Record(cmd.RecordVisit, a.sealer(ctx, cmd.Tenant, id), a.Now())
		},
	})
	if err != nil {
		return VisitResult{}, err
	}
	return a.presentVisit(ctx, cmd.Tenant, w.Loaded, w.Token, Reveal{}, cmd.Caller)
}

// occurredOn is the day in China a report says the visit took place; zero
// when it gives no time (the domain refuses that).
func occurredOn(r visit.ReportVisit) domainkit.Date {
	if r.OccurredAt.IsZero() {
		return domainkit.Date{}
	}
	return domainkit.Today(r.OccurredAt)
}
