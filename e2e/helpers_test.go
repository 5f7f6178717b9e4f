package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
)

// client is shared by the tests; the burst uses up to 8 connections at once.
var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 16},
}

// response is an HTTP response with its body read.
type response struct {
	*http.Response
	body []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v\n%s", r.Request.Method, r.Request.URL, err, r.body)
	}
	return m
}

func (r response) token() string { return r.Header.Get("Doudi-Consistency-Token") }

// do sends a request to the gateway and reads the response. body is
// JSON-encoded unless it is a string; headers alternate name and value; key
// "" sends no Authorization.
func do(method, p, key string, body any, headers ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, pf.gatewayURL+p, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, p, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, p, err)
	}
	return response{res, raw}, nil
}

// call is do with the test's API key, failing the test on a transport error.
func call(t testing.TB, method, p string, body any, headers ...string) response {
	t.Helper()
	return callWithKey(t, method, p, pf.apiKey, body, headers...)
}

// callWithKey is do, failing the test on a transport error.
func callWithKey(t testing.TB, method, p, key string, body any, headers ...string) response {
	t.Helper()
	r, err := do(method, p, key, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// expect fails the test unless the response has the status.
func expect(t testing.TB, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.Request.Method, r.Request.URL, r.StatusCode, status, r.body)
	}
}

// expectError checks an error response's status and reason, and returns
// its field violations' fields.
func expectError(t testing.TB, r response, status int, reason string) []string {
	t.Helper()
	expect(t, r, status)
	var e struct {
		Code            int
		Reason, Message string
		FieldViolations []struct{ Field, Description string } `json:"field_violations"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v\n%s", err, r.body)
	}
	if e.Code != status || e.Message == "" {
		t.Errorf("error body %s: want code %d and a message", r.body, status)
	}
	if reason != "" && e.Reason != reason {
		t.Errorf("reason = %q, want %q; body %s", e.Reason, reason, r.body)
	}
	var fields []string
	for _, v := range e.FieldViolations {
		fields = append(fields, v.Field)
	}
	return fields
}

// lastSegment is a resource name's id: "tenants/shitan/persons/<id>" → <id>.
func lastSegment(name string) string { return path.Base(name) }

// personBody is a CreatePerson body for person i in household, registered
// on 2025-01-01 so that tier dates and months of 2025 are valid.
func personBody(i int, household string) map[string]any {
	id, birth := residentid.Sample(i)
	return map[string]any{
		"fullName": fmt.Sprintf("陈%d", i), "gender": "GENDER_MALE", "birthDate": birth, "idNumber": id,
		"phone": fmt.Sprintf("138%08d", i), "healthNotes": "高血压", "household": household,
		"relationshipToHead": "RELATIONSHIP_SELF", "categories": []string{"DIBAO"}, "registrationDate": "2025-01-01",
	}
}

// next numbers persons across the tests so that ID numbers stay unique.
var next int

// newHousehold registers a household in village and returns its resource name.
func newHousehold(t testing.TB, village string) string {
	t.Helper()
	r := call(t, "POST", "/v1/tenants/"+tenant+"/households", map[string]any{"village": village, "address": "石滩镇" + village + "村1号"})
	expect(t, r, http.StatusCreated)
	return r.json(t)["household"].(map[string]any)["name"].(string)
}

// newPerson registers the next person in household and returns the
// response (person, ETag, token).
func newPerson(t testing.TB, household string) response {
	t.Helper()
	next++
	r := call(t, "POST", "/v1/tenants/"+tenant+"/persons", personBody(next, household))
	expect(t, r, http.StatusCreated)
	return r
}

// caseload lists the monitoring caseload for the query (without page
// parameters), every page, reading after the write with token.
func caseload(t testing.TB, query, token string) []map[string]any {
	t.Helper()
	var items []map[string]any
	pageToken := ""
	for {
		q := query + "&pageSize=500"
		if pageToken != "" {
			q += "&pageToken=" + url.QueryEscape(pageToken)
		}
		r := call(t, "GET", "/v1/tenants/"+tenant+"/monitoring/caseload?"+q, nil, "Doudi-Consistency-Token", token)
		expect(t, r, http.StatusOK)
		var page struct {
			Items         []map[string]any
			NextPageToken string
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
		if page.NextPageToken == "" {
			return items
		}
		pageToken = page.NextPageToken
	}
}
