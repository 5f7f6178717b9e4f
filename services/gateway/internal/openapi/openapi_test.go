package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/doudi-platform/doudi/contracts"
	"github.com/doudi-platform/doudi/services/gateway/internal/openapi"
)

func TestMergeKeepsBothAreasApart(t *testing.T) {
	t.Parallel()
	doc := func(tag, prop string) string {
		return `{"swagger":"2.0","tags":[{"name":"` + tag + `"}],
		"paths":{"/v1/{name}":{"get":{"operationId":"` + tag + `_Get","parameters":[{"name":"name","in":"path","required":true,"type":"string"}],
		  "responses":{"200":{"schema":{"$ref":"#/definitions/v1Thing"}},"default":{"schema":{"$ref":"#/definitions/rpcStatus"}}}}}},
		"definitions":{"v1Thing":{"type":"object","properties":{"` + prop + `":{"type":"string"}}},"rpcStatus":{"type":"object"}}}`
	}
	fsys := fstest.MapFS{
		"gen/openapi/doudi/a/v1/a.swagger.json": {Data: []byte(doc("A", "x"))},
		"gen/openapi/doudi/b/v1/b.swagger.json": {Data: []byte(doc("B", "y"))},
	}
	raw, err := openapi.Merge(fsys, "gen/openapi/doudi/a/v1/a.swagger.json", "gen/openapi/doudi/b/v1/b.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, want := range []string{`"/v1/{name}"`, `"/v1/{name_b}"`, `"name": "name_b"`, `"#/definitions/bV1Thing"`, `"v1Thing"`, `"securityDefinitions"`} {
		if !strings.Contains(s, want) {
			t.Errorf("merged document lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "rpcStatus") {
		t.Error("rpcStatus left in; errors are the gateway's Error")
	}
}

func TestMergeTheContracts(t *testing.T) {
	t.Parallel()
	raw, err := openapi.Merge(contracts.OpenAPI,
		"gen/openapi/doudi/beneficiaries/v1/beneficiaries.swagger.json",
		"gen/openapi/doudi/monitoring/v1/monitoring.swagger.json",
		"gen/openapi/doudi/visits/v1/visits.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	fields, err := openapi.BodyFields(raw)
	if err != nil || fields["POST /v1/{parent}/persons"] != "person" || fields["POST /v1/{name}:assessTier"] != "" {
		t.Errorf("body fields %v, %v", fields, err)
	}
	page, err := openapi.Docs(raw)
	if err != nil || !strings.Contains(string(page), "/v1/tenants/{tenant}/monitoring/caseload") ||
		!strings.Contains(string(page), "/v1/{parent}/visits:record") || !strings.Contains(string(page), "VisitsService") {
		t.Errorf("docs page: %v", err)
	}
	// The visits creations answer 201 with a Location; their other writes 200.
	var merged struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]any
			}
		}
	}
	if err := json.Unmarshal(raw, &merged); err != nil {
		t.Fatal(err)
	}
	for path, created := range map[string]bool{
		"/v1/{parent}/visits:record": true, "/v1/{parent}/visits:schedule": true, "/v1/{parent}/monthlyThemes:choose": true,
		"/v1/{parent}/cardEditions:publish": true, "/v1/{parent}/outreachEvents:record": true,
		"/v1/{parent}/hotlineCalls:receive": true, "/v1/{parent}/persons": true,
		"/v1/{name}:complete": false, "/v1/{name}:assignVillage": false, "/v1/{name}:followUp": false,
	} {
		op, ok := merged.Paths[path]["post"]
		if !ok {
			t.Errorf("POST %s is not in the document", path)
			continue
		}
		_, has201 := op.Responses["201"]
		_, has200 := op.Responses["200"]
		if has201 != created || has200 == created || (created && op.Responses["201"].Headers["Location"] == nil) {
			t.Errorf("POST %s: 201 %t, 200 %t; want 201 with a Location: %t", path, has201, has200, created)
		}
	}
}

func TestCreates(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]bool{
		"/doudi.beneficiaries.v1.BeneficiariesService/CreatePerson": true,
		"/doudi.visits.v1.VisitsService/RecordVisit":                true,
		"/doudi.visits.v1.VisitsService/ScheduleVisit":              true,
		"/doudi.visits.v1.VisitsService/ChooseMonthlyTheme":         true,
		"/doudi.visits.v1.VisitsService/PublishCardEdition":         true,
		"/doudi.visits.v1.VisitsService/RecordOutreachEvent":        true,
		"/doudi.visits.v1.VisitsService/ReceiveHotlineCall":         true,
		"VisitsService_ReceiveHotlineCall":                          true,
		"BeneficiariesService_CreateHousehold":                      true,
		"/doudi.visits.v1.VisitsService/CompleteVisit":              false,
		"/doudi.visits.v1.VisitsService/AssignVillage":              false,
		"/doudi.visits.v1.VisitsService/ChangeMonthlyTheme":         false,
		"/doudi.beneficiaries.v1.BeneficiariesService/AssessTier":   false,
		"BeneficiariesService_RecordMonthlyFileUpdate":              false,
	} {
		if got := openapi.Creates(method); got != want {
			t.Errorf("Creates(%q) = %t, want %t", method, got, want)
		}
	}
}
