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
		"gen/openapi/doudi/monitoring/v1/monitoring.swagger.json")
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
	if err != nil || !strings.Contains(string(page), "/v1/tenants/{tenant}/monitoring/caseload") {
		t.Errorf("docs page: %v", err)
	}
}
