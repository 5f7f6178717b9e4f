package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
)

// AssignmentsResult is a social worker's village assignments.
type AssignmentsResult struct {
	aggregate.Loaded[*assignment.Assignment]
	Tenant, SocialWorker string
	ConsistencyToken     string
}

// AssignmentCommand names the social worker a command is for.
type AssignmentCommand struct {
	Tenant       string
	SocialWorker string
	Etag         string
	Caller       Caller
}

func (a *App) changeAssignments(ctx context.Context, cmd AssignmentCommand, village string, decide func(x *assignment.Assignment) error) (AssignmentsResult, error) {
	ref, err := a.reference(cmd.Tenant)
	if err != nil {
		return AssignmentsResult{}, err
	}
	if _, err := domainkit.ParseID(cmd.SocialWorker); err != nil {
		return AssignmentsResult{}, domainkit.Invalid("name", err)
	}
	var errs ReferenceErrors
	a.checkVillage(&errs, ref, "village", village)
	if err := errs.err(); err != nil {
		return AssignmentsResult{}, err
	}
	w, err := a.Repos.Assignments.Handle(ctx, aggregate.Command[*assignment.Assignment]{
		Stream: postgres.AssignmentStream(cmd.Tenant, cmd.SocialWorker), Etag: cmd.Etag, Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(x *assignment.Assignment, _ aggregate.Loaded[*assignment.Assignment]) error { return decide(x) },
	})
	return AssignmentsResult{Loaded: w.Loaded, Tenant: cmd.Tenant, SocialWorker: cmd.SocialWorker, ConsistencyToken: w.Token}, err
}
