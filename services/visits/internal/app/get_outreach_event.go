package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
)

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
