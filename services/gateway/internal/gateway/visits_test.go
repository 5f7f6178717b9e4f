package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/eventually"
	"github.com/doudi-platform/doudi/services/platform/natstest"
)

// TestGatewayVisits runs the visits routes against the real visits and
// beneficiaries services, separate processes on one JetStream server: the
// same REST conventions as for beneficiaries — 201 + Location for the
// methods that create a resource, ETag, If-Match, Idempotency-Key, the
// consistency token — and the roles' permissions.
func TestGatewayVisits(t *testing.T) {
	ns := natstest.Start(t)
	g := startGateway(t, "BENEFICIARIES_ADDR", startBeneficiaries(t, ns), "VISITS_ADDR", startVisits(t, ns))
	base := "/v1/tenants/" + tenant
	china := time.FixedZone("UTC+8", 8*60*60)

	t.Run("readyz checks the visits connection", func(t *testing.T) {
		eventually.Require(t, 10*time.Second, func() error {
			var ready struct{ Checks map[string]string }
			r := g.call(t, "GET", "/readyz", "", nil)
			_ = json.Unmarshal(r.body, &ready)
			if ready.Checks["visits"] != "ok" || ready.Checks["beneficiaries"] != "ok" {
				return fmt.Errorf("readyz %d: %s", r.StatusCode, r.body)
			}
			return nil
		})
	})

	// created checks a creation's response: 201, Location /v1/<name>, ETag
	// "1", the consistency token in header and body; it returns the resource.
	created := func(t *testing.T, r response, field string) map[string]any {
		t.Helper()
		expect(t, r, http.StatusCreated)
		res, _ := r.json(t)[field].(map[string]any)
		if res == nil {
			t.Fatalf("no %s in %s", field, r.body)
		}
		if loc := r.Header.Get("Location"); loc != "/v1/"+res["name"].(string) {
			t.Errorf("Location = %q, want /v1/%v", loc, res["name"])
		}
		if r.Header.Get("ETag") != `"1"` || res["etag"] != "1" {
			t.Errorf("ETag %q, etag field %v; want \"1\"", r.Header.Get("ETag"), res["etag"])
		}
		if tok := r.Header.Get("Doudi-Consistency-Token"); !strings.HasPrefix(tok, "visits/") || tok != r.json(t)["consistencyToken"] {
			t.Errorf("Doudi-Consistency-Token = %q, body %s", tok, r.body)
		}
		return res
	}

	t.Run("every creation is 201 with Location, ETag and token", func(t *testing.T) {
		month := time.Now().In(china).Format("2006-01")
		theme := created(t, g.call(t, "POST", base+"/monthlyThemes:choose", managerKey,
			map[string]any{"month": month, "monthlyTheme": map[string]any{"title": "冬季关爱", "description": "防寒保暖"}}), "monthlyTheme")
		got := g.call(t, "GET", "/v1/"+theme["name"].(string), managerKey, nil)
		expect(t, got, http.StatusOK)
		if got.Header.Get("ETag") != `"1"` || got.json(t)["title"] != "冬季关爱" {
			t.Errorf("GET theme: ETag %q body %s", got.Header.Get("ETag"), got.body)
		}
		created(t, g.call(t, "POST", base+"/cardEditions:publish", managerKey, map[string]any{"cardEdition": map[string]any{
			"revision": 25, "title": "第25版", "topics": []string{"CARD_TOPIC_DIBAO", "CARD_TOPIC_TEKUN"}, "effectiveDate": "2024-01-01"}}), "cardEdition")
		created(t, g.call(t, "POST", base+"/outreachEvents:record", managerKey, map[string]any{"outreachEvent": map[string]any{
			"village": "V07", "heldDate": time.Now().In(china).Format(time.DateOnly), "title": "社会救助政策进村宣讲", "organiser": "sw-01",
			"attendance": 35, "cards": []any{map[string]any{"edition": 25, "count": 30}}}}), "outreachEvent")
		created(t, g.call(t, "POST", base+"/hotlineCalls:receive", managerKey, map[string]any{"hotlineCall": map[string]any{
			"line": 1, "receiveTime": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "callerNumber": "13800138000",
			"need": "咨询临时救助", "urgency": "URGENCY_NORMAL"}}), "hotlineCall")
		// Visits name a person of the register, which the visits service
		// learns from the beneficiaries stream.
		h := g.call(t, "POST", base+"/households", managerKey, map[string]any{"village": "V07", "address": "石滩镇V07村9号"})
		expect(t, h, http.StatusCreated)
		p := g.call(t, "POST", base+"/persons", managerKey, personBody(9001, h.json(t)["household"].(map[string]any)["name"].(string)))
		expect(t, p, http.StatusCreated)
		person := p.json(t)["person"].(map[string]any)["name"].(string)
		created(t, g.call(t, "POST", base+"/visits:schedule", managerKey, map[string]any{"visit": map[string]any{
			"kind": "VISIT_KIND_THEME_DAY", "village": "V07", "persons": []string{person}, "socialWorker": "sw-01",
			"plannedDate": time.Now().In(china).AddDate(0, 0, 3).Format(time.DateOnly)}}), "visit")
		visit := created(t, g.call(t, "POST", base+"/visits:record", managerKey, map[string]any{
			"visit": map[string]any{"kind": "VISIT_KIND_ROUTINE", "village": "V07", "persons": []string{person}, "socialWorker": "sw-01"},
			"report": map[string]any{"reportId": uuid.NewString(), "occurTime": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
				"participants": []any{map[string]any{"role": "PARTICIPANT_ROLE_SOCIAL_WORKER", "id": "sw-01"}},
				"services":     []string{"SERVICE_TYPE_POLICY_EXPLANATION"}, "cards": []any{map[string]any{"edition": 25, "count": 1}}}}), "visit")
		if visit["state"] != "VISIT_STATE_COMPLETED" {
			t.Errorf("recorded visit: %v", visit)
		}
		// A refused creation has no Location.
		r := g.call(t, "POST", base+"/visits:record", managerKey, map[string]any{"visit": map[string]any{"kind": "VISIT_KIND_ROUTINE"}})
		expectError(t, r, http.StatusBadRequest, "INVALID_ARGUMENT")
		if r.Header.Get("Location") != "" {
			t.Errorf("a refused creation has a Location: %v", r.Header)
		}
	})

	t.Run("Idempotency-Key replays the creation; If-Match guards the next write", func(t *testing.T) {
		body := map[string]any{"hotlineCall": map[string]any{"line": 2, "receiveTime": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
			"callerNumber": "13900139000", "need": "老人独居，需上门", "urgency": "URGENCY_URGENT"}}
		key := uuid.NewString()
		first := g.call(t, "POST", base+"/hotlineCalls:receive", managerKey, body, "Idempotency-Key", key)
		call := created(t, first, "hotlineCall")
		again := g.call(t, "POST", base+"/hotlineCalls:receive", managerKey, body, "Idempotency-Key", key)
		expect(t, again, http.StatusCreated)
		if string(again.body) != string(first.body) || again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("the retry differs:\nfirst %s\nagain %s", first.body, again.body)
		}
		list := g.call(t, "GET", base+"/hotlineCalls?pageSize=1000", managerKey, nil,
			"Doudi-Consistency-Token", again.Header.Get("Doudi-Consistency-Token"))
		expect(t, list, http.StatusOK)
		if n := strings.Count(string(list.body), call["name"].(string)); n != 1 {
			t.Errorf("the call is listed %d times, want once: %s", n, list.body)
		}

		triage := "/v1/" + call["name"].(string) + ":triage"
		r := g.call(t, "POST", triage, managerKey, map[string]any{"owner": "sw-02"}, "If-Match", `"1"`)
		expect(t, r, http.StatusOK)
		if r.Header.Get("ETag") != `"2"` || r.Header.Get("Location") != "" || r.Header.Get("Doudi-Consistency-Token") == "" {
			t.Errorf("triage: ETag %q Location %q token %q", r.Header.Get("ETag"), r.Header.Get("Location"), r.Header.Get("Doudi-Consistency-Token"))
		}
		expectError(t, g.call(t, "POST", triage, managerKey, map[string]any{"owner": "sw-03"}, "If-Match", `"1"`), http.StatusConflict, "")
		got := g.call(t, "GET", "/v1/"+call["name"].(string), managerKey, nil)
		expect(t, got, http.StatusOK)
		if got.Header.Get("ETag") != `"2"` || got.json(t)["owner"] != "sw-02" {
			t.Errorf("after a stale triage: ETag %q body %s", got.Header.Get("ETag"), got.body)
		}
	})

	t.Run("assignments: 200 with ETag; a third village needs a reason", func(t *testing.T) {
		path := base + "/socialWorkers/sw-gw/assignments"
		for i, v := range []string{"V01", "V02"} {
			r := g.call(t, "POST", path+":assignVillage", managerKey, map[string]any{"village": v})
			expect(t, r, http.StatusOK)
			if want := fmt.Sprintf(`"%d"`, i+1); r.Header.Get("ETag") != want {
				t.Errorf("assign %s: ETag %q, want %s", v, r.Header.Get("ETag"), want)
			}
		}
		f := expectError(t, g.call(t, "POST", path+":assignVillage", managerKey, map[string]any{"village": "V03"}), http.StatusBadRequest, "INVALID_ARGUMENT")
		if len(f) != 1 || f[0] != "reason" {
			t.Errorf("field violations %v, want reason", f)
		}
	})

	t.Run("bad bodies are 400 naming the field", func(t *testing.T) {
		f := expectError(t, g.call(t, "POST", base+"/hotlineCalls:receive", managerKey, map[string]any{"hotlineCall": map[string]any{
			"line": 7, "receiveTime": time.Now().UTC().Format(time.RFC3339), "callerNumber": "13800138000", "need": "x", "urgency": "URGENCY_NORMAL"}}),
			http.StatusBadRequest, "INVALID_ARGUMENT")
		if len(f) != 1 || f[0] != "hotline_call.line" {
			t.Errorf("line 7: field violations %v", f)
		}
		f = expectError(t, g.call(t, "POST", base+"/monthlyThemes:choose", managerKey, map[string]any{"month": "2030-01", "theme": "x"}),
			http.StatusBadRequest, "UNKNOWN_FIELD")
		if len(f) != 1 || f[0] != "theme" {
			t.Errorf("unknown field: field violations %v", f)
		}
	})

	t.Run("roles: civil_affairs and partner read visits but may not write them", func(t *testing.T) {
		for _, key := range []string{civilKey, partnerKey} {
			expect(t, g.call(t, "GET", base+"/outreachEvents", key, nil), http.StatusOK)
			expectError(t, g.call(t, "POST", base+"/outreachEvents:record", key, map[string]any{"outreachEvent": map[string]any{
				"village": "V07", "heldDate": "2025-01-01", "title": "x", "organiser": "sw-01"}}), http.StatusForbidden, "MISSING_PERMISSION")
		}
	})

	t.Run("openapi.json and /docs list the visits routes", func(t *testing.T) {
		r := g.call(t, "GET", "/openapi.json", "", nil)
		expect(t, r, http.StatusOK)
		var doc struct {
			Paths map[string]map[string]json.RawMessage
		}
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/v1/{parent}/visits:record", "/v1/{parent}/hotlineCalls:receive", "/v1/{parent}/monthlyThemes:choose"} {
			if !strings.Contains(string(doc.Paths[p]["post"]), `"201"`) {
				t.Errorf("POST %s without a 201 response", p)
			}
		}
		docs := g.call(t, "GET", "/docs", "", nil)
		if !strings.Contains(string(docs.body), "/v1/{parent}/visits:record") {
			t.Errorf("/docs does not list the visits operations")
		}
	})
}
