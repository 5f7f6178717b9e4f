// Package grpc serves MonitoringService: it checks requests, waits for
// consistency tokens, runs the views' queries and maps rows to the contract.
//
// There is no app layer between this package and the views: every use case
// is a read, with no decision to make beyond validating the request, so an
// app layer would only pass arguments through.
package grpc

import (
	"context"
	"errors"
	"time"

	"github.com/go-kit/kit/endpoint"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/monitoring/internal/policy"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// Waiter waits until a projection has applied a consistency token's write
// (projection.Runner).
type Waiter interface {
	WaitFor(ctx context.Context, t projection.Token) error
}

// Waiters are the projections that apply each source service's writes, by
// service name: a token of "beneficiaries" waits for the caseload, one of
// "visits" for the fieldwork.
type Waiters map[string]Waiter

// Options configure the server.
type Options struct {
	// WaitTimeout bounds the wait for a consistency token (default 5s).
	WaitTimeout time.Duration
	// Now is the clock "today" is read from (default time.Now).
	Now func() time.Time
}

// Server implements monitoringv1.MonitoringServiceServer.
type Server struct {
	monitoringv1.UnimplementedMonitoringServiceServer
	views   *postgres.Views
	waiters Waiters
	opts    Options

	listCaseload    func(context.Context, *monitoringv1.ListCaseloadRequest) (*monitoringv1.ListCaseloadResponse, error)
	tierCounts      func(context.Context, *monitoringv1.GetTierCountsRequest) (*monitoringv1.GetTierCountsResponse, error)
	missingUpdates  func(context.Context, *monitoringv1.ListMissingMonthlyUpdatesRequest) (*monitoringv1.ListMissingMonthlyUpdatesResponse, error)
	dueFollowUps    func(context.Context, *monitoringv1.ListDueFollowUpsRequest) (*monitoringv1.ListDueFollowUpsResponse, error)
	personTierAsOf  func(context.Context, *monitoringv1.GetPersonTierAsOfRequest) (*monitoringv1.PersonTierAsOf, error)
	villageTierAsOf func(context.Context, *monitoringv1.GetVillageTierDistributionAsOfRequest) (*monitoringv1.VillageTierDistribution, error)
	stationFigures  func(context.Context, *monitoringv1.GetStationFiguresRequest) (*monitoringv1.StationFigures, error)
	workload        func(context.Context, *monitoringv1.GetSocialWorkerWorkloadRequest) (*monitoringv1.SocialWorkerWorkload, error)
	coverage        func(context.Context, *monitoringv1.GetVillageCoverageRequest) (*monitoringv1.VillageCoverage, error)
	cardFigures     func(context.Context, *monitoringv1.GetCardFiguresRequest) (*monitoringv1.CardFigures, error)
	hotlineLevels   func(context.Context, *monitoringv1.GetHotlineServiceLevelsRequest) (*monitoringv1.HotlineServiceLevels, error)
}

// NewServer serves views, waiting for tokens with waiters.
func NewServer(views *postgres.Views, waiters Waiters, opts Options) *Server {
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{views: views, waiters: waiters, opts: opts}
	mapErrors := kit.MapErrors(toStatus)
	s.listCaseload = kit.Unary(s.doListCaseload, mapErrors, retryAfterSwitch)
	s.tierCounts = kit.Unary(s.doGetTierCounts, mapErrors, retryAfterSwitch)
	s.missingUpdates = kit.Unary(s.doListMissingMonthlyUpdates, mapErrors, retryAfterSwitch)
	s.dueFollowUps = kit.Unary(s.doListDueFollowUps, mapErrors, retryAfterSwitch)
	s.personTierAsOf = kit.Unary(s.doGetPersonTierAsOf, mapErrors, retryAfterSwitch)
	s.villageTierAsOf = kit.Unary(s.doGetVillageTierDistributionAsOf, mapErrors, retryAfterSwitch)
	s.stationFigures = kit.Unary(s.doGetStationFigures, mapErrors, retryAfterSwitch)
	s.workload = kit.Unary(s.doGetSocialWorkerWorkload, mapErrors, retryAfterSwitch)
	s.coverage = kit.Unary(s.doGetVillageCoverage, mapErrors, retryAfterSwitch)
	s.cardFigures = kit.Unary(s.doGetCardFigures, mapErrors, retryAfterSwitch)
	s.hotlineLevels = kit.Unary(s.doGetHotlineServiceLevels, mapErrors, retryAfterSwitch)
	return s
}

// retryAfterSwitch runs a query once more, on the new generation, when a
// rebuild dropped the tables it read (the views cache the live schema's name).
func retryAfterSwitch(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		resp, err := next(ctx, req)
		if postgres.GenerationGone(err) {
			return next(postgres.FreshSchema(ctx), req)
		}
		return resp, err
	}
}

