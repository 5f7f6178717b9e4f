package service_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
)

// china is a wall-clock time in China (UTC+8) as an instant.
func china(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.FixedZone("UTC+8", 8*60*60))
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// visitsEvent appends one visits event to a stream, recorded at `recorded`,
// and returns the write's consistency token.
func (e *env) visitsEvent(t testing.TB, stream, typ string, recorded time.Time, data map[string]any) string {
	t.Helper()
	return e.appendTo(t, e.visits, "visits", stream, ev{typ, data, recorded})
}

// visit is a completed visit to record.
type visit struct {
	id                     string // default a new one
	kind, village, worker  string
	persons                []string
	household              string
	occurred, recorded     time.Time // recorded defaults to occurred
	services               []string
	cards                  map[int]int // edition → count
	hotlineCall, reportID  string
	scheduledFirst, missed bool
	skipCompletion         bool
}

func handouts(cards map[int]int) []map[string]any {
	var out []map[string]any
	for ed, n := range cards {
		out = append(out, map[string]any{"edition": ed, "count": n})
	}
	return out
}

// complete records a visit (scheduled first when asked) and returns its id;
// the token of the last write is in e.last.
func (e *env) complete(t testing.TB, v visit) string {
	t.Helper()
	if v.id == "" {
		v.id = uuid.NewString()
	}
	if v.recorded.IsZero() {
		v.recorded = v.occurred
	}
	if v.kind == "" {
		v.kind = "routine"
	}
	if v.services == nil {
		v.services = []string{"policy_explanation"}
	}
	if v.reportID == "" {
		v.reportID = uuid.NewString()
	}
	details := func() map[string]any {
		d := map[string]any{"visit_id": v.id, "tenant": tenant, "kind": v.kind, "village": v.village,
			"social_worker": v.worker}
		if len(v.persons) > 0 {
			d["person_ids"] = v.persons
		}
		if v.household != "" {
			d["household_id"] = v.household
		}
		if v.hotlineCall != "" {
			d["hotline_call_id"] = v.hotlineCall
		}
		return d
	}
	stream := "visit-" + v.id
	if v.scheduledFirst {
		d := details()
		d["planned_on"] = v.occurred.In(time.FixedZone("", 8*3600)).Format(time.DateOnly)
		e.visitsEvent(t, stream, "visits.visit.scheduled", v.recorded.Add(-72*time.Hour), d)
	}
	if v.missed {
		e.visitsEvent(t, stream, "visits.visit.missed", v.recorded.Add(-time.Hour), map[string]any{
			"visit_id": v.id, "reason": "nobody at home", "on": v.occurred.Format(time.DateOnly)})
	}
	if v.skipCompletion {
		return v.id
	}
	d := details()
	d["report_id"] = v.reportID
	d["occurred_at"] = v.occurred
	d["month"] = v.occurred.In(time.FixedZone("", 8*3600)).Format("2006-01")
	d["participants"] = []map[string]any{{"role": "social_worker", "id": v.worker, "name": "社工"}}
	d["services"] = v.services
	d["findings"] = map[string]any{"needs": []string{"助餐"}}
	d["notes"] = "c2VhbGVk"
	if len(v.cards) > 0 {
		d["cards"] = handouts(v.cards)
	}
	if v.missed {
		d["was_missed"] = true
	}
	e.visitsEvent(t, stream, "visits.visit.completed", v.recorded, d)
	return v.id
}

// call is a hotline call to record.
type call struct {
	caller            string // person id; empty: an anonymous number
	urgency           string
	line              int
	received          time.Time
	window            time.Duration // default: urgent 2h, normal 48h
	owner             string        // triaged when set
	followedUp        time.Time     // not followed up when zero
	method, followVia string        // method default call_back; followVia: the visit id
}

// hotline records a call and returns its id.
func (e *env) hotline(t testing.TB, c call) string {
	t.Helper()
	id := uuid.NewString()
	stream := "hotline_call-" + id
	if c.urgency == "" {
		c.urgency = "normal"
	}
	if c.window == 0 {
		c.window = 48 * time.Hour
		if c.urgency == "urgent" {
			c.window = 2 * time.Hour
		}
	}
	if c.line == 0 {
		c.line = 1
	}
	caller := map[string]any{"number": "c2VhbGVk"}
	if c.caller != "" {
		caller = map[string]any{"person_id": c.caller}
	}
	due := c.received.Add(c.window)
	e.visitsEvent(t, stream, "visits.hotline_call.received", c.received, map[string]any{
		"call_id": id, "tenant": tenant, "line": c.line, "received_at": c.received, "caller": caller,
		"need": "助餐", "urgency": c.urgency, "due_at": due})
	if c.owner != "" {
		e.visitsEvent(t, stream, "visits.hotline_call.triaged", c.received.Add(time.Minute), map[string]any{
			"call_id": id, "owner": c.owner, "urgency": c.urgency, "due_at": due, "triaged_at": c.received.Add(time.Minute)})
	}
	if !c.followedUp.IsZero() {
		m := c.method
		if m == "" {
			m = "call_back"
		}
		d := map[string]any{"call_id": id, "method": m, "by": "sw01", "followed_up_at": c.followedUp, "outcome": "已回访"}
		if c.followVia != "" {
			d["visit_id"] = c.followVia
		}
		e.visitsEvent(t, stream, "visits.hotline_call.followed_up", c.followedUp, d)
	}
	return id
}

