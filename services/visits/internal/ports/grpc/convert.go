package grpc

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/visits/internal/app"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// enumCode turns VISIT_KIND_THEME_DAY into "theme_day" given the prefix
// "VISIT_KIND_"; unspecified is "", and an unknown number stays a number the
// domain refuses.
func enumCode(name, prefix string) string {
	code := strings.ToLower(strings.TrimPrefix(name, prefix))
	if code == "unspecified" {
		return ""
	}
	return code
}

// enumValue is the enum value of a domain code, 0 for an unknown one.
func enumValue(values map[string]int32, prefix, code string) int32 {
	return values[prefix+strings.ToUpper(code)]
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeOf(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// refID reads the id of a resource named "tenants/{tenant}/{collection}/{id}"
// in tenant; "" stays "". A malformed name is refused naming field.
func refID(field, tenant, name, collection string) (string, error) {
	if name == "" {
		return "", nil
	}
	t, id, err := kit.ParseName(field, name, collection)
	if err != nil {
		return "", err
	}
	if t != tenant {
		return "", kit.BadRequest(field, "must name a resource of tenant "+tenant)
	}
	return id.String(), nil
}

func refUUID(field, tenant, name, collection string) (uuid.UUID, error) {
	s, err := refID(field, tenant, name, collection)
	if err != nil || s == "" {
		return uuid.Nil, err
	}
	return uuid.MustParse(s), nil
}

func resourceName(tenant, collection, id string) string {
	if id == "" {
		return ""
	}
	return "tenants/" + tenant + "/" + collection + "/" + id
}

// visitDetails reads the details of a new visit.
func visitDetails(tenant string, v *pb.Visit) (visit.VisitDetails, error) {
	d := visit.VisitDetails{Tenant: tenant, Kind: enumCode(v.GetKind().String(), "VISIT_KIND_"),
		Village: v.GetVillage(), SocialWorker: v.GetSocialWorker()}
	for i, p := range v.GetPersons() {
		id, err := refID("visit.persons["+strconv.Itoa(i)+"]", tenant, p, "persons")
		if err != nil {
			return d, err
		}
		d.PersonIDs = append(d.PersonIDs, id)
	}
	var err error
	if d.HouseholdID, err = refID("visit.household", tenant, v.GetHousehold(), "households"); err != nil {
		return d, err
	}
	if d.HotlineCallID, err = refUUID("visit.hotline_call", tenant, v.GetHotlineCall(), "hotlineCalls"); err != nil {
		return d, err
	}
	return d, nil
}

func report(r *pb.VisitReport) visit.ReportVisit {
	out := visit.ReportVisit{
		ReportID: r.GetReportId(), OccurredAt: timeOf(r.GetOccurTime()), Needs: r.GetNeeds(), Risks: r.GetRisks(),
		TierRecommendation: int(r.GetTierRecommendation()), TierReason: r.GetTierRecommendationReason(),
		Cards: handouts(r.GetCards()), Notes: r.GetNotes(),
	}
	for _, p := range r.GetParticipants() {
		out.Participants = append(out.Participants, visit.Participant{
			Role: visit.Role(enumCode(p.GetRole().String(), "PARTICIPANT_ROLE_")), ID: p.GetId(), Name: p.GetDisplayName()})
	}
	for _, s := range r.GetServices() {
		out.Services = append(out.Services, enumCode(s.String(), "SERVICE_TYPE_"))
	}
	return out
}

func handouts(in []*pb.CardHandout) []cardedition.Handout {
	var out []cardedition.Handout
	for _, h := range in {
		out = append(out, cardedition.Handout{Edition: int(h.GetEdition()), Count: int(h.GetCount())})
	}
	return out
}

func handoutsPB(in []cardedition.Handout) []*pb.CardHandout {
	var out []*pb.CardHandout
	for _, h := range in {
		out = append(out, &pb.CardHandout{Edition: int32(h.Edition), Count: int32(h.Count)})
	}
	return out
}

func visitPB(r app.VisitResult) *pb.Visit {
	v := r.Visit
	d := v.Details()
	out := &pb.Visit{
		Name:         app.VisitName(r.Tenant, v.ID()),
		Kind:         pb.VisitKind(enumValue(pb.VisitKind_value, "VISIT_KIND_", string(d.Kind))),
		Village:      d.Village,
		Household:    resourceName(r.Tenant, "households", d.HouseholdID),
		SocialWorker: d.SocialWorker,
		State:        pb.VisitState(enumValue(pb.VisitState_value, "VISIT_STATE_", string(v.Status()))),
		Etag:         r.Etag, CreateTime: ts(r.Created), UpdateTime: ts(r.Updated),
		SensitiveFieldsRevealed: r.Revealed,
	}
	for _, p := range d.PersonIDs {
		out.Persons = append(out.Persons, resourceName(r.Tenant, "persons", p))
	}
	if d.HotlineCallID != uuid.Nil {
		out.HotlineCall = app.CallName(r.Tenant, d.HotlineCallID)
	}
	if on := v.PlannedOn(); !on.IsZero() {
		out.PlannedDate = on.String()
	}
	if m, ok := v.Month(); ok {
		out.Month = m.String()
	}
	if done, ok := v.Completion(); ok {
		out.Completion = reportPB(done, r.Notes[done.ReportID])
	}
	for _, a := range v.Addenda() {
		out.Addenda = append(out.Addenda, reportPB(a, r.Notes[a.ReportID]))
	}
	return out
}

func reportPB(r visit.Report, notes string) *pb.VisitReport {
	out := &pb.VisitReport{
		ReportId: r.ReportID, OccurTime: ts(r.OccurredAt), Month: r.Month.String(), CreateTime: ts(r.RecordedAt),
		Needs: r.Findings.Needs, Risks: r.Findings.Risks, Cards: handoutsPB(r.Cards), Notes: notes,
	}
	if t := r.Findings.TierRecommendation; t != nil {
		out.TierRecommendation, out.TierRecommendationReason = int32(t.Tier), t.Reason
	}
	for _, p := range r.Participants {
		out.Participants = append(out.Participants, &pb.Participant{
			Role: pb.ParticipantRole(enumValue(pb.ParticipantRole_value, "PARTICIPANT_ROLE_", string(p.Role))),
			Id:   p.ID, DisplayName: p.Name})
	}
	for _, s := range r.Services {
		out.Services = append(out.Services, pb.ServiceType(enumValue(pb.ServiceType_value, "SERVICE_TYPE_", string(s))))
	}
	return out
}

func themePB(tenant string, r app.ThemeResult) *pb.MonthlyTheme {
	t := r.Aggregate
	return &pb.MonthlyTheme{
		Name: "tenants/" + tenant + "/monthlyThemes/" + t.Month().String(), Month: t.Month().String(),
		Title: t.Title(), Description: t.Description(), ChangeCount: int32(t.Changes()),
		Etag: r.Etag(), CreateTime: ts(r.Created), UpdateTime: ts(r.Updated),
	}
}

func editionPB(r app.EditionResult) *pb.CardEdition {
	e := r.Aggregate
	out := &pb.CardEdition{
		Name:     "tenants/" + e.Tenant() + "/cardEditions/" + strconv.Itoa(e.Revision()),
		Revision: int32(e.Revision()), Title: e.Title(), EffectiveDate: e.EffectiveOn().String(),
		Etag: r.Etag(), CreateTime: ts(r.Created), UpdateTime: ts(r.Updated),
	}
	if on, ok := e.RetiredOn(); ok {
		out.RetireDate = on.String()
	}
	for _, t := range e.Topics() {
		out.Topics = append(out.Topics, pb.CardTopic(enumValue(pb.CardTopic_value, "CARD_TOPIC_", string(t))))
	}
	return out
}

func outreachPB(r app.OutreachResult) *pb.OutreachEvent {
	e := r.Aggregate
	return &pb.OutreachEvent{
		Name:    "tenants/" + e.Tenant() + "/outreachEvents/" + e.ID().String(),
		Village: e.Village(), HeldDate: e.HeldOn().String(), Title: e.Title(), Organiser: e.Organiser(),
		Attendance: int32(e.Attendance()), Cards: handoutsPB(e.Cards()), CorrectionCount: int32(e.Corrections()),
		Etag: r.Etag(), CreateTime: ts(r.Created), UpdateTime: ts(r.Updated),
	}
}

func callPB(r app.CallResult) *pb.HotlineCall {
	c := r.Aggregate
	out := &pb.HotlineCall{
		Name: app.CallName(r.Tenant, c.ID()), Line: int32(c.Line()), ReceiveTime: ts(c.ReceivedAt()),
		CallerPerson: resourceName(r.Tenant, "persons", c.Caller().PersonID), CallerNumber: r.CallerNumber,
		Need: c.Need(), Urgency: pb.Urgency(enumValue(pb.Urgency_value, "URGENCY_", string(c.Urgency()))),
		Notes: r.Notes, Owner: c.Owner(), DueTime: ts(c.DueAt()),
		SensitiveFieldsRevealed: r.Revealed,
		Etag:                    r.Etag(), CreateTime: ts(r.Created), UpdateTime: ts(r.Updated),
	}
	switch f, closed := c.Closure(); {
	case closed:
		out.State = pb.HotlineCallState_HOTLINE_CALL_STATE_CLOSED
		out.FollowUp = &pb.HotlineFollowUp{
			Method: pb.FollowUpMethod(enumValue(pb.FollowUpMethod_value, "FOLLOW_UP_METHOD_", string(f.Method))),
			By:     f.By, FollowUpTime: ts(f.FollowedUpAt), Outcome: f.Outcome, Note: r.FollowUpNote,
		}
		if f.VisitID != uuid.Nil {
			out.FollowUp.Visit = app.VisitName(r.Tenant, f.VisitID)
		}
	case c.Owner() != "":
		out.State = pb.HotlineCallState_HOTLINE_CALL_STATE_TRIAGED
	default:
		out.State = pb.HotlineCallState_HOTLINE_CALL_STATE_RECEIVED
	}
	return out
}

func assignmentsPB(r app.AssignmentsResult) *pb.SocialWorkerAssignments {
	x := r.Aggregate
	out := &pb.SocialWorkerAssignments{
		Name:     assignmentsName(r.Tenant, r.SocialWorker),
		Villages: x.Villages(), Etag: r.Etag(),
	}
	for _, c := range x.History() {
		out.History = append(out.History, &pb.AssignmentChange{Village: c.Village, Assigned: c.Assigned,
			EffectiveDate: c.EffectiveOn.String(), Reason: c.Reason})
	}
	for _, d := range x.StationDays() {
		out.StationDays = append(out.StationDays, &pb.StationDay{Village: d.Village, Month: d.On.YearMonth().String(), Date: d.On.String()})
	}
	return out
}

func assignmentsName(tenant, socialWorker string) string {
	return "tenants/" + tenant + "/socialWorkers/" + socialWorker + "/assignments"
}

// parseAssignmentsName reads "tenants/{tenant}/socialWorkers/{id}/assignments".
func parseAssignmentsName(s string) (string, string, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] != "tenants" || parts[1] == "" || parts[2] != "socialWorkers" || parts[3] == "" || parts[4] != "assignments" {
		return "", "", kit.BadRequest("name", `must be "tenants/{tenant}/socialWorkers/{social worker}/assignments"`)
	}
	return parts[1], parts[3], nil
}

// parseKeyName reads "tenants/{tenant}/{collection}/{key}" with a key that
// is not a UUID (a month, a revision).
func parseKeyName(field, s, collection string) (string, string, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 4 || parts[0] != "tenants" || parts[1] == "" || parts[2] != collection || parts[3] == "" {
		return "", "", kit.BadRequest(field, `must be "tenants/{tenant}/`+collection+`/{id}"`)
	}
	return parts[1], parts[3], nil
}

func urgencyCode(u pb.Urgency) string { return enumCode(u.String(), "URGENCY_") }

func callState(s pb.HotlineCallState) string { return enumCode(s.String(), "HOTLINE_CALL_STATE_") }

// parseEditionName reads "tenants/{tenant}/cardEditions/{revision}".
func parseEditionName(name string) (string, int, error) {
	tenant, key, err := parseKeyName("name", name, "cardEditions")
	if err != nil {
		return "", 0, err
	}
	rev, err := strconv.Atoi(key)
	if err != nil || rev < 1 || rev > cardedition.MaxRevision || strconv.Itoa(rev) != key {
		return "", 0, kit.BadRequest("name", "must end in a revision number from 1 to 999")
	}
	return tenant, rev, nil
}
