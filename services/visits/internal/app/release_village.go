package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
)

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
