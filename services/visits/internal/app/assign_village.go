package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
)

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
