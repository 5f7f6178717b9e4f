package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/eventually"
	"github.com/google/uuid"
)

// china is the zone the services count days and months in.
var china = time.FixedZone("UTC+8", 8*60*60)

// rfc3339 formats an instant as a JSON Timestamp.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// staffID is a social worker's staff id no other test (or run) uses.
func staffID(prefix string) string { return prefix + "-" + randomHex(4) }

// registerTier1 registers a person in a new household of village, registered
// on registered, assessed tier 1 by worker (also their social worker), and
// returns the person's name and the last write's consistency token.
func registerTier1(t *testing.T, village, registered, worker string) (string, string) {
	t.Helper()
	next++
	body := personBody(next, newHousehold(t, village))
	body["registrationDate"] = registered
	r := call(t, "POST", base+"/persons", body)
	expect(t, r, http.StatusCreated)
	name := r.json(t)["person"].(map[string]any)["name"].(string)
	expect(t, call(t, "POST", "/v1/"+name+":assignSocialWorker", map[string]any{"socialWorker": worker}), http.StatusOK)
	r = call(t, "POST", "/v1/"+name+":assessTier", map[string]any{"tier": 1, "reason": "独居高龄", "assessedBy": worker})
	expect(t, r, http.StatusOK)
	return name, r.token()
}

// visitBody is a RecordVisit body: a routine visit by worker to persons,
// which took place at occurred, with one policy-explanation service.
func visitBody(village, worker string, occurred time.Time, persons ...string) map[string]any {
	return map[string]any{
		"visitId": uuid.NewString(),
		"visit":   map[string]any{"kind": "VISIT_KIND_ROUTINE", "village": village, "persons": persons, "socialWorker": worker},
		"report": map[string]any{
			"reportId": uuid.NewString(), "occurTime": rfc3339(occurred),
			"participants": []any{map[string]any{"role": "PARTICIPANT_ROLE_SOCIAL_WORKER", "id": worker}},
			"services":     []any{"SERVICE_TYPE_POLICY_EXPLANATION"},
		},
	}
}

// dueFollowUp is the person's item in the overdue tier-1 list of village,
// read with token; nil when they are not on it.
func dueFollowUp(t *testing.T, village, person, token string) map[string]any {
	t.Helper()
	r := call(t, "GET", base+"/monitoring/dueFollowUps?overdueOnly=true&tier=1&pageSize=500&village="+village, nil,
		"Doudi-Consistency-Token", token)
	expect(t, r, http.StatusOK)
	var l struct{ Items []map[string]any }
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatal(err)
	}
	for _, it := range l.Items {
		if it["personId"] == lastSegment(person) {
			return it
		}
	}
	return nil
}

// A tier-1 person (contact weekly) registered 8 days ago and not contacted
// since is overdue; a visit recorded for them over REST, read with the
// visit's consistency token, takes them off the list at once.
func TestVisitClearsOverdueFollowUp(t *testing.T) {
	begin(t)
	worker := staffID("sw-due")
	registered := time.Now().In(china).AddDate(0, 0, -8).Format(time.DateOnly)
	person, token := registerTier1(t, "V11", registered, worker)

	d := dueFollowUp(t, "V11", person, token)
	if d == nil || d["overdue"] != true || d["daysOverdue"] != 1.0 || d["lastContactKind"] != "" {
		t.Fatalf("tier-1 person registered on %s and never contacted: %v, want overdue by 1 day", registered, d)
	}

	r := call(t, "POST", base+"/visits:record", visitBody("V11", worker, time.Now().Add(-time.Hour), person))
	expect(t, r, http.StatusCreated)
	visit := r.json(t)["visit"].(map[string]any)
	if r.Header.Get("Location") != "/v1/"+visit["name"].(string) || r.Header.Get("ETag") != `"1"` ||
		r.token() == "" || r.token() != r.json(t)["consistencyToken"] || !strings.HasPrefix(r.token(), "visits/visit-") {
		t.Errorf("record visit: Location %q ETag %q token %q; body %s", r.Header.Get("Location"), r.Header.Get("ETag"), r.token(), r.body)
	}
	if visit["state"] != "VISIT_STATE_COMPLETED" {
		t.Errorf("recorded visit in state %v", visit["state"])
	}
	if d := dueFollowUp(t, "V11", person, r.token()); d != nil {
		t.Fatalf("still overdue when read with the visit's token %s: %v", r.token(), d)
	}
	got := call(t, "GET", r.Header.Get("Location"), nil)
	expect(t, got, http.StatusOK)
	if got.Header.Get("ETag") != `"1"` || got.json(t)["name"] != visit["name"] {
		t.Errorf("GET the visit: ETag %q body %s", got.Header.Get("ETag"), got.body)
	}
}

