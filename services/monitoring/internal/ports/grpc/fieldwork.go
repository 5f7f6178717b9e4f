package grpc

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/adapters/postgres"
)

func countRows(in []postgres.CountRow) []*monitoringv1.CountRow {
	out := make([]*monitoringv1.CountRow, len(in))
	for i, r := range in {
		out[i] = &monitoringv1.CountRow{Key: r.Key, Count: r.Count}
	}
	return out
}

// monthStart is the first day of the month whose last day is end.
func monthStart(end time.Time) time.Time {
	return time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// period reads a required start_date and end_date, end not before start.
func (c *checks) period(startField, start, endField, end string) (time.Time, time.Time) {
	c.required(startField, start)
	c.required(endField, end)
	from := c.date(startField, start, time.Time{})
	to := c.date(endField, end, time.Time{})
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		c.fail(endField, "must not be before %s", startField)
	}
	return from, to
}

func (s *Server) GetSocialWorkerWorkload(ctx context.Context, r *monitoringv1.GetSocialWorkerWorkloadRequest) (*monitoringv1.SocialWorkerWorkload, error) {
	return s.workload(ctx, r)
}

func (s *Server) doGetSocialWorkerWorkload(ctx context.Context, r *monitoringv1.GetSocialWorkerWorkloadRequest) (*monitoringv1.SocialWorkerWorkload, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	month, end := c.month("month", r.GetMonth())
	worker := c.code("social_worker", r.GetSocialWorker())
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	rows, err := s.views.Workload(ctx, tenant, monthStart(end), end, worker)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.SocialWorkerWorkload{Month: month}
	var w *monitoringv1.WorkerWorkload
	for _, x := range rows {
		if w == nil || w.SocialWorker != x.SocialWorker {
			w = &monitoringv1.WorkerWorkload{SocialWorker: x.SocialWorker}
			out.Workers = append(out.Workers, w)
		}
		w.ActivePersons += x.Persons
		w.PersonsByTier = append(w.PersonsByTier, &monitoringv1.TierTotal{Tier: int32(x.Tier), Persons: x.Persons})
		w.ContactsDone += x.Contacts
		w.PersonsContacted += x.PersonsContacted
		w.ContactsDue += x.ContactsDue
		w.ContactsDueDone += x.ContactsDueMet
	}
	return out, nil
}

func (s *Server) GetVillageCoverage(ctx context.Context, r *monitoringv1.GetVillageCoverageRequest) (*monitoringv1.VillageCoverage, error) {
	return s.coverage(ctx, r)
}

func (s *Server) doGetVillageCoverage(ctx context.Context, r *monitoringv1.GetVillageCoverageRequest) (*monitoringv1.VillageCoverage, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	month, end := c.month("month", r.GetMonth())
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	rows, err := s.views.VillageCoverage(ctx, tenant, month, monthStart(end), end)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.VillageCoverage{Month: month, VillagesTotal: int64(len(rows))}
	for _, v := range rows {
		row := &monitoringv1.VillageCoverageRow{Village: v.Village, StationDay: dateString(v.StationDay),
			StationDaySocialWorker: v.StationDayWorker, VisitsCompleted: v.Visits, OutreachEvents: v.OutreachEvents,
			Covered: v.StationDay != nil || v.Visits > 0, SocialWorkers: v.SocialWorkers}
		if row.Covered {
			out.VillagesCovered++
		}
		out.Villages = append(out.Villages, row)
	}
	return out, nil
}

func (s *Server) GetCardFigures(ctx context.Context, r *monitoringv1.GetCardFiguresRequest) (*monitoringv1.CardFigures, error) {
	return s.cardFigures(ctx, r)
}

