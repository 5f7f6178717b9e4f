package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"
)

var base = "/v1/tenants/" + tenant

// A partner app registers a household and a person; the station manager's
// monitoring list, read with the write's consistency token, has the person
// at once.
func TestCreateThenMonitoringListReadsYourWrite(t *testing.T) {
	begin(t)
	r := call(t, "POST", base+"/households", map[string]any{"village": "V03", "address": "石滩镇V03村8号"})
	expect(t, r, http.StatusCreated)
	if r.Header.Get("ETag") != `"1"` || r.token() == "" {
		t.Errorf("household: ETag %q, Doudi-Consistency-Token %q", r.Header.Get("ETag"), r.token())
	}
	household := r.json(t)["household"].(map[string]any)["name"].(string)

	r = newPerson(t, household)
	person := r.json(t)["person"].(map[string]any)
	if r.Header.Get("ETag") != `"`+person["etag"].(string)+`"` || r.token() == "" || r.token() != r.json(t)["consistencyToken"] {
		t.Errorf("person: ETag %q (etag %v), Doudi-Consistency-Token %q; body %s", r.Header.Get("ETag"), person["etag"], r.token(), r.body)
	}

	// One read, no retries: the token makes the query wait for the write.
	items := caseload(t, "householdId="+lastSegment(household), r.token())
	if len(items) != 1 || items[0]["personId"] != lastSegment(person["name"].(string)) ||
		items[0]["village"] != "V03" || items[0]["status"] != "CASE_STATUS_ACTIVE" || !slices.Equal(anyStrings(items[0]["categories"]), []string{"DIBAO"}) {
		t.Errorf("caseload of the household: %v; want the person %s, V03, active, DIBAO", items, person["name"])
	}
}

// Two assessments made from the same read cannot both win: a stale If-Match
// is 409, the current one 200; both tiers stay in the history with their
// dates, in beneficiaries and in the monitoring as-of view.
func TestAssessTierIfMatchAndHistory(t *testing.T) {
	begin(t)
	created := newPerson(t, newHousehold(t, "V04"))
	name := created.json(t)["person"].(map[string]any)["name"].(string)
	assess := func(tier int, on, ifMatch string) response {
		return call(t, "POST", "/v1/"+name+":assessTier", map[string]any{
			"tier": tier, "reason": "独居", "riskFactors": []string{"独居"}, "assessedBy": "sw-01", "effectiveDate": on,
		}, "If-Match", ifMatch)
	}
	first := assess(3, "2025-02-01", created.Header.Get("ETag"))
	expect(t, first, http.StatusOK)
	// The creation's ETag is stale now.
	expectError(t, assess(1, "2025-03-01", created.Header.Get("ETag")), http.StatusConflict, "ETAG_MISMATCH")
	second := assess(1, "2025-03-01", first.Header.Get("ETag"))
	expect(t, second, http.StatusOK)
	if tier := second.json(t)["person"].(map[string]any)["tier"]; tier != 1.0 {
		t.Errorf("tier after the second assessment = %v, want 1", tier)
	}

	// beneficiaries: the history lists both tiers with their dates, in order.
	h := call(t, "GET", "/v1/"+name+":listHistory", nil)
	expect(t, h, http.StatusOK)
	var history struct {
		Entries []struct {
			EffectiveDate string
			TierAssessed  *struct{ Tier int }
		}
	}
	if err := json.Unmarshal(h.body, &history); err != nil {
		t.Fatal(err)
	}
	var tiers []string
	for _, e := range history.Entries {
		if e.TierAssessed != nil {
			tiers = append(tiers, fmt.Sprintf("%d@%s", e.TierAssessed.Tier, e.EffectiveDate))
		}
	}
	if want := []string{"3@2025-02-01", "1@2025-03-01"}; !slices.Equal(tiers, want) {
		t.Errorf("tier history %v, want %v; body %s", tiers, want, h.body)
	}

	// monitoring: the tier as of a date, read after the last write.
	for date, want := range map[string]string{"2025-01-15": "0@", "2025-02-15": "3@2025-02-01", "2025-03-15": "1@2025-03-01"} {
		r := call(t, "GET", fmt.Sprintf("%s/monitoring/persons/%s/tierAsOf?date=%s", base, lastSegment(name), date), nil,
			"Doudi-Consistency-Token", second.token())
		expect(t, r, http.StatusOK)
		var asOf struct {
			Tier          int
			EffectiveDate string
		}
		_ = json.Unmarshal(r.body, &asOf)
		if got := fmt.Sprintf("%d@%s", asOf.Tier, asOf.EffectiveDate); got != want {
			t.Errorf("monitoring tier as of %s = %s, want %s; body %s", date, got, want, r.body)
		}
	}
}