// A visit recorded today that took place in the previous month counts for
// that month: its month field, the station figures and the social worker's
// workload. Within the first 3 days of a month it took place 3 days ago;
// later in the month, on the previous month's last day.
func TestVisitCountsForTheMonthItOccurred(t *testing.T) {
	begin(t)
	now := time.Now().In(china)
	occurred := now.Add(-72 * time.Hour)
	if now.Day() > 3 {
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, china)
		occurred = first.Add(-9 * time.Hour) // 15:00 on the previous month's last day
	}
	month := occurred.Format("2006-01")
	if month == now.Format("2006-01") {
		t.Fatalf("test setup: %s is in this month", occurred)
	}
	start := time.Date(occurred.Year(), occurred.Month(), 1, 0, 0, 0, 0, china)
	end := start.AddDate(0, 1, -1)
	thisMonth := now.Format("2006-01")

	worker := staffID("sw-month")
	person, token := registerTier1(t, "V12", "2025-01-01", worker)
	// The monitoring views know the person and their social worker.
	caseload(t, "village=V12", token)

	holidayCare := func(token string) int {
		t.Helper()
		r := call(t, "GET", fmt.Sprintf("%s/monitoring/stationFigures?startDate=%s&endDate=%s", base,
			start.Format(time.DateOnly), end.Format(time.DateOnly)), nil, "Doudi-Consistency-Token", token)
		expect(t, r, http.StatusOK)
		var f struct {
			VisitsByKind []struct {
				Key   string
				Count json.Number
			}
		}
		if err := json.Unmarshal(r.body, &f); err != nil {
			t.Fatal(err)
		}
		for _, row := range f.VisitsByKind {
			if row.Key == "holiday_care" {
				n, _ := row.Count.Int64()
				return int(n)
			}
		}
		return 0
	}
	before := holidayCare(token)

	body := visitBody("V12", worker, occurred, person)
	body["visit"].(map[string]any)["kind"] = "VISIT_KIND_HOLIDAY_CARE"
	r := call(t, "POST", base+"/visits:record", body)
	expect(t, r, http.StatusCreated)
	visit := r.json(t)["visit"].(map[string]any)
	if visit["month"] != month || visit["completion"].(map[string]any)["month"] != month {
		t.Errorf("visit that occurred at %s: month %v (report %v), want %s", occurred, visit["month"],
			visit["completion"].(map[string]any)["month"], month)
	}

	if after := holidayCare(r.token()); after != before+1 {
		t.Errorf("station figures %s: %d holiday-care visits after the write, %d before; want one more", month, after, before)
	}
	workload := func(m string) map[string]any {
		t.Helper()
		r := call(t, "GET", fmt.Sprintf("%s/monitoring/socialWorkerWorkload/%s?socialWorker=%s", base, m, worker), nil,
			"Doudi-Consistency-Token", r.token())
		expect(t, r, http.StatusOK)
		var w struct{ Workers []map[string]any }
		if err := json.Unmarshal(r.body, &w); err != nil {
			t.Fatal(err)
		}
		for _, x := range w.Workers {
			if x["socialWorker"] == worker {
				return x
			}
		}
		t.Fatalf("workload %s has no %s: %s", m, worker, r.body)
		return nil
	}
	// int64 fields are JSON strings.
	if w := workload(month); w["contactsDone"] != "1" || w["personsContacted"] != "1" {
		t.Errorf("%s's workload in %s: %v, want 1 contact with 1 person", worker, month, w)
	}
	if w := workload(thisMonth); w["contactsDone"] != "0" {
		t.Errorf("%s's workload in %s: %v, want no contact (the visit counts for %s)", worker, thisMonth, w, month)
	}
}

