package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
)

// RecordOutreachEvent is the command to record a publicity event.
type RecordOutreachEvent struct {
	EventID string // optional, client-chosen UUID
	outreach.RecordOutreach
	Caller Caller
}

// RecordOutreachEvent checks the village and the card editions handed out,
// and records the event.
func (a *App) RecordOutreachEvent(ctx context.Context, cmd RecordOutreachEvent) (OutreachResult, error) {
	ref, err := a.reference(cmd.Tenant)
	if err != nil {
		return OutreachResult{}, err
	}
	id, err := aggregate.NewID(cmd.EventID, "outreach_event_id", cmd.Tenant, cmd.Caller.RequestID)
	if err != nil {
		return OutreachResult{}, err
	}
	cmd.RecordOutreach.EventID = id
	var errs ReferenceErrors
	a.checkVillage(&errs, ref, "village", cmd.Village)
	if day, err := domainkit.ParseDate(cmd.HeldOn); err == nil {
		if err := a.checkEditions(ctx, &errs, cmd.Tenant, "cards", cmd.Cards, day); err != nil {
			return OutreachResult{}, err
		}
	}
	if err := errs.err(); err != nil {
		return OutreachResult{}, err
	}
	w, err := a.Repos.Outreach.Handle(ctx, aggregate.Command[*outreach.Outreach]{
		Stream: postgres.OutreachStream(id), Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(e *outreach.Outreach, _ aggregate.Loaded[*outreach.Outreach]) error {
			return e.Record(cmd.RecordOutreach, a.Now())
		},
	})
	return OutreachResult{Loaded: w.Loaded, ConsistencyToken: w.Token}, err
}