// A retried POST with the same Idempotency-Key returns the first response
// and registers nobody twice.
func TestIdempotencyKeyRetryGivesSameResponseAndOnePerson(t *testing.T) {
	begin(t)
	household := newHousehold(t, "V05")
	next++
	body, key := personBody(next, household), uuid.NewString()
	first := call(t, "POST", base+"/persons", body, "Idempotency-Key", key)
	expect(t, first, http.StatusCreated)
	again := call(t, "POST", base+"/persons", body, "Idempotency-Key", key)
	expect(t, again, http.StatusCreated)
	if string(again.body) != string(first.body) || again.Header.Get("ETag") != first.Header.Get("ETag") ||
		again.Header.Get("Location") != first.Header.Get("Location") || again.token() != first.token() {
		t.Errorf("the retry's response differs:\nfirst %v %s\nagain %v %s", first.Header, first.body, again.Header, again.body)
	}
	if items := caseload(t, "householdId="+lastSegment(household), again.token()); len(items) != 1 {
		t.Errorf("%d persons in the household, want 1: %v", len(items), items)
	}
}

// Requests without a key are 401; bad bodies are 400 naming the field; none
// of them writes anything.
func TestRefusedRequestsWriteNothing(t *testing.T) {
	begin(t)
	household := newHousehold(t, "V06")
	events := pf.db(t, "beneficiaries")
	countEvents := func() (n int64) {
		if err := events.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countEvents()
	next++
	good := personBody(next, household)

	for _, r := range []response{
		callWithKey(t, "POST", base+"/persons", "", good),
		callWithKey(t, "GET", base+"/persons", "", nil),
		callWithKey(t, "GET", base+"/monitoring/caseload", "", nil),
		callWithKey(t, "POST", base+"/persons", "doudi_not_a_key", good),
	} {
		expectError(t, r, http.StatusUnauthorized, "")
	}

	expectError(t, call(t, "POST", base+"/persons", `{"fullName": "陈",`), http.StatusBadRequest, "MALFORMED_JSON")
	unknown := maps(good, "nickname", "阿陈")
	if f := expectError(t, call(t, "POST", base+"/persons", unknown), http.StatusBadRequest, "UNKNOWN_FIELD"); !slices.Contains(f, "person.nickname") {
		t.Errorf("unknown field: field violations %v, want person.nickname", f)
	}
	badID := maps(good, "idNumber", "440183194001010010") // wrong check digit
	if f := expectError(t, call(t, "POST", base+"/persons", badID), http.StatusBadRequest, "INVALID_ARGUMENT"); !slices.Contains(f, "person.id_number") {
		t.Errorf("bad ID number: field violations %v, want person.id_number", f)
	}

	if after := countEvents(); after != before {
		t.Errorf("the refused requests appended %d events", after-before)
	}
	// The (valid) ID number of the refused bodies is not registered.
	expectError(t, call(t, "POST", base+"/persons:findByIdNumber", map[string]any{"idNumber": good["idNumber"]}),
		http.StatusNotFound, "PERSON_NOT_FOUND")
}

// maps copies m with k set to v.
func maps(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
