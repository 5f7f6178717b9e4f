package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
)

// TestBadRequestsNameTheFieldAndWriteNothing sends requests a front end or
// partner app could get wrong; each fails with INVALID_ARGUMENT naming the
// offending field, and no event is stored or published.
func TestBadRequestsNameTheFieldAndWriteNothing(t *testing.T) {
	e := start(t)
	_, person := e.register("V07")
	publishEdition(t, e, 25, "2026-10-01")
	sched, err := e.client.ScheduleVisit(staff(), &pb.ScheduleVisitRequest{Parent: "tenants/" + tenant,
		Visit: &pb.Visit{Kind: pb.VisitKind_VISIT_KIND_ROUTINE, Village: "V07", Persons: []string{person}, SocialWorker: "sw-017", PlannedDate: "2026-12-03"}})
	if err != nil {
		t.Fatal(err)
	}
	call, err := e.client.ReceiveHotlineCall(staff(), &pb.ReceiveHotlineCallRequest{Parent: "tenants/" + tenant,
		HotlineCall: &pb.HotlineCall{Line: 1, ReceiveTime: tspb(now.Add(-time.Hour)), CallerPerson: person, Need: "咨询低保", Urgency: pb.Urgency_URGENCY_NORMAL}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.TriageHotlineCall(staff(), &pb.TriageHotlineCallRequest{Name: call.GetHotlineCall().GetName(), Owner: "sw-017"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.AssignVillage(staff(), &pb.AssignVillageRequest{Name: "tenants/shitan/socialWorkers/sw-017/assignments",
		Village: "V01", EffectiveDate: "2026-12-01"}); err != nil {
		t.Fatal(err)
	}
	stored := e.storedEvents()
	waitUntil(t, func() bool { return e.visitsMessages() == uint64(stored) })

	visit := func(change func(*pb.Visit, *pb.VisitReport)) *pb.RecordVisitRequest {
		v := &pb.Visit{Kind: pb.VisitKind_VISIT_KIND_ROUTINE, Village: "V07", Persons: []string{person}, SocialWorker: "sw-017"}
		r := report("r-bad", now.Add(-time.Hour))
		change(v, r)
		return &pb.RecordVisitRequest{Parent: "tenants/" + tenant, Visit: v, Report: r}
	}
	record := func(change func(*pb.Visit, *pb.VisitReport)) func(context.Context) error {
		return func(ctx context.Context) error { _, err := e.client.RecordVisit(ctx, visit(change)); return err }
	}
	receive := func(change func(*pb.HotlineCall)) func(context.Context) error {
		c := &pb.HotlineCall{Line: 2, ReceiveTime: tspb(now.Add(-time.Hour)), CallerNumber: "13800138000", Need: "咨询", Urgency: pb.Urgency_URGENCY_URGENT}
		change(c)
		return func(ctx context.Context) error {
			_, err := e.client.ReceiveHotlineCall(ctx, &pb.ReceiveHotlineCallRequest{Parent: "tenants/" + tenant, HotlineCall: c})
			return err
		}
	}
	followUp := func(f *pb.HotlineFollowUp) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := e.client.FollowUpHotlineCall(ctx, &pb.FollowUpHotlineCallRequest{Name: call.GetHotlineCall().GetName(), FollowUp: f})
			return err
		}
	}
	cases := []struct {
		name  string
		send  func(context.Context) error
		field string
	}{
		{"no kind", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Kind = 0 }), "visit.kind"},
		{"unknown kind number", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Kind = 42 }), "visit.kind"},
		{"no village", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Village = "" }), "visit.village"},
		{"village with a space", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Village = "V 07" }), "visit.village"},
		{"malformed person name", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Persons = []string{"persons/1"} }), "visit.persons[0]"},
		{"nobody visited", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Persons = nil }), "visit.persons"},
		{"person listed twice", record(func(v *pb.Visit, _ *pb.VisitReport) { v.Persons = []string{person, person} }), "visit.persons[1]"},
		{"no social worker", record(func(v *pb.Visit, _ *pb.VisitReport) { v.SocialWorker = "" }), "visit.social_worker"},
		{"hotline call on a routine visit", record(func(v *pb.Visit, _ *pb.VisitReport) { v.HotlineCall = call.GetHotlineCall().GetName() }), "visit.hotline_call"},
		{"occurred tomorrow", record(func(_ *pb.Visit, r *pb.VisitReport) { r.OccurTime = tspb(now.Add(24 * time.Hour)) }), "report.occur_time"},
		{"occurred over a quarter ago", record(func(_ *pb.Visit, r *pb.VisitReport) { r.OccurTime = tspb(now.Add(-100 * 24 * time.Hour)) }), "report.occur_time"},
		{"no report id", record(func(_ *pb.Visit, r *pb.VisitReport) { r.ReportId = "" }), "report.report_id"},
		{"tier recommendation 5", record(func(_ *pb.Visit, r *pb.VisitReport) { r.TierRecommendation, r.TierRecommendationReason = 5, "x" }), "report.tier_recommendation"},
		{"reason without a tier", record(func(_ *pb.Visit, r *pb.VisitReport) { r.TierRecommendationReason = "x" }), "report.tier_recommendation_reason"},
		{"no staff among participants", record(func(_ *pb.Visit, r *pb.VisitReport) {
			r.Participants = []*pb.Participant{{Role: pb.ParticipantRole_PARTICIPANT_ROLE_VOLUNTEER, DisplayName: "王"}}
		}), "report.participants"},
		{"no services", record(func(_ *pb.Visit, r *pb.VisitReport) { r.Services = nil }), "report.services"},
		{"card count 0", record(func(_ *pb.Visit, r *pb.VisitReport) { r.Cards = []*pb.CardHandout{{Edition: 25, Count: 0}} }), "report.cards[0].count"},
		{"card edition 0", record(func(_ *pb.Visit, r *pb.VisitReport) { r.Cards = []*pb.CardHandout{{Edition: 0, Count: 1}} }), "report.cards[0].edition"},
		{"notes of 10 KB", record(func(_ *pb.Visit, r *pb.VisitReport) { r.Notes = strings.Repeat("记", 10000) }), "report.notes"},
		{"control character in a need", record(func(_ *pb.Visit, r *pb.VisitReport) { r.Needs = []string{"a\x07b"} }), "report.needs[0]"},
		{"SQL-looking social worker id", record(func(v *pb.Visit, _ *pb.VisitReport) { v.SocialWorker = "x'; DROP TABLE events;--" }), "visit.social_worker"},
		{"planned in the past", func(ctx context.Context) error {
			_, err := e.client.ScheduleVisit(ctx, &pb.ScheduleVisitRequest{Parent: "tenants/" + tenant,
				Visit: &pb.Visit{Kind: pb.VisitKind_VISIT_KIND_ROUTINE, Village: "V07", Persons: []string{person}, SocialWorker: "sw-017", PlannedDate: "2026-11-01"}})
			return err
		}, "visit.planned_date"},
		{"visit id not a UUID", func(ctx context.Context) error {
			r := visit(func(*pb.Visit, *pb.VisitReport) {})
			r.VisitId = "visit-1"
			_, err := e.client.RecordVisit(ctx, r)
			return err
		}, "visit_id"},
		{"malformed visit name", func(ctx context.Context) error {
			_, err := e.client.CancelVisit(ctx, &pb.CancelVisitRequest{Name: "visits/" + sched.GetVisit().GetName(), Reason: "x"})
			return err
		}, "name"},
		{"cancel without a reason", func(ctx context.Context) error {
			_, err := e.client.CancelVisit(ctx, &pb.CancelVisitRequest{Name: sched.GetVisit().GetName()})
			return err
		}, "reason"},
		{"malformed etag", func(ctx context.Context) error {
			_, err := e.client.CancelVisit(ctx, &pb.CancelVisitRequest{Name: sched.GetVisit().GetName(), Reason: "x", Etag: "W/1"})
			return err
		}, "etag"},
		{"hotline line 7", receive(func(c *pb.HotlineCall) { c.Line = 7 }), "hotline_call.line"},
		{"caller person and number", receive(func(c *pb.HotlineCall) { c.CallerPerson = person }), "hotline_call.caller_number"},
		{"letters in the number", receive(func(c *pb.HotlineCall) { c.CallerNumber = "138-ABCD-0000" }), "hotline_call.caller_number"},
		{"no urgency", receive(func(c *pb.HotlineCall) { c.Urgency = 0 }), "hotline_call.urgency"},
		{"call received tomorrow", receive(func(c *pb.HotlineCall) { c.ReceiveTime = tspb(now.Add(24 * time.Hour)) }), "hotline_call.receive_time"},
		{"follow-up before the call", followUp(&pb.HotlineFollowUp{Method: pb.FollowUpMethod_FOLLOW_UP_METHOD_CALL_BACK, By: "sw-017",
			FollowUpTime: tspb(now.Add(-2 * time.Hour)), Outcome: "已回电"}), "follow_up.follow_up_time"},
		{"follow-up visit without a visit", followUp(&pb.HotlineFollowUp{Method: pb.FollowUpMethod_FOLLOW_UP_METHOD_VISIT, By: "sw-017",
			FollowUpTime: tspb(now), Outcome: "已上门"}), "follow_up.visit"},
		{"theme month malformed", func(ctx context.Context) error {
			_, err := e.client.ChooseMonthlyTheme(ctx, &pb.ChooseMonthlyThemeRequest{Parent: "tenants/" + tenant, Month: "2026-13",
				MonthlyTheme: &pb.MonthlyTheme{Title: "x"}})
			return err
		}, "month"},
		{"card edition 1000", func(ctx context.Context) error {
			_, err := e.client.PublishCardEdition(ctx, &pb.PublishCardEditionRequest{Parent: "tenants/" + tenant,
				CardEdition: &pb.CardEdition{Revision: 1000, Topics: []pb.CardTopic{pb.CardTopic_CARD_TOPIC_DIBAO}}})
			return err
		}, "card_edition.revision"},
		{"edition without topics", func(ctx context.Context) error {
			_, err := e.client.PublishCardEdition(ctx, &pb.PublishCardEditionRequest{Parent: "tenants/" + tenant,
				CardEdition: &pb.CardEdition{Revision: 26}})
			return err
		}, "card_edition.topics"},
		{"outreach attendance -1", func(ctx context.Context) error {
			_, err := e.client.RecordOutreachEvent(ctx, &pb.RecordOutreachEventRequest{Parent: "tenants/" + tenant,
				OutreachEvent: &pb.OutreachEvent{Village: "V05", HeldDate: "2026-11-30", Title: "宣讲", Organiser: "sw-017", Attendance: -1}})
			return err
		}, "outreach_event.attendance"},
		{"outreach held tomorrow", func(ctx context.Context) error {
			_, err := e.client.RecordOutreachEvent(ctx, &pb.RecordOutreachEventRequest{Parent: "tenants/" + tenant,
				OutreachEvent: &pb.OutreachEvent{Village: "V05", HeldDate: "2026-12-03", Title: "宣讲", Organiser: "sw-017", Attendance: 5}})
			return err
		}, "outreach_event.held_date"},
		{"assignment name without a social worker", func(ctx context.Context) error {
			_, err := e.client.AssignVillage(ctx, &pb.AssignVillageRequest{Name: "tenants/shitan/socialWorkers//assignments", Village: "V01"})
			return err
		}, "name"},
		{"station day not a date", func(ctx context.Context) error {
			_, err := e.client.ScheduleStationDay(ctx, &pb.ScheduleStationDayRequest{Name: "tenants/shitan/socialWorkers/sw-017/assignments", Village: "V01", Date: "15/12/2026"})
			return err
		}, "date"},
		{"negative page size", func(ctx context.Context) error {
			_, err := e.client.ListVisits(ctx, &pb.ListVisitsRequest{Parent: "tenants/" + tenant, PageSize: -1})
			return err
		}, "page_size"},
		{"malformed consistency token", func(ctx context.Context) error {
			_, err := e.client.ListVisits(ctx, &pb.ListVisitsRequest{Parent: "tenants/" + tenant, ConsistencyToken: "visits/../1"})
			return err
		}, "consistency_token"},
		{"request id over 100 characters", func(ctx context.Context) error {
			r := visit(func(*pb.Visit, *pb.VisitReport) {})
			r.RequestId = strings.Repeat("k", 101)
			_, err := e.client.RecordVisit(ctx, r)
			return err
		}, "request_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantStatus(t, c.send(staff()), codes.InvalidArgument, c.field)
		})
	}
	if got := e.storedEvents(); got != stored {
		t.Fatalf("bad requests stored %d events", got-stored)
	}
	if got := e.visitsMessages(); got != uint64(stored) {
		t.Fatalf("bad requests published %d events", got-uint64(stored))
	}
}
