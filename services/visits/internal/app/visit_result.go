package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// VisitResult is a visit as a read or a write returns it.
type VisitResult struct {
	Visit            *visit.Visit
	Tenant           string
	Etag             string
	Created, Updated time.Time
	// Notes are each report's notes as shown (by report id): in clear when
	// revealed, Masked otherwise, "" when there are none or they were shredded.
	Notes            map[string]string
	Revealed         bool
	ConsistencyToken string
}

// VisitName is the resource name of a visit.
func VisitName(tenant string, id uuid.UUID) string {
	return "tenants/" + tenant + "/visits/" + id.String()
}

// visitCommand is what every command on an existing visit carries.
type visitCommand struct {
	Tenant  string
	VisitID uuid.UUID
	Etag    string
	Caller  Caller
}

// changeVisit runs decide on an existing visit of the tenant and stores what
// it recorded.
func (a *App) changeVisit(ctx context.Context, cmd visitCommand, decide func(v *visit.Visit) error) (VisitResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return VisitResult{}, err
	}
	w, err := a.Repos.Visits.Handle(ctx, aggregate.Command[*visit.Visit]{
		Stream: postgres.VisitStream(cmd.VisitID), Etag: cmd.Etag, Metadata: cmd.Caller.Metadata(cmd.Tenant),
		Decide: func(v *visit.Visit, _ aggregate.Loaded[*visit.Visit]) error {
			if v.Status() == visit.StatusNone || v.Details().Tenant != cmd.Tenant {
				return visit.ErrUnknownVisit
			}
			return decide(v)
		},
	})
	if err != nil {
		return VisitResult{}, err
	}
	return a.presentVisit(ctx, cmd.Tenant, w.Loaded, w.Token, Reveal{}, cmd.Caller)
}

// presentVisit shows a loaded visit, notes masked unless r reveals them.
func (a *App) presentVisit(ctx context.Context, tenant string, l aggregate.Loaded[*visit.Visit], token string, r Reveal, c Caller) (VisitResult, error) {
	v := l.Aggregate
	res := VisitResult{Visit: v, Tenant: tenant, Etag: l.Etag(), Created: l.Created, Updated: l.Updated,
		Notes: map[string]string{}, ConsistencyToken: token}
	var reports []visit.Report
	if done, ok := v.Completion(); ok {
		reports = append(reports, done)
	}
	reports = append(reports, v.Addenda()...)
	sealed := false
	for _, rep := range reports {
		sealed = sealed || rep.Notes != ""
	}
	if !sealed {
		return res, nil
	}
	o, err := a.openFor(ctx, tenant, VisitName(tenant, v.ID()), v.ID(), v.Details().PersonIDs, r, c, []string{"notes"})
	if err != nil {
		return VisitResult{}, err
	}
	for _, rep := range reports {
		if res.Notes[rep.ReportID], err = o.show("notes", rep.Notes); err != nil {
			return VisitResult{}, err
		}
	}
	res.Revealed = o.c != nil
	return res, nil
}
