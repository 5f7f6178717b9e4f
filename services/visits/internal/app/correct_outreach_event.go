package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
)

// CorrectOutreachEvent is the command to correct an event's figures.
type CorrectOutreachEvent struct {
	Tenant  string
	EventID uuid.UUID
	outreach.CorrectOutreach
	Etag   string
	Caller Caller
}

// CorrectOutreachEvent checks the card editions and records the correction.
func (a *App) CorrectOutreachEvent(ctx context.Context, cmd CorrectOutreachEvent) (OutreachResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return OutreachResult{}, err
	}
	stream := postgres.OutreachStream(cmd.EventID)
	w, err := a.Repos.Outreach.Handle(ctx, aggregate.Command[*outreach.Outreach]{
		Stream: stream, Etag: cmd.Etag, Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(e *outreach.Outreach, _ aggregate.Loaded[*outreach.Outreach]) error {
			if e.Tenant() != cmd.Tenant {
				return outreach.ErrNotRecorded
			}
			var errs ReferenceErrors
			if err := a.checkEditions(ctx, &errs, cmd.Tenant, "cards", cmd.Cards, e.HeldOn()); err != nil {
				return err
			}
			if err := errs.err(); err != nil {
				return err
			}
			return e.Correct(cmd.CorrectOutreach)
		},
	})
	return OutreachResult{Loaded: w.Loaded, ConsistencyToken: w.Token}, err
}