// toStatus maps the views' errors; anything else is internal.
func toStatus(err error) error {
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		return kit.StatusError(codes.NotFound, "PERSON_NOT_FOUND", "the monitoring views know no such person")
	}
	return err
}

// today is the current date in China.
func (s *Server) today() time.Time { return policy.DateOf(s.opts.Now()) }

// catchUp waits, bounded, until the projection has applied the write the
// token names. An empty token waits for nothing.
func (s *Server) catchUp(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	t, err := projection.ParseToken(token)
	waiter := s.waiters[t.Service]
	if err == nil && waiter == nil {
		err = errors.New("not a token of a service the views read")
	}
	if err != nil {
		return kit.StatusError(codes.InvalidArgument, "INVALID_CONSISTENCY_TOKEN",
			"consistency_token is not a token a beneficiaries or visits write returned",
			kit.FieldViolation{Field: "consistency_token",
				Description: "want beneficiaries/<stream id>/<version> or visits/<stream id>/<version>, as a write returned it"})
	}
	wctx, cancel := context.WithTimeout(ctx, s.opts.WaitTimeout)
	defer cancel()
	err = waiter.WaitFor(wctx, t)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, projection.ErrTokenParked):
		return kit.StatusError(codes.FailedPrecondition, "CONSISTENCY_TOKEN_PARKED",
			"the write named by consistency_token could not be applied to the monitoring views and was set aside for an operator")
	case errors.Is(err, projection.ErrNotCaughtUp):
		if ctx.Err() != nil {
			return kit.StatusError(codes.DeadlineExceeded, "NOT_CAUGHT_UP",
				"the request's deadline passed before the monitoring views caught up with consistency_token")
		}
		return kit.StatusError(codes.Unavailable, "NOT_CAUGHT_UP",
			"the monitoring views have not caught up with consistency_token within "+s.opts.WaitTimeout.String()+"; retry")
	}
	return err
}

// Names of CaseStatus in the views' tables.
var statusNames = map[monitoringv1.CaseStatus]string{
	monitoringv1.CaseStatus_CASE_STATUS_ACTIVE:    "active",
	monitoringv1.CaseStatus_CASE_STATUS_EXITED:    "exited",
	monitoringv1.CaseStatus_CASE_STATUS_FORGOTTEN: "forgotten",
}

