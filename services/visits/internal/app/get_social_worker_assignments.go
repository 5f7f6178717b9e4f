package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
)

// GetSocialWorkerAssignments reads a social worker's assignments;
// assignment.ErrNoAssignments if they never held a village.
func (a *App) GetSocialWorkerAssignments(ctx context.Context, tenant, socialWorker string) (AssignmentsResult, error) {
	if _, err := a.reference(tenant); err != nil {
		return AssignmentsResult{}, err
	}
	if _, err := domainkit.ParseID(socialWorker); err != nil {
		return AssignmentsResult{}, domainkit.Invalid("name", err)
	}
	stream := postgres.AssignmentStream(tenant, socialWorker)
	l, err := a.Repos.Assignments.Load(ctx, stream)
	if err != nil {
		return AssignmentsResult{}, err
	}
	if l.Version == 0 {
		return AssignmentsResult{}, assignment.ErrNoAssignments
	}
	return AssignmentsResult{Loaded: l, Tenant: tenant, SocialWorker: socialWorker, ConsistencyToken: a.Repos.Assignments.Token(stream, l.Version)}, nil
}
