package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

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
