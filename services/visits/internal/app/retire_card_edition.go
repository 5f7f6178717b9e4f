package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

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
