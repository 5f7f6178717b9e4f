package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
	"github.com/doudi-platform/doudi/services/platform/eventually"
	"github.com/doudi-platform/doudi/services/platform/natstest"
)

// TestGateway runs the REST API against the real beneficiaries service, a
// separate process on real PostgreSQL and an embedded JetStream server.
func TestGateway(t *testing.T) {
	g := startGateway(t, "BENEFICIARIES_ADDR", startBeneficiaries(t, natstest.Start(t)))
	base := "/v1/tenants/" + tenant

	// A household shared by the subtests' persons; ids count up so every
	// person has its own ID number.
	var household string
	next := 0
	newPerson := func(t *testing.T) (map[string]any, response) {
		t.Helper()
		next++
		r := g.call(t, "POST", base+"/persons", managerKey, personBody(next, household))
		expect(t, r, http.StatusCreated)
		return r.json(t)["person"].(map[string]any), r
	}

	t.Run("probes and docs need no key", func(t *testing.T) {
		expect(t, g.call(t, "GET", "/healthz", "", nil), http.StatusOK)
		// Monitoring is not running here, so the gateway is not ready as a
		// whole, but its beneficiaries connection must be.
		eventually.Require(t, 10*time.Second, func() error {
			var ready struct{ Checks map[string]string }
			r := g.call(t, "GET", "/readyz", "", nil)
			_ = json.Unmarshal(r.body, &ready)
			if ready.Checks["beneficiaries"] != "ok" || !strings.HasPrefix(ready.Checks["monitoring"], "failed") {
				return fmt.Errorf("readyz %d: %s", r.StatusCode, r.body)
			}
			return nil
		})
		expect(t, g.call(t, "GET", "/metrics", "", nil), http.StatusOK)
		expect(t, g.call(t, "GET", "/docs", "", nil), http.StatusOK)
	})

	t.Run("no key or a wrong key is 401", func(t *testing.T) {
		r := g.call(t, "GET", base+"/referenceData", "", nil)
		expectError(t, r, http.StatusUnauthorized, "API_KEY_MISSING")
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		expectError(t, g.call(t, "GET", base+"/referenceData", "doudi_WRONG", nil), http.StatusUnauthorized, "API_KEY_INVALID")
		expectError(t, g.call(t, "GET", base+"/referenceData", "", nil, "X-API-Key", managerKey+"x"), http.StatusUnauthorized, "API_KEY_INVALID")
		expect(t, g.call(t, "GET", base+"/referenceData", "", nil, "X-API-Key", managerKey), http.StatusOK)
		expect(t, g.call(t, "GET", base+"/referenceData", managerKey, nil), http.StatusOK)
	})

	t.Run("create household and person: 201, Location, ETag, consistency token; GET has the ETag", func(t *testing.T) {
		r := g.call(t, "POST", base+"/households", managerKey, map[string]any{"village": "V07", "address": "石滩镇V07村1号"})
		expect(t, r, http.StatusCreated)
		h := r.json(t)["household"].(map[string]any)
		household = h["name"].(string)
		if loc := r.Header.Get("Location"); loc != "/v1/"+household {
			t.Errorf("Location = %q, want /v1/%s", loc, household)
		}
		if r.Header.Get("ETag") != `"1"` || h["etag"] != "1" {
			t.Errorf("household ETag = %q, etag field %v; want \"1\"", r.Header.Get("ETag"), h["etag"])
		}
		if tok := r.Header.Get("Doudi-Consistency-Token"); tok == "" || tok != r.json(t)["consistencyToken"] {
			t.Errorf("Doudi-Consistency-Token = %q, body %s", tok, r.body)
		}

		p, r := newPerson(t)
		if loc := r.Header.Get("Location"); loc != "/v1/"+p["name"].(string) {
			t.Errorf("Location = %q, person %v", loc, p["name"])
		}
		etag := r.Header.Get("ETag")
		if etag != `"`+p["etag"].(string)+`"` || r.Header.Get("Doudi-Consistency-Token") == "" {
			t.Errorf("ETag %q, token %q for person %v", etag, r.Header.Get("Doudi-Consistency-Token"), p)
		}
		got := g.call(t, "GET", r.Header.Get("Location"), managerKey, nil)
		expect(t, got, http.StatusOK)
		if got.Header.Get("ETag") != etag || got.json(t)["name"] != p["name"] {
			t.Errorf("GET: ETag %q want %q; body %s", got.Header.Get("ETag"), etag, got.body)
		}
		if got.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got.Header.Get("Cache-Control"))
		}
	})

	t.Run("same Idempotency-Key: same response, one person", func(t *testing.T) {
		next++
		body, key := personBody(next, household), uuid.NewString()
		first := g.call(t, "POST", base+"/persons", managerKey, body, "Idempotency-Key", key)
		expect(t, first, http.StatusCreated)
		again := g.call(t, "POST", base+"/persons", managerKey, body, "Idempotency-Key", key)
		expect(t, again, http.StatusCreated)
		if string(again.body) != string(first.body) || again.Header.Get("Location") != first.Header.Get("Location") ||
			again.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Errorf("retry differs:\nfirst %s\nagain %s", first.body, again.body)
		}
		// The list, read with the write's token, has the person once.
		list := g.call(t, "GET", base+"/persons?village=V07&page_size=1000", managerKey, nil,
			"Doudi-Consistency-Token", again.Header.Get("Doudi-Consistency-Token"))
		expect(t, list, http.StatusOK)
		var l struct {
			Persons []struct{ Name, FullName string }
		}
		_ = json.Unmarshal(list.body, &l)
		n := 0
		for _, p := range l.Persons {
			if p.FullName == body["fullName"] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d persons named %v, want 1: %s", n, body["fullName"], list.body)
		}
		// The key in the body and a different one in the header disagree.
		r := g.call(t, "POST", base+"/households?requestId=abc", managerKey, map[string]any{"village": "V07", "address": "x"},
			"Idempotency-Key", "def")
		if f := expectError(t, r, http.StatusBadRequest, ""); !slices.Contains(f, "request_id") {
			t.Errorf("fields %v, want request_id", f)
		}
	})

	t.Run("If-Match: stale is 409, current is 200 with the new ETag", func(t *testing.T) {
		p, created := newPerson(t)
		path := "/v1/" + p["name"].(string) + ":assessTier"
		assess := map[string]any{"tier": 2, "reason": "独居", "assessedBy": "sw-01"}
		r := g.call(t, "POST", path, managerKey, assess, "If-Match", created.Header.Get("ETag"))
		expect(t, r, http.StatusOK)
		newTag := r.Header.Get("ETag")
		if newTag == created.Header.Get("ETag") || newTag == "" || r.Header.Get("Doudi-Consistency-Token") == "" {
			t.Errorf("after the write: ETag %q (was %q), token %q", newTag, created.Header.Get("ETag"), r.Header.Get("Doudi-Consistency-Token"))
		}
		assess["tier"] = 1
		expectError(t, g.call(t, "POST", path, managerKey, assess, "If-Match", created.Header.Get("ETag")), http.StatusConflict, "ETAG_MISMATCH")
		expectError(t, g.call(t, "POST", path, managerKey, assess, "If-Match", `W/"2"`), http.StatusBadRequest, "INVALID_HEADER")
		r = g.call(t, "POST", path, managerKey, assess, "If-Match", newTag)
		expect(t, r, http.StatusOK)
		if tier := r.json(t)["person"].(map[string]any)["tier"]; tier != 1.0 {
			t.Errorf("tier = %v, want 1", tier)
		}
	})

	t.Run("bad bodies are 400 naming the field, and write nothing", func(t *testing.T) {
		next++
		bad := personBody(next, household)
		bad["idNumber"] = "440183194001010010" // wrong check digit
		if f := expectError(t, g.call(t, "POST", base+"/persons", managerKey, bad), http.StatusBadRequest, "INVALID_ARGUMENT"); !slices.Contains(f, "person.id_number") {
			t.Errorf("bad ID number: fields %v, want person.id_number", f)
		}
		unknown := personBody(next, household)
		unknown["nickname"] = "阿陈"
		if f := expectError(t, g.call(t, "POST", base+"/persons", managerKey, unknown), http.StatusBadRequest, "UNKNOWN_FIELD"); !slices.Contains(f, "person.nickname") {
			t.Errorf("unknown field: fields %v, want person.nickname", f)
		}
		expectError(t, g.call(t, "POST", base+"/persons", managerKey, `{"fullName": "陈",`), http.StatusBadRequest, "MALFORMED_JSON")
		expectError(t, g.call(t, "POST", base+"/persons", managerKey, `[1,2]`), http.StatusBadRequest, "MALFORMED_JSON")
		wrongType := personBody(next, household)
		wrongType["fullName"] = 42
		if f := expectError(t, g.call(t, "POST", base+"/persons", managerKey, wrongType), http.StatusBadRequest, "INVALID_FIELD_VALUE"); !slices.Contains(f, "person.fullName") {
			t.Errorf("wrong type: fields %v, want person.fullName", f)
		}
		// Nothing was written: the (valid) ID number of the refused bodies
		// is not registered.
		id, _ := residentid.Sample(next)
		expectError(t, g.call(t, "POST", base+"/persons:findByIdNumber", managerKey, map[string]any{"idNumber": id}),
			http.StatusNotFound, "PERSON_NOT_FOUND")
	})

	t.Run("a body over the limit is 413", func(t *testing.T) {
		big := `{"village": "V07", "address": "` + strings.Repeat("x", 70_000) + `"}`
		expectError(t, g.call(t, "POST", base+"/households", managerKey, big), http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE")
		// Without a Content-Length (chunked), found while reading.
		expectError(t, g.call(t, "POST", base+"/households", managerKey, io.MultiReader(strings.NewReader(big))),
			http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE")
	})

	t.Run("CORS preflight and responses", func(t *testing.T) {
		r := g.call(t, "OPTIONS", base+"/persons", "", nil, "Origin", "https://app.example",
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, idempotency-key, if-match")
		expect(t, r, http.StatusNoContent)
		allowHeaders := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
		if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(allowHeaders, "idempotency-key") || !strings.Contains(allowHeaders, "if-match") {
			t.Errorf("preflight headers: %v", r.Header)
		}
		expectError(t, g.call(t, "OPTIONS", base+"/persons", "", nil, "Origin", "https://evil.example",
			"Access-Control-Request-Method", "POST"), http.StatusForbidden, "ORIGIN_NOT_ALLOWED")
		r = g.call(t, "GET", base+"/referenceData", managerKey, nil, "Origin", "https://app.example")
		expect(t, r, http.StatusOK)
		if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("CORS response headers: %v", r.Header)
		}
		r = g.call(t, "GET", base+"/referenceData", managerKey, nil, "Origin", "https://evil.example")
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("a foreign origin was allowed: %v", r.Header)
		}
	})

	t.Run("spoofed identity headers are ignored; roles decide", func(t *testing.T) {
		p, _ := newPerson(t)
		path := "/v1/" + p["name"].(string) + "?view=VIEW_FULL&purpose=test"
		spoof := []string{"X-Doudi-Roles", "station_manager,sensitive:read", "X-Doudi-Actor", "mallory",
			"Grpc-Metadata-X-Doudi-Roles", "sensitive:read", "Grpc-Metadata-X-Doudi-Actor", "mallory"}
		r := g.call(t, "GET", path, civilKey, nil, spoof...)
		expect(t, r, http.StatusOK)
		if r.json(t)["sensitiveFieldsRevealed"] != false || strings.Contains(string(r.body), "高血压") {
			t.Fatalf("civil_affairs with spoofed roles saw sensitive fields: %s", r.body)
		}
		r = g.call(t, "GET", path, managerKey, nil, spoof...)
		expect(t, r, http.StatusOK)
		if r.json(t)["sensitiveFieldsRevealed"] != true {
			t.Fatalf("station_manager did not see sensitive fields: %s", r.body)
		}
		// The audit log names the key, not the spoofed actor.
		audit := g.call(t, "GET", base+"/sensitiveReads?resource="+p["name"].(string), managerKey, nil)
		expect(t, audit, http.StatusOK)
		if !strings.Contains(string(audit.body), `"actor":"manager"`) || strings.Contains(string(audit.body), "mallory") {
			t.Errorf("audit log: %s", audit.body)
		}
		// civil_affairs may read but not write, nor read the audit log.
		expectError(t, g.call(t, "POST", base+"/households", civilKey, map[string]any{"village": "V07", "address": "x"}), http.StatusForbidden, "MISSING_PERMISSION")
		expectError(t, g.call(t, "GET", base+"/sensitiveReads", civilKey, nil), http.StatusForbidden, "MISSING_PERMISSION")
	})

	t.Run("service errors map to HTTP: 404, 409 duplicate", func(t *testing.T) {
		expectError(t, g.call(t, "GET", base+"/persons/"+uuid.NewString(), managerKey, nil), http.StatusNotFound, "PERSON_NOT_FOUND")
		body := personBody(next, household) // the last person created above
		r := g.call(t, "POST", base+"/persons", managerKey, body)
		expectError(t, r, http.StatusConflict, "DUPLICATE_ID_NUMBER")
		if !strings.Contains(string(r.body), `"resource":"tenants/`) {
			t.Errorf("duplicate without the existing resource: %s", r.body)
		}
	})

	t.Run("unknown routes are 404 JSON", func(t *testing.T) {
		expectError(t, g.call(t, "GET", "/v1/nothing/here", managerKey, nil), http.StatusNotFound, "ROUTE_NOT_FOUND")
		expectError(t, g.call(t, "GET", "/elsewhere", "", nil), http.StatusNotFound, "ROUTE_NOT_FOUND")
		expectError(t, g.call(t, "DELETE", base+"/persons", managerKey, nil), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
	})

	t.Run("request ids: echoed or made, in every log line of the request", func(t *testing.T) {
		r := g.call(t, "GET", base+"/referenceData", managerKey, nil, "X-Request-Id", "trace-me-123")
		if r.Header.Get("X-Request-Id") != "trace-me-123" {
			t.Errorf("X-Request-Id = %q", r.Header.Get("X-Request-Id"))
		}
		r = g.call(t, "GET", base+"/referenceData", managerKey, nil, "X-Request-Id", "bad id\u00e9")
		if id := r.Header.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") {
			t.Errorf("generated X-Request-Id = %q", id)
		}
		found := false
		for line := range strings.Lines(g.logs.String()) {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["request_id"] == "trace-me-123" {
				found = l["msg"] == "http request" && l["actor"] == "manager" && l["status"] == 200.0
			}
		}
		if !found {
			t.Errorf("no access log line with the request id; logs:\n%s", g.logs.String())
		}
	})

	t.Run("openapi.json is one document listing the API", func(t *testing.T) {
		r := g.call(t, "GET", "/openapi.json", "", nil)
		expect(t, r, http.StatusOK)
		var doc struct {
			Swagger             string
			Paths               map[string]map[string]json.RawMessage
			SecurityDefinitions map[string]any
		}
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		for _, want := range []string{"/v1/{parent}/persons", "/v1/{parent}/households", "/v1/tenants/{tenant}/monitoring/caseload"} {
			if doc.Paths[want] == nil {
				t.Errorf("path %s missing; have %d paths", want, len(doc.Paths))
			}
		}
		if doc.Swagger != "2.0" || len(doc.SecurityDefinitions) == 0 {
			t.Errorf("swagger %q, security %v", doc.Swagger, doc.SecurityDefinitions)
		}
		if !strings.Contains(string(doc.Paths["/v1/{parent}/persons"]["post"]), `"201"`) {
			t.Errorf("CreatePerson without a 201 response")
		}
		docs := g.call(t, "GET", "/docs", "", nil)
		if !strings.Contains(string(docs.body), "/v1/{parent}/persons") || !strings.HasPrefix(docs.Header.Get("Content-Type"), "text/html") {
			t.Errorf("/docs does not list the operations")
		}
	})
}
