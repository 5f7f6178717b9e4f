// Package grpc is the visits service's gRPC port: it maps the VisitsService
// API onto the app's use cases (convert.go) and the app's errors onto gRPC
// statuses (errors.go, the one mapping).
package grpc

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/app"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// Options tune the server's endpoint middlewares (timeout, rate limit).
type Options = kit.Options

type unary[Req, Resp any] func(context.Context, Req) (Resp, error)

// Server implements pb.VisitsServiceServer.
type Server struct {
	pb.UnimplementedVisitsServiceServer
	app *app.App

	scheduleVisit      unary[*pb.ScheduleVisitRequest, *pb.ScheduleVisitResponse]
	recordVisit        unary[*pb.RecordVisitRequest, *pb.RecordVisitResponse]
	completeVisit      unary[*pb.CompleteVisitRequest, *pb.CompleteVisitResponse]
	addVisitAddendum   unary[*pb.AddVisitAddendumRequest, *pb.AddVisitAddendumResponse]
	cancelVisit        unary[*pb.CancelVisitRequest, *pb.CancelVisitResponse]
	markVisitMissed    unary[*pb.MarkVisitMissedRequest, *pb.MarkVisitMissedResponse]
	getVisit           unary[*pb.GetVisitRequest, *pb.Visit]
	listVisits         unary[*pb.ListVisitsRequest, *pb.ListVisitsResponse]
	chooseTheme        unary[*pb.ChooseMonthlyThemeRequest, *pb.ChooseMonthlyThemeResponse]
	changeTheme        unary[*pb.ChangeMonthlyThemeRequest, *pb.ChangeMonthlyThemeResponse]
	getTheme           unary[*pb.GetMonthlyThemeRequest, *pb.MonthlyTheme]
	getEdition         unary[*pb.GetCardEditionRequest, *pb.CardEdition]
	getOutreach        unary[*pb.GetOutreachEventRequest, *pb.OutreachEvent]
	publishEdition     unary[*pb.PublishCardEditionRequest, *pb.PublishCardEditionResponse]
	retireEdition      unary[*pb.RetireCardEditionRequest, *pb.RetireCardEditionResponse]
	listEditions       unary[*pb.ListCardEditionsRequest, *pb.ListCardEditionsResponse]
	recordOutreach     unary[*pb.RecordOutreachEventRequest, *pb.RecordOutreachEventResponse]
	correctOutreach    unary[*pb.CorrectOutreachEventRequest, *pb.CorrectOutreachEventResponse]
	listOutreach       unary[*pb.ListOutreachEventsRequest, *pb.ListOutreachEventsResponse]
	receiveCall        unary[*pb.ReceiveHotlineCallRequest, *pb.ReceiveHotlineCallResponse]
	triageCall         unary[*pb.TriageHotlineCallRequest, *pb.TriageHotlineCallResponse]
	followUpCall       unary[*pb.FollowUpHotlineCallRequest, *pb.FollowUpHotlineCallResponse]
	getCall            unary[*pb.GetHotlineCallRequest, *pb.HotlineCall]
	listCalls          unary[*pb.ListHotlineCallsRequest, *pb.ListHotlineCallsResponse]
	assignVillage      unary[*pb.AssignVillageRequest, *pb.AssignVillageResponse]
	releaseVillage     unary[*pb.ReleaseVillageRequest, *pb.ReleaseVillageResponse]
	scheduleStationDay unary[*pb.ScheduleStationDayRequest, *pb.ScheduleStationDayResponse]
	getAssignments     unary[*pb.GetSocialWorkerAssignmentsRequest, *pb.SocialWorkerAssignments]
}

var _ pb.VisitsServiceServer = (*Server)(nil)

