package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
)

// OutreachResult is a publicity event as a read or a write returns it.
type OutreachResult struct {
	aggregate.Loaded[*outreach.Outreach]
	ConsistencyToken string
}

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

// ListOutreachEvents lists a tenant's publicity events, filtered.
type ListOutreachEvents struct {
	Filter           postgres.OutreachFilter
	PageSize         int32
	PageToken        string
	ConsistencyToken string
}

// OutreachPage is one page of publicity events.
type OutreachPage struct {
	Events []OutreachResult
	Next   string
}

// ListOutreachEvents pages through the index and loads each event.
func (a *App) ListOutreachEvents(ctx context.Context, q ListOutreachEvents) (OutreachPage, error) {
	if _, err := a.reference(q.Filter.Tenant); err != nil {
		return OutreachPage{}, err
	}
	var errs domainkit.FieldErrors
	for field, d := range map[string]string{"start_date": q.Filter.From, "end_date": q.Filter.To} {
		if d != "" {
			_, err := domainkit.ParseDate(d)
			errs.Add(field, err)
		}
	}
	size, err := pageSize(q.PageSize)
	errs.Add("", err)
	if err := errs.Err(); err != nil {
		return OutreachPage{}, err
	}
	if err := a.waitFor(ctx, q.ConsistencyToken); err != nil {
		return OutreachPage{}, err
	}
	p, err := a.Index.ListOutreach(ctx, q.Filter, size, q.PageToken)
	if err != nil {
		return OutreachPage{}, err
	}
	out := OutreachPage{Next: p.Next}
	for _, id := range p.IDs {
		e, err := a.GetOutreachEvent(ctx, q.Filter.Tenant, id)
		if err != nil {
			return OutreachPage{}, err
		}
		out.Events = append(out.Events, e)
	}
	return out, nil
}

// GetOutreachEvent reads a publicity event; outreach.ErrNotRecorded if the
// tenant has none with the id.
func (a *App) GetOutreachEvent(ctx context.Context, tenant string, id uuid.UUID) (OutreachResult, error) {
	if _, err := a.reference(tenant); err != nil {
		return OutreachResult{}, err
	}
	stream := postgres.OutreachStream(id)
	l, err := a.Repos.Outreach.Load(ctx, stream)
	if err != nil {
		return OutreachResult{}, err
	}
	if l.Version == 0 || l.Aggregate.Tenant() != tenant {
		return OutreachResult{}, outreach.ErrNotRecorded
	}
	return OutreachResult{Loaded: l, ConsistencyToken: a.Repos.Outreach.Token(stream, l.Version)}, nil
}
