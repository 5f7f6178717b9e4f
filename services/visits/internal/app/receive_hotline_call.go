package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

// ReceiveHotlineCall records a call on the hotline.
type ReceiveHotlineCall struct {
	CallID string // optional, client-chosen UUID
	hotline.ReceiveCall
	Caller Caller
}

// ReceiveHotlineCall checks a known caller against the register and records
// the call, due for follow-up by its urgency.
func (a *App) ReceiveHotlineCall(ctx context.Context, cmd ReceiveHotlineCall) (CallResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return CallResult{}, err
	}
	id, err := aggregate.NewID(cmd.CallID, "hotline_call_id", cmd.Tenant, cmd.Caller.RequestID)
	if err != nil {
		return CallResult{}, err
	}
	cmd.ReceiveCall.CallID = id
	if cmd.CallerPersonID != "" {
		var errs ReferenceErrors
		if err := a.checkPersons(ctx, &errs, cmd.Tenant, "caller_person_id", []string{cmd.CallerPersonID}, false); err != nil {
			return CallResult{}, err
		}
		if err := errs.err(); err != nil {
			return CallResult{}, err
		}
	}
	w, err := a.Repos.Calls.Handle(ctx, aggregate.Command[*hotline.Call]{
		Stream: postgres.CallStream(id), Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(c *hotline.Call, _ aggregate.Loaded[*hotline.Call]) error {
			return c.Receive(cmd.ReceiveCall, a.Hotline, a.sealer(ctx, cmd.Tenant, id), a.Now())
		},
	})
	if err != nil {
		return CallResult{}, err
	}
	return a.presentCall(ctx, cmd.Tenant, w.Loaded, w.Token, Reveal{}, cmd.Caller)
}
