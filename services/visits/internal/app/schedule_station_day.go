package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
)

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
