package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

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
