package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// ScheduleVisit plans a visit.
type ScheduleVisit struct {
	VisitID string // optional, client-chosen UUID
	visit.ScheduleVisit
	Caller Caller
}

// ScheduleVisit checks whom the visit names and records it as scheduled.
func (a *App) ScheduleVisit(ctx context.Context, cmd ScheduleVisit) (VisitResult, error) {
	id, err := aggregate.NewID(cmd.VisitID, "visit_id", cmd.Tenant, cmd.Caller.RequestID)
	if err != nil {
		return VisitResult{}, err
	}
	cmd.ScheduleVisit.VisitID = id
	if err := a.checkDetails(ctx, cmd.VisitDetails); err != nil {
		return VisitResult{}, err
	}
	w, err := a.Repos.Visits.Handle(ctx, aggregate.Command[*visit.Visit]{
		Stream: postgres.VisitStream(id), Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(v *visit.Visit, _ aggregate.Loaded[*visit.Visit]) error {
			return v.Schedule(cmd.ScheduleVisit, a.Now())
		},
	})
	if err != nil {
		return VisitResult{}, err
	}
	return a.presentVisit(ctx, cmd.Tenant, w.Loaded, w.Token, Reveal{}, cmd.Caller)
}

// checkDetails checks the village, persons, household and hotline call a
// new visit names against the tenant's reference data and local views.
func (a *App) checkDetails(ctx context.Context, d visit.VisitDetails) error {
	ref, err := a.reference(d.Tenant)
	if err != nil {
		return err
	}
	var errs ReferenceErrors
	a.checkVillage(&errs, ref, "village", d.Village)
	if err := a.checkPersons(ctx, &errs, d.Tenant, "person_ids", d.PersonIDs, true); err != nil {
		return err
	}
	if err := a.checkHousehold(ctx, &errs, d.Tenant, "household_id", d.HouseholdID); err != nil {
		return err
	}
	if d.HotlineCallID != uuid.Nil {
		l, err := a.Repos.Calls.Load(ctx, postgres.CallStream(d.HotlineCallID))
		if err != nil {
			return err
		}
		if l.Version == 0 || l.Aggregate.Tenant() != d.Tenant {
			errs.add("hotline_call_id", "is not a hotline call of "+d.Tenant)
		}
	}
	return errs.err()
}