// outreach records a publicity event and returns its id.
func (e *env) outreach(t testing.TB, village, on string, attendance int, cards map[int]int) string {
	t.Helper()
	id := uuid.NewString()
	d := map[string]any{"event_id": id, "tenant": tenant, "village": village, "held_on": on,
		"title": "社会救助政策进村宣讲", "organiser": "sw01", "attendance": attendance}
	if len(cards) > 0 {
		d["cards"] = handouts(cards)
	}
	e.visitsEvent(t, "outreach-"+id, "visits.outreach.recorded", at(on), d)
	return id
}

func (e *env) assignment(t testing.TB, worker, typ string, data map[string]any) {
	t.Helper()
	data["tenant"], data["social_worker"] = tenant, worker
	e.visitsEvent(t, "assignment-"+tenant+"-"+worker, "visits.assignment."+typ, today, data)
}

// caughtUp waits until the views have applied the latest write of each
// source service.
func (e *env) caughtUp(t testing.TB) {
	t.Helper()
	for _, token := range e.lastOf {
		if _, err := e.client.GetTierCounts(ctx, &monitoringv1.GetTierCountsRequest{Tenant: tenant, ConsistencyToken: token}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) overdue(t *testing.T, token string) map[string]*monitoringv1.DueFollowUp {
	t.Helper()
	resp, err := e.client.ListDueFollowUps(ctx, &monitoringv1.ListDueFollowUpsRequest{
		Tenant: tenant, OverdueOnly: true, ConsistencyToken: token, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*monitoringv1.DueFollowUp{}
	for _, d := range resp.GetItems() {
		out[d.GetPersonId()] = d
	}
	return out
}

// A tier-1 person (weekly) with no contact for 8 days is overdue; a
// completed visit, read with its consistency token, takes them off the
// overdue list, as does a hotline call of theirs followed up, or a visit to
// their household as a whole. A visit recorded late with an earlier
// occurred_at does not move the last contact back.
func TestContactsTakePersonsOffTheOverdueList(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	h2 := e.household(t, "V01", "2024-01-01")
	reg := func(household string) string {
		id := e.register(t, person{household: household, village: "V01", categories: []string{"DIBAO"}, on: "2024-06-01", tier: 1, worker: "sw01"})
		e.monthlyUpdate(t, id, "2025-06", at("2025-06-12")) // 8 days before today, 2025-06-20
		return id
	}
	visited, called, household, untouched := reg(h), reg(h), reg(h2), reg(h)

	over := e.overdue(t, e.last)
	for _, id := range []string{visited, called, household, untouched} {
		d := over[id]
		if d == nil || d.GetDueDate() != "2025-06-19" || d.GetDaysOverdue() != 1 || d.GetLastContactKind() != "monthly_update" {
			t.Fatalf("tier-1 person with no contact for 8 days: %v, want overdue since 2025-06-19 after a monthly update", d)
		}
	}

	// The visit happened yesterday and is recorded today.
	e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{visited},
		occurred: china("2025-06-19 15:00"), recorded: today, scheduledFirst: true})
	token := e.last
	over = e.overdue(t, token)
	if _, ok := over[visited]; ok {
		t.Fatalf("visited person still overdue when read with the visit's token %s", token)
	}
	if over[untouched] == nil {
		t.Fatal("a person nobody contacted dropped off the overdue list")
	}

	// A follow-up of the person's own hotline call is a contact too.
	e.hotline(t, call{caller: called, urgency: "normal", received: china("2025-06-18 09:00"),
		followedUp: china("2025-06-18 16:30")})
	// A visit to a household as a whole is a contact with its members.
	e.complete(t, visit{village: "V01", worker: "sw01", household: h2, occurred: china("2025-06-20 09:00")})
	// A visit recorded today that occurred before the last contact does not
	// move the last contact back.
	e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{visited}, occurred: china("2025-06-02 10:00"), recorded: today})
	e.caughtUp(t)
	over = e.overdue(t, "")
	if len(over) != 1 || over[untouched] == nil {
		t.Fatalf("overdue %v, want only the untouched person", over)
	}

	items := map[string]*monitoringv1.CaseloadItem{}
	for _, it := range e.caseload(t, &monitoringv1.ListCaseloadRequest{AsOfDate: "2025-06-20"}) {
		items[it.GetPersonId()] = it
	}
	for _, c := range []struct {
		id, kind string
		last     time.Time
		due      string
	}{
		{visited, "visit", china("2025-06-19 15:00"), "2025-06-26"},
		{called, "hotline_follow_up", china("2025-06-18 16:30"), "2025-06-25"},
		{household, "visit", china("2025-06-20 09:00"), "2025-06-27"},
		{untouched, "monthly_update", at("2025-06-12"), "2025-06-19"},
	} {
		it := items[c.id]
		if it.GetLastContactKind() != c.kind || !it.GetLastContactTime().AsTime().Equal(c.last) || it.GetNextContactDueDate() != c.due {
			t.Errorf("caseload item: last contact %s %s due %s, want %s %s due %s", it.GetLastContactKind(),
				it.GetLastContactTime().AsTime(), it.GetNextContactDueDate(), c.kind, c.last, c.due)
		}
	}
}