// New returns the server over a.
func New(a *app.App, opts Options) *Server {
	mws := func(names kit.FieldNames) []endpoint.Middleware { return opts.Middlewares(mapErrors(names)) }
	s := &Server{app: a}
	s.scheduleVisit = kit.Unary(s.doScheduleVisit, mws(detailFields)...)
	s.recordVisit = kit.Unary(s.doRecordVisit, mws(recordFields)...)
	s.completeVisit = kit.Unary(s.doCompleteVisit, mws(reportFields)...)
	s.addVisitAddendum = kit.Unary(s.doAddVisitAddendum, mws(reportFields)...)
	s.cancelVisit = kit.Unary(s.doCancelVisit, mws(noRenames)...)
	s.markVisitMissed = kit.Unary(s.doMarkVisitMissed, mws(noRenames)...)
	s.getVisit = kit.Unary(s.doGetVisit, mws(noRenames)...)
	s.listVisits = kit.Unary(s.doListVisits, mws(noRenames)...)
	s.chooseTheme = kit.Unary(s.doChooseTheme, mws(themeFields)...)
	s.changeTheme = kit.Unary(s.doChangeTheme, mws(noRenames)...)
	s.getTheme = kit.Unary(s.doGetTheme, mws(kit.FieldNames{"month": "name"})...)
	s.publishEdition = kit.Unary(s.doPublishEdition, mws(editionFields)...)
	s.retireEdition = kit.Unary(s.doRetireEdition, mws(retireFields)...)
	s.getEdition = kit.Unary(s.doGetEdition, mws(noRenames)...)
	s.listEditions = kit.Unary(s.doListEditions, mws(noRenames)...)
	s.getOutreach = kit.Unary(s.doGetOutreach, mws(noRenames)...)
	s.recordOutreach = kit.Unary(s.doRecordOutreach, mws(outreachFields)...)
	s.correctOutreach = kit.Unary(s.doCorrectOutreach, mws(noRenames)...)
	s.listOutreach = kit.Unary(s.doListOutreach, mws(noRenames)...)
	s.receiveCall = kit.Unary(s.doReceiveCall, mws(callFields)...)
	s.triageCall = kit.Unary(s.doTriageCall, mws(noRenames)...)
	s.followUpCall = kit.Unary(s.doFollowUpCall, mws(followUpFields)...)
	s.getCall = kit.Unary(s.doGetCall, mws(noRenames)...)
	s.listCalls = kit.Unary(s.doListCalls, mws(noRenames)...)
	s.assignVillage = kit.Unary(s.doAssignVillage, mws(assignmentFields)...)
	s.releaseVillage = kit.Unary(s.doReleaseVillage, mws(assignmentFields)...)
	s.scheduleStationDay = kit.Unary(s.doScheduleStationDay, mws(assignmentFields)...)
	s.getAssignments = kit.Unary(s.doGetAssignments, mws(noRenames)...)
	return s
}

// ---------------------------------------------------------------------------
// Visits
// ---------------------------------------------------------------------------

func (s *Server) ScheduleVisit(ctx context.Context, r *pb.ScheduleVisitRequest) (*pb.ScheduleVisitResponse, error) {
	return s.scheduleVisit(ctx, r)
}

