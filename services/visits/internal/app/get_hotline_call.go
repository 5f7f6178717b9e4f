package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

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