func statusOf(name string) monitoringv1.CaseStatus {
	for k, v := range statusNames {
		if v == name {
			return k
		}
	}
	return monitoringv1.CaseStatus_CASE_STATUS_UNSPECIFIED
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func timestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func (s *Server) ListCaseload(ctx context.Context, r *monitoringv1.ListCaseloadRequest) (*monitoringv1.ListCaseloadResponse, error) {
	return s.listCaseload(ctx, r)
}

func (s *Server) doListCaseload(ctx context.Context, r *monitoringv1.ListCaseloadRequest) (*monitoringv1.ListCaseloadResponse, error) {
	var c checks
	f := postgres.CaseloadFilter{
		Tenant:       c.tenant(r.GetTenant()),
		Village:      c.code("village", r.GetVillage()),
		Category:     c.code("category", r.GetCategory()),
		Tier:         c.tier("tier", r.GetTier()),
		SocialWorker: c.code("social_worker", r.GetSocialWorker()),
		HouseholdID:  c.uuid("household_id", r.GetHouseholdId()),
		Limit:        c.pageSize(r.GetPageSize()),
	}
	if r.GetStatus() != monitoringv1.CaseStatus_CASE_STATUS_UNSPECIFIED {
		if f.Status = statusNames[r.GetStatus()]; f.Status == "" {
			c.fail("status", "is not a CaseStatus")
		}
	}
	asOf := c.date("as_of_date", r.GetAsOfDate(), s.today())
	filter := fingerprint("caseload", f.Tenant, f.Village, f.Category, f.Tier, f.Status, f.SocialWorker, f.HouseholdID)
	if key := c.token(r.GetPageToken(), filter, 1); key != nil {
		f.After = c.uuid("page_token", key[0])
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	limit := f.Limit
	f.Limit++ // one more says whether there is a next page
	rows, err := s.views.Caseload(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.ListCaseloadResponse{AsOfDate: asOf.Format(time.DateOnly)}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextPageToken = encodeToken(filter, rows[limit-1].PersonID)
	}
	for _, p := range rows {
		item := &monitoringv1.CaseloadItem{
			PersonId: p.PersonID, HouseholdId: p.HouseholdID, Village: p.Village, Categories: p.Categories,
			Tier: int32(p.Tier), TierEffectiveDate: dateString(p.TierEffectiveOn), SocialWorker: p.SocialWorker,
			Status: statusOf(p.Status), LastContactTime: timestamp(p.LastContactAt), LastContactKind: p.LastContactKind,
			NextContactDueDate: dateString(p.DueOn), RegisteredDate: p.RegisteredOn.Format(time.DateOnly),
		}
		if p.LastMonthlyUpdate != nil {
			item.LastMonthlyUpdateMonth = *p.LastMonthlyUpdate
		}
		if p.DueOn != nil {
			item.Overdue = p.DueOn.Before(asOf)
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

func (s *Server) GetTierCounts(ctx context.Context, r *monitoringv1.GetTierCountsRequest) (*monitoringv1.GetTierCountsResponse, error) {
	return s.tierCounts(ctx, r)
}

func (s *Server) doGetTierCounts(ctx context.Context, r *monitoringv1.GetTierCountsRequest) (*monitoringv1.GetTierCountsResponse, error) {
	var c checks
	f := postgres.TierCountFilter{
		Tenant:       c.tenant(r.GetTenant()),
		Village:      c.code("village", r.GetVillage()),
		Category:     c.code("category", r.GetCategory()),
		SocialWorker: c.code("social_worker", r.GetSocialWorker()),
		Tier:         c.tier("tier", r.GetTier()),
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	rows, total, err := s.views.TierCounts(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.GetTierCountsResponse{TotalPersons: total}
	for _, t := range rows {
		out.Rows = append(out.Rows, &monitoringv1.TierCount{Tier: int32(t.Tier), Village: t.Village,
			Category: t.Category, SocialWorker: t.SocialWorker, Persons: t.Persons})
	}
	return out, nil
}

func (s *Server) ListMissingMonthlyUpdates(ctx context.Context, r *monitoringv1.ListMissingMonthlyUpdatesRequest) (*monitoringv1.ListMissingMonthlyUpdatesResponse, error) {
	return s.missingUpdates(ctx, r)
}

func (s *Server) doListMissingMonthlyUpdates(ctx context.Context, r *monitoringv1.ListMissingMonthlyUpdatesRequest) (*monitoringv1.ListMissingMonthlyUpdatesResponse, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	month, monthEnd := c.month("month", r.GetMonth())
	village := c.code("village", r.GetVillage())
	worker := c.code("social_worker", r.GetSocialWorker())
	limit := c.pageSize(r.GetPageSize())
	filter := fingerprint("missing", tenant, month, village, worker)
	var after *postgres.MissingKey
	if key := c.token(r.GetPageToken(), filter, 3); key != nil {
		after = &postgres.MissingKey{Village: key[0], SocialWorker: key[1], PersonID: c.uuid("page_token", key[2])}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	rows, err := s.views.MissingMonthlyUpdates(ctx, tenant, month, monthEnd, village, worker, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.ListMissingMonthlyUpdatesResponse{Month: month}
	if len(rows) > 0 {
		out.TotalMissing = rows[0].Total
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.NextPageToken = encodeToken(filter, last.Village, last.SocialWorker, last.PersonID)
	}
	var g *monitoringv1.MissingMonthlyUpdateGroup
	for _, m := range rows {
		if g == nil || g.Village != m.Village || g.SocialWorker != m.SocialWorker {
			g = &monitoringv1.MissingMonthlyUpdateGroup{Village: m.Village, SocialWorker: m.SocialWorker, Missing: m.GroupCount}
			out.Groups = append(out.Groups, g)
		}
		g.PersonIds = append(g.PersonIds, m.PersonID)
	}
	return out, nil
}

func (s *Server) ListDueFollowUps(ctx context.Context, r *monitoringv1.ListDueFollowUpsRequest) (*monitoringv1.ListDueFollowUpsResponse, error) {
	return s.dueFollowUps(ctx, r)
}

func (s *Server) doListDueFollowUps(ctx context.Context, r *monitoringv1.ListDueFollowUpsRequest) (*monitoringv1.ListDueFollowUpsResponse, error) {
	var c checks
	f := postgres.DueFilter{
		Tenant:       c.tenant(r.GetTenant()),
		Village:      c.code("village", r.GetVillage()),
		SocialWorker: c.code("social_worker", r.GetSocialWorker()),
		Tier:         c.tier("tier", r.GetTier()),
		Limit:        c.pageSize(r.GetPageSize()),
	}
	asOf := c.date("as_of_date", r.GetAsOfDate(), s.today())
	within := int(r.GetWithinDays())
	if within < 0 || within > 92 {
		c.fail("within_days", "must be 0 to 92")
		within = 0
	}
	f.Until = asOf.AddDate(0, 0, within)
	if r.GetOverdueOnly() {
		f.Until = asOf.AddDate(0, 0, -1)
	}
	filter := fingerprint("due", f.Tenant, f.Village, f.SocialWorker, f.Tier, f.Until)
	if key := c.token(r.GetPageToken(), filter, 2); key != nil {
		due := c.date("page_token", key[0], time.Time{})
		f.AfterDue, f.AfterPerson = &due, c.uuid("page_token", key[1])
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	limit := f.Limit
	f.Limit++
	rows, err := s.views.DueFollowUps(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.ListDueFollowUpsResponse{AsOfDate: asOf.Format(time.DateOnly)}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.NextPageToken = encodeToken(filter, last.DueOn.Format(time.DateOnly), last.PersonID)
	}
	for _, d := range rows {
		days := int32(asOf.Sub(d.DueOn).Hours() / 24)
		out.Items = append(out.Items, &monitoringv1.DueFollowUp{PersonId: d.PersonID, HouseholdId: d.HouseholdID,
			Village: d.Village, SocialWorker: d.SocialWorker, Tier: int32(d.Tier), LastContactTime: timestamp(d.LastContactAt),
			LastContactKind: d.LastContactKind,
			DueDate:         d.DueOn.Format(time.DateOnly), Overdue: d.DueOn.Before(asOf), DaysOverdue: days})
	}
	return out, nil
}

func (s *Server) GetPersonTierAsOf(ctx context.Context, r *monitoringv1.GetPersonTierAsOfRequest) (*monitoringv1.PersonTierAsOf, error) {
	return s.personTierAsOf(ctx, r)
}

func (s *Server) doGetPersonTierAsOf(ctx context.Context, r *monitoringv1.GetPersonTierAsOfRequest) (*monitoringv1.PersonTierAsOf, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	c.required("person_id", r.GetPersonId())
	person := c.uuid("person_id", r.GetPersonId())
	date := c.date("date", r.GetDate(), s.today())
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	tier, on, err := s.views.TierAsOf(ctx, tenant, person, date)
	if err != nil {
		return nil, err
	}
	return &monitoringv1.PersonTierAsOf{PersonId: person, Date: date.Format(time.DateOnly),
		Tier: int32(tier), EffectiveDate: dateString(on)}, nil
}

func (s *Server) GetVillageTierDistributionAsOf(ctx context.Context, r *monitoringv1.GetVillageTierDistributionAsOfRequest) (*monitoringv1.VillageTierDistribution, error) {
	return s.villageTierAsOf(ctx, r)
}

func (s *Server) doGetVillageTierDistributionAsOf(ctx context.Context, r *monitoringv1.GetVillageTierDistributionAsOfRequest) (*monitoringv1.VillageTierDistribution, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	c.required("village", r.GetVillage())
	village := c.code("village", r.GetVillage())
	date := c.date("date", r.GetDate(), s.today())
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	tiers, err := s.views.VillageTierDistribution(ctx, tenant, village, date)
	if err != nil {
		return nil, err
	}
	out := &monitoringv1.VillageTierDistribution{Village: village, Date: date.Format(time.DateOnly)}
	for _, t := range tiers {
		out.Tiers = append(out.Tiers, &monitoringv1.TierTotal{Tier: int32(t.Tier), Persons: t.Persons})
		out.TotalPersons += t.Persons
	}
	return out, nil
}

func (s *Server) GetStationFigures(ctx context.Context, r *monitoringv1.GetStationFiguresRequest) (*monitoringv1.StationFigures, error) {
	return s.stationFigures(ctx, r)
}

func (s *Server) doGetStationFigures(ctx context.Context, r *monitoringv1.GetStationFiguresRequest) (*monitoringv1.StationFigures, error) {
	var c checks
	tenant := c.tenant(r.GetTenant())
	c.required("start_date", r.GetStartDate())
	c.required("end_date", r.GetEndDate())
	start := c.date("start_date", r.GetStartDate(), time.Time{})
	end := c.date("end_date", r.GetEndDate(), time.Time{})
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		c.fail("end_date", "must not be before start_date")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx, r.GetConsistencyToken()); err != nil {
		return nil, err
	}
	f, err := s.views.StationFigures(ctx, tenant, start, end)
	if err != nil {
		return nil, err
	}
	rows := func(in []postgres.FigureRow) []*monitoringv1.FigureRow {
		out := make([]*monitoringv1.FigureRow, len(in))
		for i, r := range in {
			out[i] = &monitoringv1.FigureRow{Key: r.Key, Persons: r.Persons, Households: r.Households}
		}
		return out
	}
	out := &monitoringv1.StationFigures{StartDate: start.Format(time.DateOnly), EndDate: end.Format(time.DateOnly),
		Persons: f.Persons, Households: f.Households, ByCategory: rows(f.ByCategory), ByTier: rows(f.ByTier),
		ByVillage: rows(f.ByVillage), NewPersons: f.NewPersons, NewHouseholds: f.NewHouseholds, ExitsTotal: f.ExitsTotal}
	for _, e := range f.Exits {
		out.Exits = append(out.Exits, &monitoringv1.ExitFigure{Reason: e.Key, Persons: e.Persons})
	}
	if v := f.Visits; v != nil {
		out.VisitsCompleted, out.VisitsByKind, out.ServicesByType = v.Completed, countRows(v.ByKind), countRows(v.ByService)
		out.PersonTimes, out.CardsHandedOut = v.PersonTimes, v.Cards
		out.OutreachEvents, out.OutreachAttendance = v.OutreachEvents, v.Attendance
	}
	return out, nil
}
