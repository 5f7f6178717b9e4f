package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

// EditionResult is a card edition as a read or a write returns it.
type EditionResult struct {
	aggregate.Loaded[*cardedition.Edition]
	ConsistencyToken string
}

// PublishCardEdition is the command to publish a policy card edition.
type PublishCardEdition struct {
	cardedition.PublishEdition
	Caller Caller
}

// PublishCardEdition records the edition; a revision is published once.
func (a *App) PublishCardEdition(ctx context.Context, cmd PublishCardEdition) (EditionResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return EditionResult{}, err
	}
	if cmd.Revision < 1 || cmd.Revision > cardedition.MaxRevision {
		return EditionResult{}, domainkit.Invalid("revision", cardedition.ErrRevision)
	}
	w, err := a.Repos.Editions.Handle(ctx, aggregate.Command[*cardedition.Edition]{
		Stream: postgres.EditionStream(cmd.Tenant, cmd.Revision), Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(e *cardedition.Edition, _ aggregate.Loaded[*cardedition.Edition]) error {
			return e.Publish(cmd.PublishEdition, a.Now())
		},
	})
	return EditionResult{Loaded: w.Loaded, ConsistencyToken: w.Token}, err
}

// RetireCardEdition is the command to stop handing out an edition.
type RetireCardEdition struct {
	Tenant   string
	Revision int
	cardedition.RetireEdition
	Etag   string
	Caller Caller
}

// RetireCardEdition records the retirement.
func (a *App) RetireCardEdition(ctx context.Context, cmd RetireCardEdition) (EditionResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return EditionResult{}, err
	}
	w, err := a.Repos.Editions.Handle(ctx, aggregate.Command[*cardedition.Edition]{
		Stream: postgres.EditionStream(cmd.Tenant, cmd.Revision), Etag: cmd.Etag, Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(e *cardedition.Edition, _ aggregate.Loaded[*cardedition.Edition]) error {
			return e.Retire(cmd.RetireEdition, a.Now())
		},
	})
	return EditionResult{Loaded: w.Loaded, ConsistencyToken: w.Token}, err
}

// GetCardEdition reads an edition; cardedition.ErrNotPublished if there is
// none.
func (a *App) GetCardEdition(ctx context.Context, tenant string, revision int) (EditionResult, error) {
	if _, err := a.reference(tenant); err != nil {
		return EditionResult{}, err
	}
	stream := postgres.EditionStream(tenant, revision)
	l, err := a.Repos.Editions.Load(ctx, stream)
	if err != nil {
		return EditionResult{}, err
	}
	if l.Version == 0 {
		return EditionResult{}, cardedition.ErrNotPublished
	}
	return EditionResult{Loaded: l, ConsistencyToken: a.Repos.Editions.Token(stream, l.Version)}, nil
}

// ListCardEditions lists a tenant's editions by revision, newest first;
// with inEffectOn ("YYYY-MM-DD") only those in effect that day. A station
// has tens of editions: the list is not paginated.
func (a *App) ListCardEditions(ctx context.Context, tenant, inEffectOn string) ([]EditionResult, error) {
	if _, err := a.reference(tenant); err != nil {
		return nil, err
	}
	var day domainkit.Date
	if inEffectOn != "" {
		d, err := domainkit.ParseDate(inEffectOn)
		if err != nil {
			return nil, domainkit.Invalid("in_effect_date", err)
		}
		day = d
	}
	revisions, err := a.Index.EditionRevisions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []EditionResult
	for _, rev := range revisions {
		e, err := a.GetCardEdition(ctx, tenant, rev)
		if err != nil {
			return nil, err
		}
		if day.IsZero() || e.Aggregate.InEffectOn(day) {
			out = append(out, e)
		}
	}
	return out, nil
}