// A query waits for a visits token as for a beneficiaries one; a token of a
// service the views do not read is an invalid argument.
func TestVisitsConsistencyToken(t *testing.T) {
	// Long enough for a loaded machine's first write to reach a projection
	// that is still starting; the token ahead of the view waits it out.
	e := newEnv(t, map[string]string{"MONITORING_WAIT_TIMEOUT": "2s"})
	for i := range 10 {
		e.outreach(t, fmt.Sprintf("V%02d", i), "2025-06-10", 10, map[int]int{25: 1})
		resp, err := e.client.GetCardFigures(ctx, &monitoringv1.GetCardFiguresRequest{Tenant: tenant,
			StartDate: "2025-06-01", EndDate: "2025-06-30", ConsistencyToken: e.last})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetOutreachEvents() != int64(i+1) {
			t.Fatalf("%d publicity events seen with the token of the %dth", resp.GetOutreachEvents(), i+1)
		}
	}
	_, err := e.client.GetCardFigures(ctx, &monitoringv1.GetCardFiguresRequest{Tenant: tenant,
		StartDate: "2025-06-01", EndDate: "2025-06-30", ConsistencyToken: "visits/visit-00000000-0000-0000-0000-000000000001/4"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("ahead-of-view visits token: %v, want Unavailable", err)
	}
	_, err = e.client.GetCardFigures(ctx, &monitoringv1.GetCardFiguresRequest{Tenant: tenant,
		StartDate: "2025-06-01", EndDate: "2025-06-30", ConsistencyToken: "respite/booking-1/1"})
	if status.Code(err) != codes.InvalidArgument || fieldOf(err) != "consistency_token" {
		t.Fatalf("respite token: %v, want InvalidArgument naming consistency_token", err)
	}
}

// A visit counts for the date and month it occurred in China, whenever it
// was recorded: one recorded on 2 July that occurred on 29 June counts for
// June, one that occurred at 01:00 on 1 July in China (still 30 June in UTC)
// counts for July. Station figures count visits by kind, services by type
// (a further report adds its services) and person-times.
func TestVisitsCountForTheMonthTheyOccurred(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	reg := func() string {
		return e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO"}, on: "2024-06-01", tier: 2, worker: "sw01"})
	}
	a, b, c := reg(), reg(), reg()
	hh := e.household(t, "V02", "2024-01-01")
	e.register(t, person{household: hh, village: "V02", categories: []string{"TEKUN"}, on: "2024-06-01", tier: 3, worker: "sw02"})
	e.register(t, person{household: hh, village: "V02", categories: []string{"TEKUN"}, on: "2024-06-01", tier: 3, worker: "sw02"})

	routine := e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{a, b}, occurred: china("2025-06-05 10:00"),
		services: []string{"policy_explanation", "emotional_care"}})
	e.visitsEvent(t, "visit-"+routine, "visits.visit.addendum_recorded", china("2025-06-06 10:00"), map[string]any{
		"visit_id": routine, "report_id": "second", "occurred_at": china("2025-06-05 10:00"), "month": "2025-06",
		"participants": []map[string]any{{"role": "volunteer", "name": "志愿者"}},
		"services":     []string{"emotional_care", "resource_linkage"}, "findings": map[string]any{}})
	e.complete(t, visit{kind: "theme_day", village: "V02", worker: "sw02", household: hh, occurred: china("2025-06-12 15:00")})
	// Recorded on 2 July, three days after it occurred, in June.
	e.complete(t, visit{kind: "holiday_care", village: "V01", worker: "sw01", persons: []string{c},
		occurred: china("2025-06-29 16:00"), recorded: china("2025-07-02 09:00"), services: []string{"medical"}})
	// 01:00 on 1 July in China: a July visit.
	e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{c}, occurred: china("2025-07-01 01:00")})
	// Scheduled, then missed and never completed: not a visit.
	e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{a}, occurred: china("2025-06-20 10:00"),
		scheduledFirst: true, missed: true, skipCompletion: true})
	e.caughtUp(t)

	figures := func(start, end string) *monitoringv1.StationFigures {
		t.Helper()
		resp, err := e.client.GetStationFigures(ctx, &monitoringv1.GetStationFiguresRequest{Tenant: tenant, StartDate: start, EndDate: end})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	counts := func(rs []*monitoringv1.CountRow) string {
		var s []string
		for _, r := range rs {
			s = append(s, fmt.Sprintf("%s:%d", r.GetKey(), r.GetCount()))
		}
		return fmt.Sprint(s)
	}
	june := figures("2025-06-01", "2025-06-30")
	if june.GetVisitsCompleted() != 3 ||
		counts(june.GetVisitsByKind()) != "[holiday_care:1 routine:1 theme_day:1]" ||
		counts(june.GetServicesByType()) != "[emotional_care:2 medical:1 policy_explanation:2 resource_linkage:1]" ||
		june.GetPersonTimes() != 5 {
		t.Fatalf("June: %d visits by kind %s services %s person-times %d; want 3 [holiday_care:1 routine:1 theme_day:1] "+
			"[emotional_care:2 medical:1 policy_explanation:2 resource_linkage:1] 5", june.GetVisitsCompleted(),
			counts(june.GetVisitsByKind()), counts(june.GetServicesByType()), june.GetPersonTimes())
	}
	july := figures("2025-07-01", "2025-07-31")
	if july.GetVisitsCompleted() != 1 || july.GetPersonTimes() != 1 || counts(july.GetVisitsByKind()) != "[routine:1]" {
		t.Fatalf("July: %d visits %s person-times %d, want the one at 01:00 on 1 July", july.GetVisitsCompleted(),
			counts(july.GetVisitsByKind()), july.GetPersonTimes())
	}

	// The same months in the workload and the coverage.
	work := func(month string) map[string]*monitoringv1.WorkerWorkload {
		t.Helper()
		resp, err := e.client.GetSocialWorkerWorkload(ctx, &monitoringv1.GetSocialWorkerWorkloadRequest{Tenant: tenant, Month: month})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*monitoringv1.WorkerWorkload{}
		for _, w := range resp.GetWorkers() {
			out[w.GetSocialWorker()] = w
		}
		return out
	}
	if w := work("2025-06")["sw01"]; w.GetContactsDone() != 3 || w.GetPersonsContacted() != 3 {
		t.Errorf("sw01 in June: %d contacts with %d persons, want 3 with 3 (a and b on the 5th, c on the 29th)",
			w.GetContactsDone(), w.GetPersonsContacted())
	}
	if w := work("2025-07")["sw01"]; w.GetContactsDone() != 1 {
		t.Errorf("sw01 in July: %d contacts, want 1", w.GetContactsDone())
	}
	cov, err := e.client.GetVillageCoverage(ctx, &monitoringv1.GetVillageCoverageRequest{Tenant: tenant, Month: "2025-06"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(coverage(cov)); got != "[V01:visits=2,covered V02:visits=1,covered]" {
		t.Errorf("June coverage %s", got)
	}
}

func coverage(c *monitoringv1.VillageCoverage) []string {
	var out []string
	for _, v := range c.GetVillages() {
		s := fmt.Sprintf("%s:visits=%d", v.GetVillage(), v.GetVisitsCompleted())
		if v.GetStationDay() != "" {
			s += ",station=" + v.GetStationDay() + "/" + v.GetStationDaySocialWorker()
		}
		if v.GetOutreachEvents() > 0 {
			s += fmt.Sprintf(",outreach=%d", v.GetOutreachEvents())
		}
		if len(v.GetSocialWorkers()) > 0 {
			s += fmt.Sprintf(",workers=%v", v.GetSocialWorkers())
		}
		if v.GetCovered() {
			s += ",covered"
		}
		out = append(out, s)
	}
	return out
}

// An urgent call not followed up within 2 hours is overdue; the levels are
// computed for an explicit moment, so no test waits for time to pass.
func TestHotlineServiceLevels(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	p := e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO"}, on: "2024-06-01", tier: 2})
	received := china("2025-06-18 09:00")
	urgent := e.hotline(t, call{caller: p, urgency: "urgent", line: 3, received: received, owner: "sw02"})
	e.hotline(t, call{urgency: "normal", received: received}) // due in 48 hours
	e.caughtUp(t)

	levels := func(asOf time.Time, token string) *monitoringv1.HotlineServiceLevels {
		t.Helper()
		resp, err := e.client.GetHotlineServiceLevels(ctx, &monitoringv1.GetHotlineServiceLevelsRequest{
			Tenant: tenant, AsOfTime: timestamppb.New(asOf), ConsistencyToken: token})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if l := levels(received.Add(119*time.Minute), ""); l.GetOpenCalls() != 2 || l.GetOverdueCalls() != 0 || len(l.GetOverdue()) != 0 {
		t.Fatalf("1h59 after receipt: open %d overdue %d %v, want 2 open, none overdue", l.GetOpenCalls(), l.GetOverdueCalls(), l.GetOverdue())
	}
	l := levels(received.Add(2*time.Hour+time.Minute), "")
	if l.GetOpenCalls() != 2 || l.GetOverdueCalls() != 1 || len(l.GetOverdue()) != 1 {
		t.Fatalf("2h01 after receipt: open %d overdue %d, want 2 and 1", l.GetOpenCalls(), l.GetOverdueCalls())
	}
	if o := l.GetOverdue()[0]; o.GetCallId() != urgent || o.GetLine() != 3 || o.GetUrgency() != "urgent" || o.GetOwner() != "sw02" ||
		!o.GetDueTime().AsTime().Equal(received.Add(2*time.Hour)) || o.GetSecondsOverdue() != 60 {
		t.Fatalf("overdue call %v", o)
	}

	// Followed up at 11:30, 2.5 hours after receipt: late, and closed from then on.
	token := e.visitsEvent(t, "hotline_call-"+urgent, "visits.hotline_call.followed_up", received.Add(150*time.Minute), map[string]any{
		"call_id": urgent, "method": "call_back", "by": "sw02", "followed_up_at": received.Add(150 * time.Minute), "outcome": "已回访", "note": "c2VhbGVk"})
	l = levels(received.Add(3*time.Hour), token)
	if l.GetOpenCalls() != 1 || l.GetOverdueCalls() != 0 || l.GetFollowedUpCalls() != 1 || l.GetFollowedUpLate() != 1 ||
		l.GetMedianFollowUpSeconds() != 9000 {
		t.Fatalf("after the follow-up: open %d overdue %d followed up %d late %d median %ds", l.GetOpenCalls(), l.GetOverdueCalls(),
			l.GetFollowedUpCalls(), l.GetFollowedUpLate(), l.GetMedianFollowUpSeconds())
	}
	// As of before the follow-up, the call was still overdue.
	if l := levels(received.Add(140*time.Minute), ""); l.GetOverdueCalls() != 1 || l.GetFollowedUpCalls() != 0 {
		t.Fatalf("as of 11:20: overdue %d followed up %d, want 1 and 0", l.GetOverdueCalls(), l.GetFollowedUpCalls())
	}

	// The median over a period: follow-ups taking 1h and 10h on 19 June.
	e.hotline(t, call{urgency: "normal", received: china("2025-06-19 08:00"), followedUp: china("2025-06-19 09:00")})
	e.hotline(t, call{urgency: "normal", received: china("2025-06-19 08:00"), followedUp: china("2025-06-19 18:00")})
	e.caughtUp(t)
	resp, err := e.client.GetHotlineServiceLevels(ctx, &monitoringv1.GetHotlineServiceLevelsRequest{
		Tenant: tenant, AsOfTime: timestamppb.New(china("2025-06-20 00:00")), StartDate: "2025-06-19", EndDate: "2025-06-19"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetFollowedUpCalls() != 2 || resp.GetMedianFollowUpSeconds() != 5*3600+1800 {
		t.Fatalf("19 June: %d follow-ups, median %ds; want 2, 19800s", resp.GetFollowedUpCalls(), resp.GetMedianFollowUpSeconds())
	}
	resp, err = e.client.GetHotlineServiceLevels(ctx, &monitoringv1.GetHotlineServiceLevelsRequest{
		Tenant: tenant, AsOfTime: timestamppb.New(china("2025-06-20 00:00"))})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetFollowedUpCalls() != 3 || resp.GetMedianFollowUpSeconds() != 9000 {
		t.Fatalf("all follow-ups: %d, median %ds; want 3, 9000s", resp.GetFollowedUpCalls(), resp.GetMedianFollowUpSeconds())
	}
}

// The overdue calls are listed a page at a time, most overdue first, each
// once; without as_of_time, the first page's "now" (the injected clock)
// carries over to the next pages.
func TestOverdueCallsArePaginated(t *testing.T) {
	e := newEnv(t, nil)
	var want []string
	for i := range 5 {
		want = append(want, e.hotline(t, call{urgency: "urgent", received: today.Add(-time.Duration(10-i) * time.Hour)}))
	}
	e.hotline(t, call{urgency: "normal", received: today.Add(-time.Hour)}) // not yet due
	e.caughtUp(t)
	var got []string
	req := &monitoringv1.GetHotlineServiceLevelsRequest{Tenant: tenant, PageSize: 2}
	for pages := 1; ; pages++ {
		resp, err := e.client.GetHotlineServiceLevels(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetOverdueCalls() != 5 || resp.GetOpenCalls() != 6 || !resp.GetAsOfTime().AsTime().Equal(today) {
			t.Fatalf("page %d: open %d overdue %d as of %s", pages, resp.GetOpenCalls(), resp.GetOverdueCalls(), resp.GetAsOfTime().AsTime())
		}
		for _, o := range resp.GetOverdue() {
			got = append(got, o.GetCallId())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			if pages != 3 {
				t.Fatalf("%d pages of 2 for 5 calls", pages)
			}
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("overdue calls %v, want %v, most overdue first", got, want)
	}
	_, err := e.client.GetHotlineServiceLevels(ctx, &monitoringv1.GetHotlineServiceLevelsRequest{Tenant: tenant, PageSize: 2,
		StartDate: "2025-06-01", PageToken: func() string {
			r, _ := e.client.GetHotlineServiceLevels(ctx, &monitoringv1.GetHotlineServiceLevelsRequest{Tenant: tenant, PageSize: 2})
			return r.GetNextPageToken()
		}()})
	if status.Code(err) != codes.InvalidArgument || fieldOf(err) != "page_token" {
		t.Fatalf("page token with other filters: %v", err)
	}
}

// A social worker's workload in a month: active persons by tier, contacts
// made, and the persons whose contact fell due in the month against those
// of them contacted.
func TestSocialWorkerWorkload(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	reg := func(tier int, worker string) string {
		return e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO"}, on: "2024-06-01", tier: tier, worker: worker})
	}
	// a: tier 1, last contact 20 May (due 27 May), visited on 5 June.
	a := reg(1, "sw01")
	e.monthlyUpdate(t, a, "2025-05", china("2025-05-20 10:00"))
	e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{a}, occurred: china("2025-06-05 10:00")})
	// b: tier 4, last contact 1 May (due 1 August): not due in June; its
	// hotline call was followed up by a visit, one contact, not two.
	b := reg(4, "sw01")
	e.monthlyUpdate(t, b, "2025-05", china("2025-05-01 10:00"))
	callID := uuid.NewString()
	v := e.complete(t, visit{kind: "hotline_follow_up", village: "V01", worker: "sw01", persons: []string{b},
		hotlineCall: callID, occurred: china("2025-06-10 10:00")})
	e.hotline(t, call{caller: b, received: china("2025-06-09 20:00"), followedUp: china("2025-06-10 10:00"), method: "visit", followVia: v})
	// c: tier 2, never contacted: due, not contacted.
	reg(2, "sw01")
	// d: tier 3, visited on 31 May (recorded in June): due 30 June, no June contact.
	d := reg(3, "sw02")
	e.complete(t, visit{village: "V01", worker: "sw02", persons: []string{d}, occurred: china("2025-05-31 10:00"), recorded: china("2025-06-02 10:00")})
	// An exited person does not count.
	gone := reg(1, "sw02")
	e.exit(t, gone, "moved_away", "2025-06-01")
	e.caughtUp(t)

	resp, err := e.client.GetSocialWorkerWorkload(ctx, &monitoringv1.GetSocialWorkerWorkloadRequest{Tenant: tenant, Month: "2025-06"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range resp.GetWorkers() {
		s := fmt.Sprintf("%s active=%d", w.GetSocialWorker(), w.GetActivePersons())
		for _, tt := range w.GetPersonsByTier() {
			s += fmt.Sprintf(" t%d=%d", tt.GetTier(), tt.GetPersons())
		}
		s += fmt.Sprintf(" done=%d contacted=%d due=%d due_done=%d", w.GetContactsDone(), w.GetPersonsContacted(),
			w.GetContactsDue(), w.GetContactsDueDone())
		got = append(got, s)
	}
	want := []string{
		"sw01 active=3 t1=1 t2=1 t4=1 done=2 contacted=2 due=2 due_done=1",
		"sw02 active=1 t3=1 done=0 contacted=0 due=1 due_done=0",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("workload\n%v\nwant\n%v", got, want)
	}
	resp, err = e.client.GetSocialWorkerWorkload(ctx, &monitoringv1.GetSocialWorkerWorkloadRequest{Tenant: tenant, Month: "2025-06", SocialWorker: "sw02"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetWorkers()) != 1 || resp.GetWorkers()[0].GetSocialWorker() != "sw02" {
		t.Fatalf("sw02 only: %v", resp.GetWorkers())
	}
}

// Village coverage in a month: every village of the caseload or of an
// assignment, covered when it had a station day (the latest scheduled) or a
// completed visit; a publicity event alone does not cover it.
func TestVillageCoverage(t *testing.T) {
	e := newEnv(t, nil)
	for _, v := range []string{"V01", "V02", "V03"} {
		h := e.household(t, v, "2024-01-01")
		e.register(t, person{household: h, village: v, categories: []string{"DIBAO"}, on: "2024-06-01", tier: 3})
	}
	e.assignment(t, "sw01", "village_assigned", map[string]any{"village": "V01", "effective_on": "2025-01-01"})
	e.assignment(t, "sw01", "village_assigned", map[string]any{"village": "V04", "effective_on": "2025-01-01"})
	e.assignment(t, "sw02", "village_assigned", map[string]any{"village": "V02", "effective_on": "2025-01-01"})
	e.assignment(t, "sw02", "village_released", map[string]any{"village": "V02", "effective_on": "2025-06-15", "reason": "调岗"})
	e.assignment(t, "sw03", "village_assigned", map[string]any{"village": "V03", "effective_on": "2025-07-01"})
	e.assignment(t, "sw01", "station_day_scheduled", map[string]any{"village": "V01", "on": "2025-06-10"})
	e.assignment(t, "sw01", "station_day_scheduled", map[string]any{"village": "V01", "on": "2025-06-12", "previous": "2025-06-10"})
	e.assignment(t, "sw01", "station_day_scheduled", map[string]any{"village": "V04", "on": "2025-07-03"})
	e.complete(t, visit{village: "V02", worker: "sw02", occurred: china("2025-06-05 10:00"), household: uuid.NewString()})
	e.outreach(t, "V03", "2025-06-08", 30, nil)
	e.caughtUp(t)

	resp, err := e.client.GetVillageCoverage(ctx, &monitoringv1.GetVillageCoverageRequest{Tenant: tenant, Month: "2025-06", ConsistencyToken: e.last})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"V01:visits=0,station=2025-06-12/sw01,workers=[sw01],covered",
		"V02:visits=1,covered",
		"V03:visits=0,outreach=1",
		"V04:visits=0,workers=[sw01]",
	}
	if got := coverage(resp); !slices.Equal(got, want) || resp.GetVillagesCovered() != 2 || resp.GetVillagesTotal() != 4 {
		t.Fatalf("coverage %v (%d of %d covered), want %v (2 of 4)", got, resp.GetVillagesCovered(), resp.GetVillagesTotal(), want)
	}
	resp, err = e.client.GetVillageCoverage(ctx, &monitoringv1.GetVillageCoverageRequest{Tenant: tenant, Month: "2025-07"})
	if err != nil {
		t.Fatal(err)
	}
	if got := coverage(resp); !slices.Contains(got, "V04:visits=0,station=2025-07-03/sw01,workers=[sw01],covered") ||
		!slices.Contains(got, "V03:visits=0,workers=[sw03]") {
		t.Fatalf("July coverage %v", got)
	}
}

// Cards handed out in a period by edition and village, on visits (every
// report's) and at publicity events (their latest figures).
func TestCardFigures(t *testing.T) {
	e := newEnv(t, nil)
	v := e.complete(t, visit{village: "V01", worker: "sw01", household: uuid.NewString(), occurred: china("2025-06-05 10:00"),
		cards: map[int]int{25: 3}})
	e.visitsEvent(t, "visit-"+v, "visits.visit.addendum_recorded", china("2025-06-06 10:00"), map[string]any{
		"visit_id": v, "report_id": "second", "occurred_at": china("2025-06-05 10:00"), "month": "2025-06",
		"participants": []map[string]any{{"role": "civil_affairs_staff", "id": "mz01"}}, "services": []string{"policy_explanation"},
		"findings": map[string]any{}, "cards": []map[string]any{{"edition": 25, "count": 2}, {"edition": 24, "count": 1}}})
	o := e.outreach(t, "V01", "2025-06-08", 40, map[int]int{25: 10})
	e.visitsEvent(t, "outreach-"+o, "visits.outreach.corrected", today, map[string]any{
		"event_id": o, "attendance": 45, "cards": []map[string]any{{"edition": 25, "count": 12}}, "reason": "复核签到表"})
	e.outreach(t, "V02", "2025-06-20", 20, map[int]int{24: 5})
	e.outreach(t, "V02", "2025-05-31", 99, map[int]int{24: 50}) // before the period
	e.complete(t, visit{village: "V02", worker: "sw01", household: uuid.NewString(), occurred: china("2025-07-01 00:30"), cards: map[int]int{25: 7}})
	e.caughtUp(t)

	figures := func(village string) *monitoringv1.CardFigures {
		t.Helper()
		resp, err := e.client.GetCardFigures(ctx, &monitoringv1.GetCardFiguresRequest{Tenant: tenant,
			StartDate: "2025-06-01", EndDate: "2025-06-30", Village: village})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	f := figures("")
	var rows, editions, outreach []string
	for _, r := range f.GetRows() {
		rows = append(rows, fmt.Sprintf("%d/%s:%d+%d=%d", r.GetEdition(), r.GetVillage(), r.GetOnVisits(), r.GetAtOutreach(), r.GetTotal()))
	}
	for _, r := range f.GetByEdition() {
		editions = append(editions, fmt.Sprintf("%d:%d", r.GetEdition(), r.GetCards()))
	}
	for _, r := range f.GetOutreach() {
		outreach = append(outreach, fmt.Sprintf("%s:%d/%d", r.GetVillage(), r.GetEvents(), r.GetAttendance()))
	}
	if fmt.Sprint(rows) != "[24/V01:1+0=1 24/V02:0+5=5 25/V01:5+12=17]" || fmt.Sprint(editions) != "[24:6 25:17]" ||
		f.GetCardsTotal() != 23 || fmt.Sprint(outreach) != "[V01:1/45 V02:1/20]" ||
		f.GetOutreachEvents() != 2 || f.GetOutreachAttendance() != 65 {
		t.Fatalf("card figures: rows %v by edition %v total %d outreach %v events %d attendance %d",
			rows, editions, f.GetCardsTotal(), outreach, f.GetOutreachEvents(), f.GetOutreachAttendance())
	}
	if f := figures("V02"); len(f.GetRows()) != 1 || f.GetCardsTotal() != 5 || f.GetOutreachAttendance() != 20 {
		t.Fatalf("V02 only: %v", f)
	}
	station, err := e.client.GetStationFigures(ctx, &monitoringv1.GetStationFiguresRequest{Tenant: tenant, StartDate: "2025-06-01", EndDate: "2025-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	if station.GetCardsHandedOut() != 23 || station.GetOutreachEvents() != 2 || station.GetOutreachAttendance() != 65 {
		t.Fatalf("station figures: cards %d outreach %d attendance %d", station.GetCardsHandedOut(), station.GetOutreachEvents(), station.GetOutreachAttendance())
	}
}

// dumpFieldwork is every row of the fieldwork projection's tables in the
// live generation, as text.
func dumpFieldwork(t *testing.T, e *env) map[string][]string {
	t.Helper()
	return dumpTables(t, e, e.svc.Fieldwork, "visits", "visit_persons", "visit_services", "visit_cards", "person_contacts",
		"household_contacts", "outreach_events", "outreach_cards", "hotline_calls", "village_assignments", "station_days")
}

// A rebuild of the fieldwork projection replays the visits stream into
// fresh tables that equal the live ones, and the views answer the same.
func TestFieldworkRebuildGivesIdenticalTables(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	var persons []string
	for i := range 6 {
		persons = append(persons, e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO"}, on: "2024-06-01", tier: 1 + i%4, worker: "sw01"}))
	}
	for i, p := range persons {
		e.complete(t, visit{village: "V01", worker: "sw01", persons: []string{p, persons[(i+1)%len(persons)]},
			occurred: china(fmt.Sprintf("2025-06-%02d 10:00", 1+i)), cards: map[int]int{25: i + 1}, scheduledFirst: i%2 == 0,
			services: []string{"policy_explanation", "emotional_care"}[:1+i%2]})
		e.hotline(t, call{caller: p, urgency: []string{"urgent", "normal"}[i%2], received: china(fmt.Sprintf("2025-06-%02d 08:00", 10+i)),
			owner: "sw01", followedUp: china(fmt.Sprintf("2025-06-%02d 12:00", 10+i+i%2))})
	}
	e.complete(t, visit{village: "V01", worker: "sw01", household: h, occurred: china("2025-06-15 10:00")})
	o := e.outreach(t, "V01", "2025-06-08", 40, map[int]int{25: 10, 24: 2})
	e.visitsEvent(t, "outreach-"+o, "visits.outreach.corrected", today, map[string]any{"event_id": o, "attendance": 41, "reason": "复核"})
	e.assignment(t, "sw01", "village_assigned", map[string]any{"village": "V01", "effective_on": "2025-01-01"})
	e.assignment(t, "sw01", "station_day_scheduled", map[string]any{"village": "V01", "on": "2025-06-10"})
	e.caughtUp(t)

	views := func() string {
		t.Helper()
		due, err := e.client.ListDueFollowUps(ctx, &monitoringv1.ListDueFollowUpsRequest{Tenant: tenant, WithinDays: 92, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		work, err := e.client.GetSocialWorkerWorkload(ctx, &monitoringv1.GetSocialWorkerWorkloadRequest{Tenant: tenant, Month: "2025-06"})
		if err != nil {
			t.Fatal(err)
		}
		cards, err := e.client.GetCardFigures(ctx, &monitoringv1.GetCardFiguresRequest{Tenant: tenant, StartDate: "2025-06-01", EndDate: "2025-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		hot, err := e.client.GetHotlineServiceLevels(ctx, &monitoringv1.GetHotlineServiceLevelsRequest{Tenant: tenant})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(due.GetItems(), work.GetWorkers(), cards, hot)
	}
	before, viewsBefore := dumpFieldwork(t, e), views()
	if len(before["visits"]) != 7 || len(before["hotline_calls"]) != 6 {
		t.Fatalf("%d visits and %d calls before the rebuild", len(before["visits"]), len(before["hotline_calls"]))
	}
	oldSchema, _ := e.svc.Fieldwork.ActiveSchema(ctx)
	if err := e.svc.Fieldwork.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if newSchema, _ := e.svc.Fieldwork.ActiveSchema(ctx); newSchema == oldSchema {
		t.Fatal("the rebuild did not switch generations")
	}
	after := dumpFieldwork(t, e)
	for table, rows := range before {
		if !slices.Equal(rows, after[table]) {
			t.Errorf("table %s differs after the rebuild:\nbefore %v\nafter  %v", table, rows, after[table])
		}
	}
	if got := views(); got != viewsBefore {
		t.Errorf("views differ after the rebuild:\nbefore %s\nafter  %s", viewsBefore, got)
	}
}
