package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

// CallResult is a hotline call as a read or a write returns it.
type CallResult struct {
	aggregate.Loaded[*hotline.Call]
	Tenant string
	// CallerNumber, Notes and FollowUpNote are shown in clear when
	// revealed, Masked otherwise, "" when absent or shredded.
	CallerNumber, Notes, FollowUpNote string
	Revealed                          bool
	ConsistencyToken                  string
}

// CallName is the resource name of a hotline call.
func CallName(tenant string, id uuid.UUID) string {
	return "tenants/" + tenant + "/hotlineCalls/" + id.String()
}

// presentCall shows a loaded call, sealed fields masked unless r reveals them.
func (a *App) presentCall(ctx context.Context, tenant string, l aggregate.Loaded[*hotline.Call], token string, r Reveal, c Caller) (CallResult, error) {
	call := l.Aggregate
	res := CallResult{Loaded: l, Tenant: tenant, ConsistencyToken: token}
	f, _ := call.Closure()
	if call.Caller().Number == "" && call.Notes() == "" && f.Note == "" {
		return res, nil
	}
	var persons []string
	if p := call.Caller().PersonID; p != "" {
		persons = []string{p}
	}
	o, err := a.openFor(ctx, tenant, CallName(tenant, call.ID()), call.ID(), persons, r, c, []string{"caller_number", "notes", "follow_up.note"})
	if err != nil {
		return CallResult{}, err
	}
	if res.CallerNumber, err = o.show("caller_number", call.Caller().Number); err != nil {
		return CallResult{}, err
	}
	if res.Notes, err = o.show("notes", call.Notes()); err != nil {
		return CallResult{}, err
	}
	if res.FollowUpNote, err = o.show("note", f.Note); err != nil {
		return CallResult{}, err
	}
	res.Revealed = o.c != nil
	return res, nil
}

// callCommand is what every command on an existing call carries.
type callCommand struct {
	Tenant string
	CallID uuid.UUID
	Etag   string
	Caller Caller
}

func (a *App) changeCall(ctx context.Context, cmd callCommand, decide func(c *hotline.Call) error) (CallResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return CallResult{}, err
	}
	w, err := a.Repos.Calls.Handle(ctx, aggregate.Command[*hotline.Call]{
		Stream: postgres.CallStream(cmd.CallID), Etag: cmd.Etag, Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(c *hotline.Call, _ aggregate.Loaded[*hotline.Call]) error {
			if c.ID() == uuid.Nil || c.Tenant() != cmd.Tenant {
				return hotline.ErrNotReceived
			}
			return decide(c)
		},
	})
	if err != nil {
		return CallResult{}, err
	}
	return a.presentCall(ctx, cmd.Tenant, w.Loaded, w.Token, Reveal{}, cmd.Caller)
}
