package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// GetVisit reads a visit; with Reveal.Full its notes in clear, audited.
type GetVisit struct {
	Tenant  string
	VisitID uuid.UUID
	Reveal  Reveal
	Caller  Caller
}

// GetVisit loads the visit from its stream.
func (a *App) GetVisit(ctx context.Context, q GetVisit) (VisitResult, error) {
	if _, err := a.reference(q.Tenant); err != nil {
		return VisitResult{}, err
	}
	stream := postgres.VisitStream(q.VisitID)
	l, err := a.Repos.Visits.Load(ctx, stream)
	if err != nil {
		return VisitResult{}, err
	}
	if l.Version == 0 || l.Aggregate.Details().Tenant != q.Tenant {
		return VisitResult{}, visit.ErrUnknownVisit
	}
	return a.presentVisit(ctx, q.Tenant, l, a.Repos.Visits.Token(stream, l.Version), q.Reveal, q.Caller)
}