// An urgent call received 3 hours ago and not followed up is past its 2-hour
// window: the hotline service levels list it as overdue.
func TestUrgentHotlineCallIsOverdue(t *testing.T) {
	begin(t)
	received := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	r := call(t, "POST", base+"/hotlineCalls:receive", map[string]any{"hotlineCall": map[string]any{
		"line": 2, "receiveTime": rfc3339(received), "callerNumber": "13800138000", "need": "老人摔倒，需上门查看",
		"urgency": "URGENCY_URGENT", "notes": "邻居来电"}})
	expect(t, r, http.StatusCreated)
	hc := r.json(t)["hotlineCall"].(map[string]any)
	if r.Header.Get("Location") != "/v1/"+hc["name"].(string) || hc["dueTime"] != rfc3339(received.Add(2*time.Hour)) ||
		hc["callerNumber"] == "13800138000" || hc["notes"] != "***" {
		t.Errorf("received call: Location %q, body %s; want due 2 h after receipt, number and notes masked", r.Header.Get("Location"), r.body)
	}

	levels := call(t, "GET", base+"/monitoring/hotlineServiceLevels?pageSize=500", nil, "Doudi-Consistency-Token", r.token())
	expect(t, levels, http.StatusOK)
	var l struct {
		OverdueCalls string
		Overdue      []map[string]any
	}
	if err := json.Unmarshal(levels.body, &l); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range l.Overdue {
		if o["callId"] == lastSegment(hc["name"].(string)) {
			found = o["urgency"] == "urgent" && o["line"] == 2.0
		}
	}
	if !found || l.OverdueCalls == "0" {
		t.Errorf("the urgent call %s is not listed overdue: %s", hc["name"], levels.body)
	}
}

// A social worker holds two villages without a reason; a third needs one:
// 400 naming reason without it, 200 with it, and the reason is in the
// assignments' history.
func TestThirdVillageNeedsAReason(t *testing.T) {
	begin(t)
	worker := staffID("sw-villages")
	path := base + "/socialWorkers/" + worker + "/assignments"
	villages := []string{"V23", "V24", "V25"}
	t.Cleanup(func() { // so that a rerun may assign them again
		for _, v := range villages {
			_, _ = do("POST", path+":releaseVillage", pf.apiKey, map[string]any{"village": v})
		}
	})
	for _, v := range villages[:2] {
		r := call(t, "POST", path+":assignVillage", map[string]any{"village": v})
		expect(t, r, http.StatusOK)
		if r.Header.Get("ETag") == "" || r.token() == "" {
			t.Errorf("assign %s: ETag %q token %q", v, r.Header.Get("ETag"), r.token())
		}
	}
	if f := expectError(t, call(t, "POST", path+":assignVillage", map[string]any{"village": villages[2]}),
		http.StatusBadRequest, "INVALID_ARGUMENT"); !slices.Contains(f, "reason") {
		t.Errorf("third village without a reason: field violations %v, want reason", f)
	}
	reason := "V25村社工离职，临时兼管"
	r := call(t, "POST", path+":assignVillage", map[string]any{"village": villages[2], "reason": reason})
	expect(t, r, http.StatusOK)

	got := call(t, "GET", path, nil)
	expect(t, got, http.StatusOK)
	var a struct {
		Villages []string
		History  []struct {
			Village       string
			Assigned      bool
			EffectiveDate string
			Reason        string
		}
	}
	if err := json.Unmarshal(got.body, &a); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Villages, villages) || len(a.History) != 3 || a.History[2].Village != villages[2] ||
		!a.History[2].Assigned || a.History[2].Reason != reason || a.History[0].Reason != "" {
		t.Errorf("assignments %s; want %v, the third with its reason", got.body, villages)
	}
	if got.Header.Get("ETag") != r.Header.Get("ETag") {
		t.Errorf("GET ETag %q, last write's %q", got.Header.Get("ETag"), r.Header.Get("ETag"))
	}
}