func (s *Server) doGetCardFigures(ctx context.Context, r *monitoringv1.GetCardFiguresRequest) (*monitoringv1.CardFigures, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	start, end := c.period("start_date", r.GetStartDate(), "end_date", r.GetEndDate())
	village := c.code("village", r.GetVillage())
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	cards, outreach, err := s.views.CardFigures(ctx, tenant, start, end, village)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.CardFigures{StartDate: start.Format(time.DateOnly), EndDate: end.Format(time.DateOnly)}
	var edition *monitoringv1.CardEditionTotal
	for _, x := range cards {
		total := x.OnVisits + x.Outreach
		out.Rows = append(out.Rows, &monitoringv1.CardFigureRow{Edition: int32(x.Edition), Village: x.Village,
			OnVisits: x.OnVisits, AtOutreach: x.Outreach, Total: total})
		if edition == nil || edition.Edition != int32(x.Edition) {
			edition = &monitoringv1.CardEditionTotal{Edition: int32(x.Edition)}
			out.ByEdition = append(out.ByEdition, edition)
		}
		edition.Cards += total
		out.CardsTotal += total
	}
	for _, o := range outreach {
		out.Outreach = append(out.Outreach, &monitoringv1.OutreachFigure{Village: o.Village, Events: o.Events, Attendance: o.Attendance})
		out.OutreachEvents += o.Events
		out.OutreachAttendance += o.Attendance
	}
	return out, nil
}

func (s *Server) GetHotlineServiceLevels(ctx context.Context, r *monitoringv1.GetHotlineServiceLevelsRequest) (*monitoringv1.HotlineServiceLevels, error) {
	return s.hotlineLevels(ctx, r)
}

func (s *Server) doGetHotlineServiceLevels(ctx context.Context, r *monitoringv1.GetHotlineServiceLevelsRequest) (*monitoringv1.HotlineServiceLevels, error) {
	var c checks
	f := postgres.HotlineFilter{Tenant: c.tenant(r.GetTenant()), Limit: c.pageSize(r.GetPageSize())}
	explicit := ""
	if ts := r.GetAsOfTime(); ts != nil {
		if err := ts.CheckValid(); err != nil {
			c.fail("as_of_time", "must be a valid timestamp")
		} else {
			f.AsOf = ts.AsTime()
			explicit = f.AsOf.Format(time.RFC3339Nano)
		}
	}
	if r.GetStartDate() != "" {
		d := c.date("start_date", r.GetStartDate(), time.Time{})
		f.From = &d
	}
	if r.GetEndDate() != "" {
		d := c.date("end_date", r.GetEndDate(), time.Time{})
		f.To = &d
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		c.fail("end_date", "must not be before start_date")
	}
	// Without as_of_time, the first page's "now" carries over to the next
	// pages through the token, so that the pages list one consistent set.
	filter := fingerprint("hotline", f.Tenant, explicit, r.GetStartDate(), r.GetEndDate())
	if key := c.token(r.GetPageToken(), filter, 3); key != nil {
		asOf, errA := time.Parse(time.RFC3339Nano, key[0])
		due, errD := time.Parse(time.RFC3339Nano, key[1])
		if errA != nil || errD != nil {
			c.fail("page_token", "is not a token this API returned")
		}
		f.AsOf, f.AfterDue, f.AfterCall = asOf, &due, c.uuid("page_token", key[2])
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if f.AsOf.IsZero() {
		f.AsOf = s.opts.Now()
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	limit := f.Limit
	f.Limit++
	l, err := s.views.HotlineServiceLevels(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.HotlineServiceLevels{AsOfTime: timestamppb.New(f.AsOf), OpenCalls: l.Open, OverdueCalls: l.Overdue,
		FollowedUpCalls: l.FollowedUp, MedianFollowUpSeconds: int64(l.MedianFollowUpSeconds + 0.5), FollowedUpLate: l.Late}
	calls := l.OverdueCalls
	if len(calls) > limit {
		calls = calls[:limit]
		last := calls[limit-1]
		out.NextPageToken = encodeToken(filter, f.AsOf.Format(time.RFC3339Nano), last.DueAt.Format(time.RFC3339Nano), last.CallID)
	}
	for _, x := range calls {
		out.Overdue = append(out.Overdue, &monitoringv1.OverdueCall{CallId: x.CallID, Line: int32(x.Line), Urgency: x.Urgency,
			Owner: x.Owner, ReceivedTime: timestamppb.New(x.ReceivedAt), DueTime: timestamppb.New(x.DueAt),
			SecondsOverdue: int64(f.AsOf.Sub(x.DueAt) / time.Second)})
	}
	return out, nil
}
