package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/eventually"
)

// One write's trace runs from the REST call through the service to the
// projection: spans of all three processes share the trace id the client
// sent in traceparent.
func TestOneTraceFromRESTToProjection(t *testing.T) {
	begin(t)
	created := newPerson(t, newHousehold(t, "V09"))
	name := created.json(t)["person"].(map[string]any)["name"].(string)

	traceID, parent := randomHex(16), randomHex(8)
	r := call(t, "POST", "/v1/"+name+":assessTier", map[string]any{"tier": 1, "reason": "独居", "assessedBy": "sw-03"},
		"traceparent", "00-"+traceID+"-"+parent+"-01")
	expect(t, r, http.StatusOK)

	var spans map[string][]string
	eventually.Require(t, 20*time.Second, func() error {
		spans = pf.otlp.trace(traceID)
		for _, service := range []string{"gateway", "beneficiaries", "monitoring"} {
			if len(spans[service]) == 0 {
				return fmt.Errorf("no %s span in trace %s yet; spans by service: %v", service, traceID, spans)
			}
		}
		if !slices.ContainsFunc(spans["monitoring"], func(s string) bool { return strings.HasPrefix(s, "project ") }) {
			return fmt.Errorf("no projection span in trace %s yet; monitoring spans: %v", traceID, spans["monitoring"])
		}
		return nil
	})
	t.Logf("trace %s: %v", traceID, spans)
}