func (s *Server) doScheduleVisit(ctx context.Context, r *pb.ScheduleVisitRequest) (*pb.ScheduleVisitResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	d, err := visitDetails(tenant, r.GetVisit())
	if err != nil {
		return nil, err
	}
	res, err := s.app.ScheduleVisit(ctx, app.ScheduleVisit{VisitID: r.GetVisitId(), Caller: c,
		ScheduleVisit: visit.ScheduleVisit{VisitDetails: d, PlannedOn: r.GetVisit().GetPlannedDate()}})
	if err != nil {
		return nil, err
	}
	return &pb.ScheduleVisitResponse{Visit: visitPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) RecordVisit(ctx context.Context, r *pb.RecordVisitRequest) (*pb.RecordVisitResponse, error) {
	return s.recordVisit(ctx, r)
}

func (s *Server) doRecordVisit(ctx context.Context, r *pb.RecordVisitRequest) (*pb.RecordVisitResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	d, err := visitDetails(tenant, r.GetVisit())
	if err != nil {
		return nil, err
	}
	if r.GetVisit().GetPlannedDate() != "" {
		return nil, kit.BadRequest("visit.planned_date", "is for a scheduled visit; a recorded visit took place at report.occur_time")
	}
	res, err := s.app.RecordVisit(ctx, app.RecordVisit{VisitID: r.GetVisitId(), Caller: c,
		RecordVisit: visit.RecordVisit{VisitDetails: d, Report: report(r.GetReport())}})
	if err != nil {
		return nil, err
	}
	return &pb.RecordVisitResponse{Visit: visitPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) CompleteVisit(ctx context.Context, r *pb.CompleteVisitRequest) (*pb.CompleteVisitResponse, error) {
	return s.completeVisit(ctx, r)
}

func (s *Server) doCompleteVisit(ctx context.Context, r *pb.CompleteVisitRequest) (*pb.CompleteVisitResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "visits", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.CompleteVisit(ctx, app.CompleteVisit{Tenant: tenant, VisitID: id, Report: report(r.GetReport()), Etag: r.GetEtag(), Caller: c})
	if err != nil {
		return nil, err
	}
	return &pb.CompleteVisitResponse{Visit: visitPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) AddVisitAddendum(ctx context.Context, r *pb.AddVisitAddendumRequest) (*pb.AddVisitAddendumResponse, error) {
	return s.addVisitAddendum(ctx, r)
}

func (s *Server) doAddVisitAddendum(ctx context.Context, r *pb.AddVisitAddendumRequest) (*pb.AddVisitAddendumResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "visits", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.AddVisitAddendum(ctx, app.AddVisitAddendum{Tenant: tenant, VisitID: id, Report: report(r.GetReport()), Etag: r.GetEtag(), Caller: c})
	if err != nil {
		return nil, err
	}
	return &pb.AddVisitAddendumResponse{Visit: visitPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) CancelVisit(ctx context.Context, r *pb.CancelVisitRequest) (*pb.CancelVisitResponse, error) {
	return s.cancelVisit(ctx, r)
}

func (s *Server) doCancelVisit(ctx context.Context, r *pb.CancelVisitRequest) (*pb.CancelVisitResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "visits", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.CancelVisit(ctx, app.CancelVisit{Tenant: tenant, VisitID: id, Reason: r.GetReason(), Etag: r.GetEtag(), Caller: c})
	if err != nil {
		return nil, err
	}
	return &pb.CancelVisitResponse{Visit: visitPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) MarkVisitMissed(ctx context.Context, r *pb.MarkVisitMissedRequest) (*pb.MarkVisitMissedResponse, error) {
	return s.markVisitMissed(ctx, r)
}

func (s *Server) doMarkVisitMissed(ctx context.Context, r *pb.MarkVisitMissedRequest) (*pb.MarkVisitMissedResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "visits", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.MarkVisitMissed(ctx, app.MarkVisitMissed{Tenant: tenant, VisitID: id, Reason: r.GetReason(), Etag: r.GetEtag(), Caller: c})
	if err != nil {
		return nil, err
	}
	return &pb.MarkVisitMissedResponse{Visit: visitPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetVisit(ctx context.Context, r *pb.GetVisitRequest) (*pb.Visit, error) {
	return s.getVisit(ctx, r)
}

func (s *Server) doGetVisit(ctx context.Context, r *pb.GetVisitRequest) (*pb.Visit, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "visits", "")
	if err != nil {
		return nil, err
	}
	res, err := s.app.GetVisit(ctx, app.GetVisit{Tenant: tenant, VisitID: id, Caller: c,
		Reveal: app.Reveal{Full: r.GetView() == pb.View_VIEW_FULL, Purpose: r.GetPurpose(), Method: "GetVisit"}})
	if err != nil {
		return nil, err
	}
	return visitPB(res), nil
}

func (s *Server) ListVisits(ctx context.Context, r *pb.ListVisitsRequest) (*pb.ListVisitsResponse, error) {
	return s.listVisits(ctx, r)
}

func (s *Server) doListVisits(ctx context.Context, r *pb.ListVisitsRequest) (*pb.ListVisitsResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), "")
	if err != nil {
		return nil, err
	}
	person, err := refID("person", tenant, r.GetPerson(), "persons")
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListVisits(ctx, app.ListVisits{
		Filter: postgres.VisitFilter{Tenant: tenant, Village: r.GetVillage(), Person: person, SocialWorker: r.GetSocialWorker(),
			Kind: enumCode(r.GetKind().String(), "VISIT_KIND_"), State: enumCode(r.GetState().String(), "VISIT_STATE_"), Month: r.GetMonth()},
		PageSize: r.GetPageSize(), PageToken: r.GetPageToken(), ConsistencyToken: r.GetConsistencyToken(), Caller: c,
	})
	if err != nil {
		return nil, err
	}
	out := &pb.ListVisitsResponse{NextPageToken: page.Next}
	for _, v := range page.Visits {
		out.Visits = append(out.Visits, visitPB(v))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Monthly themes
// ---------------------------------------------------------------------------

func (s *Server) ChooseMonthlyTheme(ctx context.Context, r *pb.ChooseMonthlyThemeRequest) (*pb.ChooseMonthlyThemeResponse, error) {
	return s.chooseTheme(ctx, r)
}

func (s *Server) doChooseTheme(ctx context.Context, r *pb.ChooseMonthlyThemeRequest) (*pb.ChooseMonthlyThemeResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	month := r.GetMonth()
	if month == "" {
		month = r.GetMonthlyTheme().GetMonth()
	}
	res, err := s.app.ChooseMonthlyTheme(ctx, app.ChooseMonthlyTheme{Caller: c, ChooseTheme: theme.ChooseTheme{
		Tenant: tenant, Month: month, Title: r.GetMonthlyTheme().GetTitle(), Description: r.GetMonthlyTheme().GetDescription()}})
	if err != nil {
		return nil, err
	}
	return &pb.ChooseMonthlyThemeResponse{MonthlyTheme: themePB(tenant, res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) ChangeMonthlyTheme(ctx context.Context, r *pb.ChangeMonthlyThemeRequest) (*pb.ChangeMonthlyThemeResponse, error) {
	return s.changeTheme(ctx, r)
}

func (s *Server) doChangeTheme(ctx context.Context, r *pb.ChangeMonthlyThemeRequest) (*pb.ChangeMonthlyThemeResponse, error) {
	tenant, month, err := parseKeyName("name", r.GetName(), "monthlyThemes")
	if err != nil {
		return nil, err
	}
	c, err := kit.CallerFrom(ctx, r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.ChangeMonthlyTheme(ctx, app.ChangeMonthlyTheme{Tenant: tenant, Month: month, Etag: r.GetEtag(), Caller: c,
		ChangeTheme: theme.ChangeTheme{Title: r.GetTitle(), Description: r.GetDescription(), Reason: r.GetReason()}})
	if err != nil {
		return nil, err
	}
	return &pb.ChangeMonthlyThemeResponse{MonthlyTheme: themePB(tenant, res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetMonthlyTheme(ctx context.Context, r *pb.GetMonthlyThemeRequest) (*pb.MonthlyTheme, error) {
	return s.getTheme(ctx, r)
}

func (s *Server) doGetTheme(ctx context.Context, r *pb.GetMonthlyThemeRequest) (*pb.MonthlyTheme, error) {
	tenant, month, err := parseKeyName("name", r.GetName(), "monthlyThemes")
	if err != nil {
		return nil, err
	}
	res, err := s.app.GetMonthlyTheme(ctx, tenant, month)
	if err != nil {
		return nil, err
	}
	return themePB(tenant, res), nil
}

// ---------------------------------------------------------------------------
// Card editions
// ---------------------------------------------------------------------------

func (s *Server) PublishCardEdition(ctx context.Context, r *pb.PublishCardEditionRequest) (*pb.PublishCardEditionResponse, error) {
	return s.publishEdition(ctx, r)
}

func (s *Server) doPublishEdition(ctx context.Context, r *pb.PublishCardEditionRequest) (*pb.PublishCardEditionResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	e := r.GetCardEdition()
	var topics []string
	for _, t := range e.GetTopics() {
		topics = append(topics, enumCode(t.String(), "CARD_TOPIC_"))
	}
	res, err := s.app.PublishCardEdition(ctx, app.PublishCardEdition{Caller: c, PublishEdition: cardedition.PublishEdition{
		Tenant: tenant, Revision: int(e.GetRevision()), Title: e.GetTitle(), Topics: topics, EffectiveOn: e.GetEffectiveDate()}})
	if err != nil {
		return nil, err
	}
	return &pb.PublishCardEditionResponse{CardEdition: editionPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) RetireCardEdition(ctx context.Context, r *pb.RetireCardEditionRequest) (*pb.RetireCardEditionResponse, error) {
	return s.retireEdition(ctx, r)
}

func (s *Server) doRetireEdition(ctx context.Context, r *pb.RetireCardEditionRequest) (*pb.RetireCardEditionResponse, error) {
	tenant, rev, err := parseEditionName(r.GetName())
	if err != nil {
		return nil, err
	}
	c, err := kit.CallerFrom(ctx, r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.RetireCardEdition(ctx, app.RetireCardEdition{Tenant: tenant, Revision: rev, Etag: r.GetEtag(), Caller: c,
		RetireEdition: cardedition.RetireEdition{RetiredOn: r.GetRetireDate(), Reason: r.GetReason()}})
	if err != nil {
		return nil, err
	}
	return &pb.RetireCardEditionResponse{CardEdition: editionPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetCardEdition(ctx context.Context, r *pb.GetCardEditionRequest) (*pb.CardEdition, error) {
	return s.getEdition(ctx, r)
}

func (s *Server) doGetEdition(ctx context.Context, r *pb.GetCardEditionRequest) (*pb.CardEdition, error) {
	tenant, rev, err := parseEditionName(r.GetName())
	if err != nil {
		return nil, err
	}
	res, err := s.app.GetCardEdition(ctx, tenant, rev)
	if err != nil {
		return nil, err
	}
	return editionPB(res), nil
}

func (s *Server) ListCardEditions(ctx context.Context, r *pb.ListCardEditionsRequest) (*pb.ListCardEditionsResponse, error) {
	return s.listEditions(ctx, r)
}

func (s *Server) doListEditions(ctx context.Context, r *pb.ListCardEditionsRequest) (*pb.ListCardEditionsResponse, error) {
	tenant, err := kit.ParseParent("parent", r.GetParent())
	if err != nil {
		return nil, err
	}
	if r.GetPageToken() != "" {
		return nil, kit.BadRequest("page_token", "does not belong to this query; the list fits one page")
	}
	res, err := s.app.ListCardEditions(ctx, tenant, r.GetInEffectDate())
	if err != nil {
		return nil, err
	}
	out := &pb.ListCardEditionsResponse{}
	for _, e := range res {
		out.CardEditions = append(out.CardEditions, editionPB(e))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Outreach events
// ---------------------------------------------------------------------------

func (s *Server) RecordOutreachEvent(ctx context.Context, r *pb.RecordOutreachEventRequest) (*pb.RecordOutreachEventResponse, error) {
	return s.recordOutreach(ctx, r)
}

func (s *Server) doRecordOutreach(ctx context.Context, r *pb.RecordOutreachEventRequest) (*pb.RecordOutreachEventResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	e := r.GetOutreachEvent()
	res, err := s.app.RecordOutreachEvent(ctx, app.RecordOutreachEvent{EventID: r.GetOutreachEventId(), Caller: c,
		RecordOutreach: outreach.RecordOutreach{Tenant: tenant, Village: e.GetVillage(), HeldOn: e.GetHeldDate(), Title: e.GetTitle(),
			Organiser: e.GetOrganiser(), Attendance: int(e.GetAttendance()), Cards: handouts(e.GetCards())}})
	if err != nil {
		return nil, err
	}
	return &pb.RecordOutreachEventResponse{OutreachEvent: outreachPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) CorrectOutreachEvent(ctx context.Context, r *pb.CorrectOutreachEventRequest) (*pb.CorrectOutreachEventResponse, error) {
	return s.correctOutreach(ctx, r)
}

func (s *Server) doCorrectOutreach(ctx context.Context, r *pb.CorrectOutreachEventRequest) (*pb.CorrectOutreachEventResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "outreachEvents", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.CorrectOutreachEvent(ctx, app.CorrectOutreachEvent{Tenant: tenant, EventID: id, Etag: r.GetEtag(), Caller: c,
		CorrectOutreach: outreach.CorrectOutreach{Attendance: int(r.GetAttendance()), Cards: handouts(r.GetCards()), Reason: r.GetReason()}})
	if err != nil {
		return nil, err
	}
	return &pb.CorrectOutreachEventResponse{OutreachEvent: outreachPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetOutreachEvent(ctx context.Context, r *pb.GetOutreachEventRequest) (*pb.OutreachEvent, error) {
	return s.getOutreach(ctx, r)
}

func (s *Server) doGetOutreach(ctx context.Context, r *pb.GetOutreachEventRequest) (*pb.OutreachEvent, error) {
	tenant, id, err := kit.ParseName("name", r.GetName(), "outreachEvents")
	if err != nil {
		return nil, err
	}
	res, err := s.app.GetOutreachEvent(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return outreachPB(res), nil
}

func (s *Server) ListOutreachEvents(ctx context.Context, r *pb.ListOutreachEventsRequest) (*pb.ListOutreachEventsResponse, error) {
	return s.listOutreach(ctx, r)
}

func (s *Server) doListOutreach(ctx context.Context, r *pb.ListOutreachEventsRequest) (*pb.ListOutreachEventsResponse, error) {
	tenant, err := kit.ParseParent("parent", r.GetParent())
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListOutreachEvents(ctx, app.ListOutreachEvents{
		Filter:   postgres.OutreachFilter{Tenant: tenant, Village: r.GetVillage(), From: r.GetStartDate(), To: r.GetEndDate()},
		PageSize: r.GetPageSize(), PageToken: r.GetPageToken(), ConsistencyToken: r.GetConsistencyToken(),
	})
	if err != nil {
		return nil, err
	}
	out := &pb.ListOutreachEventsResponse{NextPageToken: page.Next}
	for _, e := range page.Events {
		out.OutreachEvents = append(out.OutreachEvents, outreachPB(e))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Hotline calls
// ---------------------------------------------------------------------------

func (s *Server) ReceiveHotlineCall(ctx context.Context, r *pb.ReceiveHotlineCallRequest) (*pb.ReceiveHotlineCallResponse, error) {
	return s.receiveCall(ctx, r)
}

func (s *Server) doReceiveCall(ctx context.Context, r *pb.ReceiveHotlineCallRequest) (*pb.ReceiveHotlineCallResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	call := r.GetHotlineCall()
	person, err := refID("hotline_call.caller_person", tenant, call.GetCallerPerson(), "persons")
	if err != nil {
		return nil, err
	}
	res, err := s.app.ReceiveHotlineCall(ctx, app.ReceiveHotlineCall{CallID: r.GetHotlineCallId(), Caller: c,
		ReceiveCall: hotline.ReceiveCall{Tenant: tenant, Line: int(call.GetLine()), ReceivedAt: timeOf(call.GetReceiveTime()),
			CallerPersonID: person, CallerNumber: call.GetCallerNumber(), Need: call.GetNeed(),
			Urgency: urgencyCode(call.GetUrgency()), Notes: call.GetNotes()}})
	if err != nil {
		return nil, err
	}
	return &pb.ReceiveHotlineCallResponse{HotlineCall: callPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) TriageHotlineCall(ctx context.Context, r *pb.TriageHotlineCallRequest) (*pb.TriageHotlineCallResponse, error) {
	return s.triageCall(ctx, r)
}

func (s *Server) doTriageCall(ctx context.Context, r *pb.TriageHotlineCallRequest) (*pb.TriageHotlineCallResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "hotlineCalls", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.TriageHotlineCall(ctx, app.TriageHotlineCall{Tenant: tenant, CallID: id, Etag: r.GetEtag(), Caller: c,
		TriageCall: hotline.TriageCall{Owner: r.GetOwner(), Urgency: urgencyCode(r.GetUrgency())}})
	if err != nil {
		return nil, err
	}
	return &pb.TriageHotlineCallResponse{HotlineCall: callPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) FollowUpHotlineCall(ctx context.Context, r *pb.FollowUpHotlineCallRequest) (*pb.FollowUpHotlineCallResponse, error) {
	return s.followUpCall(ctx, r)
}

func (s *Server) doFollowUpCall(ctx context.Context, r *pb.FollowUpHotlineCallRequest) (*pb.FollowUpHotlineCallResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "hotlineCalls", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	f := r.GetFollowUp()
	visitID, err := refUUID("follow_up.visit", tenant, f.GetVisit(), "visits")
	if err != nil {
		return nil, err
	}
	res, err := s.app.FollowUpHotlineCall(ctx, app.FollowUpHotlineCall{Tenant: tenant, CallID: id, Etag: r.GetEtag(), Caller: c,
		FollowUpCall: hotline.FollowUpCall{Method: enumCode(f.GetMethod().String(), "FOLLOW_UP_METHOD_"), VisitID: visitID,
			By: f.GetBy(), FollowedUpAt: timeOf(f.GetFollowUpTime()), Outcome: f.GetOutcome(), Note: f.GetNote()}})
	if err != nil {
		return nil, err
	}
	return &pb.FollowUpHotlineCallResponse{HotlineCall: callPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetHotlineCall(ctx context.Context, r *pb.GetHotlineCallRequest) (*pb.HotlineCall, error) {
	return s.getCall(ctx, r)
}

func (s *Server) doGetCall(ctx context.Context, r *pb.GetHotlineCallRequest) (*pb.HotlineCall, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "hotlineCalls", "")
	if err != nil {
		return nil, err
	}
	res, err := s.app.GetHotlineCall(ctx, tenant, id,
		app.Reveal{Full: r.GetView() == pb.View_VIEW_FULL, Purpose: r.GetPurpose(), Method: "GetHotlineCall"}, c)
	if err != nil {
		return nil, err
	}
	return callPB(res), nil
}

func (s *Server) ListHotlineCalls(ctx context.Context, r *pb.ListHotlineCallsRequest) (*pb.ListHotlineCallsResponse, error) {
	return s.listCalls(ctx, r)
}

func (s *Server) doListCalls(ctx context.Context, r *pb.ListHotlineCallsRequest) (*pb.ListHotlineCallsResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), "")
	if err != nil {
		return nil, err
	}
	person, err := refID("caller_person", tenant, r.GetCallerPerson(), "persons")
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListHotlineCalls(ctx, app.ListHotlineCalls{
		Filter:   postgres.CallFilter{Tenant: tenant, State: callState(r.GetState()), Owner: r.GetOwner(), CallerPerson: person},
		PageSize: r.GetPageSize(), PageToken: r.GetPageToken(), ConsistencyToken: r.GetConsistencyToken(), Caller: c,
	})
	if err != nil {
		return nil, err
	}
	out := &pb.ListHotlineCallsResponse{NextPageToken: page.Next}
	for _, call := range page.Calls {
		out.HotlineCalls = append(out.HotlineCalls, callPB(call))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Village assignments
// ---------------------------------------------------------------------------

func (s *Server) assignmentCommand(ctx context.Context, name, etag, requestID string) (app.AssignmentCommand, error) {
	tenant, worker, err := parseAssignmentsName(name)
	if err != nil {
		return app.AssignmentCommand{}, err
	}
	c, err := kit.CallerFrom(ctx, requestID)
	if err != nil {
		return app.AssignmentCommand{}, err
	}
	return app.AssignmentCommand{Tenant: tenant, SocialWorker: worker, Etag: etag, Caller: c}, nil
}

func (s *Server) AssignVillage(ctx context.Context, r *pb.AssignVillageRequest) (*pb.AssignVillageResponse, error) {
	return s.assignVillage(ctx, r)
}

func (s *Server) doAssignVillage(ctx context.Context, r *pb.AssignVillageRequest) (*pb.AssignVillageResponse, error) {
	cmd, err := s.assignmentCommand(ctx, r.GetName(), r.GetEtag(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.AssignVillage(ctx, app.AssignVillage{AssignmentCommand: cmd, Village: r.GetVillage(),
		EffectiveOn: r.GetEffectiveDate(), Reason: r.GetReason()})
	if err != nil {
		return nil, err
	}
	return &pb.AssignVillageResponse{Assignments: assignmentsPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) ReleaseVillage(ctx context.Context, r *pb.ReleaseVillageRequest) (*pb.ReleaseVillageResponse, error) {
	return s.releaseVillage(ctx, r)
}

func (s *Server) doReleaseVillage(ctx context.Context, r *pb.ReleaseVillageRequest) (*pb.ReleaseVillageResponse, error) {
	cmd, err := s.assignmentCommand(ctx, r.GetName(), r.GetEtag(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.ReleaseVillage(ctx, app.ReleaseVillage{AssignmentCommand: cmd, Village: r.GetVillage(),
		EffectiveOn: r.GetEffectiveDate(), Reason: r.GetReason()})
	if err != nil {
		return nil, err
	}
	return &pb.ReleaseVillageResponse{Assignments: assignmentsPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) ScheduleStationDay(ctx context.Context, r *pb.ScheduleStationDayRequest) (*pb.ScheduleStationDayResponse, error) {
	return s.scheduleStationDay(ctx, r)
}

func (s *Server) doScheduleStationDay(ctx context.Context, r *pb.ScheduleStationDayRequest) (*pb.ScheduleStationDayResponse, error) {
	cmd, err := s.assignmentCommand(ctx, r.GetName(), r.GetEtag(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.ScheduleStationDay(ctx, app.ScheduleStationDay{AssignmentCommand: cmd,
		ScheduleStationDay: assignment.ScheduleStationDay{Village: r.GetVillage(), On: r.GetDate(), Reschedule: r.GetReschedule()}})
	if err != nil {
		return nil, err
	}
	return &pb.ScheduleStationDayResponse{Assignments: assignmentsPB(res), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetSocialWorkerAssignments(ctx context.Context, r *pb.GetSocialWorkerAssignmentsRequest) (*pb.SocialWorkerAssignments, error) {
	return s.getAssignments(ctx, r)
}

func (s *Server) doGetAssignments(ctx context.Context, r *pb.GetSocialWorkerAssignmentsRequest) (*pb.SocialWorkerAssignments, error) {
	tenant, worker, err := parseAssignmentsName(r.GetName())
	if err != nil {
		return nil, err
	}
	res, err := s.app.GetSocialWorkerAssignments(ctx, tenant, worker)
	if err != nil {
		return nil, err
	}
	return assignmentsPB(res), nil
}