// Bad visits requests are refused naming the offending field, and write
// nothing: no event, no data key (notes are sealed only once a request is
// valid).
func TestBadVisitsRequestsAreRefusedAndWriteNothing(t *testing.T) {
	begin(t)
	worker := staffID("sw-bad")
	person, _ := registerTier1(t, "V13", "2025-01-01", worker)
	now := time.Now()

	// A triaged call to follow up, and card edition 25 in effect.
	r := call(t, "POST", base+"/hotlineCalls:receive", map[string]any{"hotlineCall": map[string]any{
		"line": 1, "receiveTime": rfc3339(now.Add(-time.Hour)), "callerPerson": person, "need": "咨询低保政策", "urgency": "URGENCY_NORMAL"}})
	expect(t, r, http.StatusCreated)
	callName := r.json(t)["hotlineCall"].(map[string]any)["name"].(string)
	expect(t, call(t, "POST", "/v1/"+callName+":triage", map[string]any{"owner": worker}), http.StatusOK)
	r = call(t, "POST", base+"/cardEditions:publish", map[string]any{"cardEdition": map[string]any{
		"revision": 25, "title": "第25版", "topics": []string{"CARD_TOPIC_DIBAO"}, "effectiveDate": "2024-01-01"}},
		"Idempotency-Key", "e2e-card-edition-25")
	if r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusConflict { // published by an earlier test
		t.Fatalf("publish edition 25: %d %s", r.StatusCode, r.body)
	}

	db := pf.db(t, "visits")
	counts := func() (events, keys int64) {
		t.Helper()
		if err := db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM data_keys)`).Scan(&events, &keys); err != nil {
			t.Fatal(err)
		}
		return events, keys
	}
	eventsBefore, keysBefore := counts()

	// visit is a valid RecordVisit body (with notes, which are sealed if a
	// request gets that far) changed by change(body, body.visit, body.report).
	visit := func(change func(b, v, report map[string]any)) map[string]any {
		b := visitBody("V13", worker, now.Add(-2*time.Hour), person)
		report := b["report"].(map[string]any)
		report["notes"] = "家中无人照看"
		report["cards"] = []any{map[string]any{"edition": 25, "count": 2}}
		change(b, b["visit"].(map[string]any), report)
		return b
	}
	hotline := func(change func(c map[string]any)) map[string]any {
		c := map[string]any{"line": 3, "receiveTime": rfc3339(now.Add(-time.Hour)), "callerNumber": "13800138000",
			"need": "需要送药", "urgency": "URGENCY_NORMAL", "notes": "独居"}
		change(c)
		return map[string]any{"hotlineCall": c}
	}
	outreach := func(change func(o map[string]any)) map[string]any {
		o := map[string]any{"village": "V13", "heldDate": now.In(china).Format(time.DateOnly), "title": "社会救助政策进村宣讲",
			"organiser": worker, "attendance": 40}
		change(o)
		return map[string]any{"outreachEvent": o}
	}
	edition := func(change func(e map[string]any)) map[string]any {
		e := map[string]any{"revision": 26, "topics": []string{"CARD_TOPIC_DIBAO"}, "effectiveDate": "2026-01-01"}
		change(e)
		return map[string]any{"cardEdition": e}
	}
	tomorrow := now.In(china).AddDate(0, 0, 1).Format(time.DateOnly)
	yesterday := now.In(china).AddDate(0, 0, -1).Format(time.DateOnly)

	for _, c := range []struct {
		name, path string
		body       any
		status     int
		field      string
	}{
		{"unknown kind", "visits:record", visit(func(_, v, _ map[string]any) { v["kind"] = "VISIT_KIND_PARTY" }), 400, "kind"},
		{"kind unspecified", "visits:record", visit(func(_, v, _ map[string]any) { v["kind"] = "VISIT_KIND_UNSPECIFIED" }), 400, "visit.kind"},
		{"empty village", "visits:record", visit(func(_, v, _ map[string]any) { v["village"] = "" }), 400, "visit.village"},
		// A well-formed code the tenant does not have is a reference it
		// cannot use: FAILED_PRECONDITION, which the gateway answers 409.
		{"unknown village", "visits:record", visit(func(_, v, _ map[string]any) { v["village"] = "V99" }), 409, "visit.village"},
		{"malformed person name", "visits:record", visit(func(_, v, _ map[string]any) { v["persons"] = []string{"persons/陈1"} }), 400, "visit.persons[0]"},
		{"unknown person", "visits:record", visit(func(_, v, _ map[string]any) { v["persons"] = []string{base[4:] + "/persons/" + uuid.NewString()} }), 409, "visit.persons[0]"},
		{"no persons and no household", "visits:record", visit(func(_, v, _ map[string]any) { v["persons"] = []string{} }), 400, "visit.persons"},
		{"no social worker", "visits:record", visit(func(_, v, _ map[string]any) { v["socialWorker"] = "" }), 400, "visit.social_worker"},
		{"hotline follow-up without the call", "visits:record", visit(func(_, v, _ map[string]any) { v["kind"] = "VISIT_KIND_HOTLINE_FOLLOW_UP" }), 400, "visit.hotline_call"},
		{"malformed visit id", "visits:record", visit(func(b, _, _ map[string]any) { b["visitId"] = "visit-1" }), 400, "visit_id"},
		{"occur_time in the future", "visits:record", visit(func(_, _, r map[string]any) { r["occurTime"] = rfc3339(now.Add(2 * time.Hour)) }), 400, "report.occur_time"},
		{"occur_time 93 days ago", "visits:record", visit(func(_, _, r map[string]any) { r["occurTime"] = rfc3339(now.AddDate(0, 0, -93)) }), 400, "report.occur_time"},
		{"no occur_time", "visits:record", visit(func(_, _, r map[string]any) { delete(r, "occurTime") }), 400, "report.occur_time"},
		{"tier recommendation 5", "visits:record", visit(func(_, _, r map[string]any) {
			r["tierRecommendation"], r["tierRecommendationReason"] = 5, "独居"
		}), 400, "report.tier_recommendation"},
		{"reason without tier", "visits:record", visit(func(_, _, r map[string]any) { r["tierRecommendationReason"] = "独居" }), 400, "report.tier_recommendation_reason"},
		{"no staff participant", "visits:record", visit(func(_, _, r map[string]any) {
			r["participants"] = []any{map[string]any{"role": "PARTICIPANT_ROLE_VOLUNTEER", "displayName": "志愿者小李"}}
		}), 400, "report.participants"},
		{"unknown service enum", "visits:record", visit(func(_, _, r map[string]any) { r["services"] = []string{"SERVICE_TYPE_MASSAGE"} }), 400, "services"},
		{"service unspecified", "visits:record", visit(func(_, _, r map[string]any) { r["services"] = []string{"SERVICE_TYPE_UNSPECIFIED"} }), 400, "report.services[0]"},
		{"card count 0", "visits:record", visit(func(_, _, r map[string]any) { r["cards"] = []any{map[string]any{"edition": 25, "count": 0}} }), 400, "report.cards[0].count"},
		{"card edition 0", "visits:record", visit(func(_, _, r map[string]any) { r["cards"] = []any{map[string]any{"edition": 0, "count": 1}} }), 400, "report.cards[0].edition"},
		{"card edition not published", "visits:record", visit(func(_, _, r map[string]any) { r["cards"] = []any{map[string]any{"edition": 998, "count": 1}} }), 409, "report.cards[0].edition"},
		{"notes over 2,000 characters", "visits:record", visit(func(_, _, r map[string]any) { r["notes"] = strings.Repeat("记", 2001) }), 400, "report.notes"},
		// Invalid UTF-8 cannot be sent in JSON; a control character can.
		{"control character in notes", "visits:record", visit(func(_, _, r map[string]any) { r["notes"] = "老人\u0007独居" }), 400, "report.notes"},
		{"malformed report id", "visits:record", visit(func(_, _, r map[string]any) { r["reportId"] = "report 1" }), 400, "report.report_id"},
		{"planned_date in the past", "visits:schedule", map[string]any{"visit": map[string]any{"kind": "VISIT_KIND_ROUTINE",
			"village": "V13", "persons": []string{person}, "socialWorker": worker, "plannedDate": yesterday}}, 400, "visit.planned_date"},
		{"hotline line 7", "hotlineCalls:receive", hotline(func(c map[string]any) { c["line"] = 7 }), 400, "hotline_call.line"},
		{"caller person and number", "hotlineCalls:receive", hotline(func(c map[string]any) { c["callerPerson"] = person }), 400, "hotline_call.caller_number"},
		{"bad phone number", "hotlineCalls:receive", hotline(func(c map[string]any) { c["callerNumber"] = "138-abc" }), 400, "hotline_call.caller_number"},
		{"urgency missing", "hotlineCalls:receive", hotline(func(c map[string]any) { delete(c, "urgency") }), 400, "hotline_call.urgency"},
		{"receive_time in the future", "hotlineCalls:receive", hotline(func(c map[string]any) { c["receiveTime"] = rfc3339(now.Add(time.Hour)) }), 400, "hotline_call.receive_time"},
		{"no need", "hotlineCalls:receive", hotline(func(c map[string]any) { c["need"] = " " }), 400, "hotline_call.need"},
		{"theme month malformed", "monthlyThemes:choose", map[string]any{"month": "2026-13", "monthlyTheme": map[string]any{"title": "冬季关爱"}}, 400, "month"},
		{"theme without title", "monthlyThemes:choose", map[string]any{"month": "2031-01", "monthlyTheme": map[string]any{"title": ""}}, 400, "monthly_theme.title"},
		{"card edition revision 1000", "cardEditions:publish", edition(func(e map[string]any) { e["revision"] = 1000 }), 400, "card_edition.revision"},
		{"card edition without topics", "cardEditions:publish", edition(func(e map[string]any) { e["topics"] = []string{} }), 400, "card_edition.topics"},
		{"card edition effective 30 February", "cardEditions:publish", edition(func(e map[string]any) { e["effectiveDate"] = "2026-02-30" }), 400, "card_edition.effective_date"},
		{"outreach attendance -1", "outreachEvents:record", outreach(func(o map[string]any) { o["attendance"] = -1 }), 400, "outreach_event.attendance"},
		{"outreach held tomorrow", "outreachEvents:record", outreach(func(o map[string]any) { o["heldDate"] = tomorrow }), 400, "outreach_event.held_date"},
		{"outreach without organiser", "outreachEvents:record", outreach(func(o map[string]any) { delete(o, "organiser") }), 400, "outreach_event.organiser"},
		{"outreach 10,001 cards", "outreachEvents:record", outreach(func(o map[string]any) {
			o["cards"] = []any{map[string]any{"edition": 25, "count": 10001}}
		}), 400, "outreach_event.cards[0].count"},
		{"follow-up before the call", "/v1/" + callName + ":followUp", map[string]any{"followUp": map[string]any{
			"method": "FOLLOW_UP_METHOD_CALL_BACK", "by": worker, "followUpTime": rfc3339(now.Add(-2 * time.Hour)), "outcome": "已回电"}},
			400, "follow_up.follow_up_time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if !strings.HasPrefix(path, "/") {
				path = base + "/" + path
			}
			fields := expectError(t, call(t, "POST", path, c.body), c.status, "")
			if !slices.Contains(fields, c.field) {
				t.Errorf("field violations %v, want %s", fields, c.field)
			}
		})
	}

	if events, keys := counts(); events != eventsBefore || keys != keysBefore {
		t.Errorf("the refused requests wrote %d events and %d data keys", events-eventsBefore, keys-keysBefore)
	}
	// Nor does the visits list show a visit of the person.
	list := call(t, "GET", base+"/visits?person="+person, nil)
	expect(t, list, http.StatusOK)
	if strings.Contains(string(list.body), `"name"`) {
		t.Errorf("visits of %s after refused requests: %s", person, list.body)
	}
}

// Forgetting a person in the register shreds the notes of their visits too:
// the visits service sees the forgetting on the beneficiaries stream and
// erases the visit's data key, so even a permitted reveal finds nothing.
func TestForgettingAPersonShredsTheirVisitNotes(t *testing.T) {
	begin(t)
	worker := staffID("sw-fgt")
	registered := time.Now().In(china).AddDate(0, 0, -3).Format(time.DateOnly)
	person, _ := registerTier1(t, "V12", registered, worker)
	body := visitBody("V12", worker, time.Now().Add(-time.Hour), person)
	body["report"].(map[string]any)["notes"] = "独居，需要送餐"
	r := call(t, "POST", base+"/visits:record", body)
	expect(t, r, http.StatusCreated)
	reveal := r.Header.Get("Location") + "?view=VIEW_FULL&purpose=" + url.QueryEscape("核对送餐安排")
	notes := func() (string, error) {
		got := call(t, "GET", reveal, nil)
		if got.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GET %s: %d %s", reveal, got.StatusCode, got.body)
		}
		completion, _ := got.json(t)["completion"].(map[string]any)
		s, _ := completion["notes"].(string)
		return s, nil
	}
	if n, err := notes(); err != nil || n != "独居，需要送餐" || visitKeys(t, r.Header.Get("Location")) != 1 {
		t.Fatalf("revealed notes before forgetting = %q, %v (or the visit has no data key)", n, err)
	}

	expect(t, call(t, "POST", "/v1/"+person+":forget", map[string]any{}), http.StatusOK)
	eventually.Require(t, 15*time.Second, func() error {
		n, err := notes()
		if err == nil && n != "" {
			err = fmt.Errorf("notes still readable: %q", n)
		}
		return err
	})
	if n := visitKeys(t, r.Header.Get("Location")); n != 0 {
		t.Fatalf("the visit's data key is still stored (%d rows)", n)
	}
}

// visitKeys counts the data keys stored for the visit at location.
func visitKeys(t *testing.T, location string) int {
	t.Helper()
	var n int
	if err := pf.db(t, "visits").QueryRow(context.Background(), `SELECT count(*) FROM data_keys WHERE owner_id = $1`,
		lastSegment(location)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
