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

// AssignVillage makes a social worker responsible for a village.
type AssignVillage struct {
	AssignmentCommand
	Village, EffectiveOn, Reason string
}

// AssignVillage records the assignment; a third village needs a reason.
func (a *App) AssignVillage(ctx context.Context, cmd AssignVillage) (AssignmentsResult, error) {
	return a.changeAssignments(ctx, cmd.AssignmentCommand, cmd.Village, func(x *assignment.Assignment) error {
		return x.Assign(assignment.AssignVillage{Tenant: cmd.Tenant, SocialWorker: cmd.SocialWorker,
			Village: cmd.Village, EffectiveOn: cmd.EffectiveOn, Reason: cmd.Reason}, a.Now())
	})
}

// ReleaseVillage ends a social worker's responsibility for a village.
type ReleaseVillage struct {
	AssignmentCommand
	Village, EffectiveOn, Reason string
}

// ReleaseVillage records the release.
func (a *App) ReleaseVillage(ctx context.Context, cmd ReleaseVillage) (AssignmentsResult, error) {
	return a.changeAssignments(ctx, cmd.AssignmentCommand, cmd.Village, func(x *assignment.Assignment) error {
		return x.Release(assignment.ReleaseVillage{Village: cmd.Village, EffectiveOn: cmd.EffectiveOn, Reason: cmd.Reason}, a.Now())
	})
}

// ScheduleStationDay sets a village's station day of a month.
type ScheduleStationDay struct {
	AssignmentCommand
	assignment.ScheduleStationDay
}

// ScheduleStationDay records the station day.
func (a *App) ScheduleStationDay(ctx context.Context, cmd ScheduleStationDay) (AssignmentsResult, error) {
	return a.changeAssignments(ctx, cmd.AssignmentCommand, cmd.Village, func(x *assignment.Assignment) error {
		return x.ScheduleStationDay(cmd.ScheduleStationDay)
	})
}

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
