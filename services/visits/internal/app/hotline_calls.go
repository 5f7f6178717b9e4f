package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
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

// TriageHotlineCall gives a call its follow-up owner (and regrades it).
type TriageHotlineCall struct {
	Tenant string
	CallID uuid.UUID
	hotline.TriageCall
	Etag   string
	Caller Caller
}

// TriageHotlineCall records the triage.
func (a *App) TriageHotlineCall(ctx context.Context, cmd TriageHotlineCall) (CallResult, error) {
	return a.changeCall(ctx, callCommand{cmd.Tenant, cmd.CallID, cmd.Etag, cmd.Caller}, func(c *hotline.Call) error {
		return c.Triage(cmd.TriageCall, a.Hotline, a.Now())
	})
}

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

// GetHotlineCall reads a call; with Reveal.Full its sealed fields in clear.
func (a *App) GetHotlineCall(ctx context.Context, tenant string, id uuid.UUID, r Reveal, c Caller) (CallResult, error) {
	if _, err := a.reference(tenant); err != nil {
		return CallResult{}, err
	}
	stream := postgres.CallStream(id)
	l, err := a.Repos.Calls.Load(ctx, stream)
	if err != nil {
		return CallResult{}, err
	}
	if l.Version == 0 || l.Aggregate.Tenant() != tenant {
		return CallResult{}, hotline.ErrNotReceived
	}
	return a.presentCall(ctx, tenant, l, a.Repos.Calls.Token(stream, l.Version), r, c)
}

// ListHotlineCalls lists a tenant's calls, filtered.
type ListHotlineCalls struct {
	Filter           postgres.CallFilter
	PageSize         int32
	PageToken        string
	ConsistencyToken string
	Caller           Caller
}

// CallPage is one page of calls.
type CallPage struct {
	Calls []CallResult
	Next  string
}

// ListHotlineCalls pages through the index and loads each call (masked).
func (a *App) ListHotlineCalls(ctx context.Context, q ListHotlineCalls) (CallPage, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return CallPage{}, err
	}
	size, err := pageSize(q.PageSize)
	if err != nil {
		return CallPage{}, err
	}
	if err := a.waitFor(ctx, q.ConsistencyToken); err != nil {
		return CallPage{}, err
	}
	p, err := a.Index.ListCalls(ctx, q.Filter, size, q.PageToken)
	if err != nil {
		return CallPage{}, err
	}
	out := CallPage{Next: p.Next}
	for _, id := range p.IDs {
		c, err := a.GetHotlineCall(ctx, q.Filter.Tenant, id, Reveal{}, q.Caller)
		if err != nil {
			return CallPage{}, err
		}
		out.Calls = append(out.Calls, c)
	}
	return out, nil
}

// Overdue reports whether the call is open past its due time at now.
func (r CallResult) Overdue(now time.Time) bool { return r.Aggregate.Overdue(now) }
