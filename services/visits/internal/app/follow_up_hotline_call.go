package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// FollowUpHotlineCall closes a call with its follow-up.
type FollowUpHotlineCall struct {
	Tenant string
	CallID uuid.UUID
	hotline.FollowUpCall
	Etag   string
	Caller Caller
}

// FollowUpHotlineCall checks a follow-up visit exists in the tenant and
// records the follow-up.
func (a *App) FollowUpHotlineCall(ctx context.Context, cmd FollowUpHotlineCall) (CallResult, error) {
	if cmd.VisitID != uuid.Nil {
		l, err := a.Repos.Visits.Load(ctx, postgres.VisitStream(cmd.VisitID))
		if err != nil {
			return CallResult{}, err
		}
		if l.Version == 0 || l.Aggregate.Details().Tenant != cmd.Tenant || l.Aggregate.Status() != visit.StatusCompleted {
			return CallResult{}, ReferenceErrors{{Field: "visit_id", Reason: "is not a completed visit of " + cmd.Tenant}}
		}
	}
	return a.changeCall(ctx, callCommand{cmd.Tenant, cmd.CallID, cmd.Etag, cmd.Caller}, func(c *hotline.Call) error {
		return c.FollowUp(cmd.FollowUpCall, a.sealer(ctx, cmd.Tenant, cmd.CallID), a.Now())
	})
}
