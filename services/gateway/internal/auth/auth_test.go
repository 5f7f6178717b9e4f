package auth_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
)

func TestParseKeysRefusesBadEntries(t *testing.T) {
	t.Parallel()
	good := auth.HashKey("k1")
	for _, tc := range []struct{ entry, want string }{
		{"a:station_manager", "want name:role:sha256hex"},
		{"a:janitor:" + good, `unknown role "janitor"`},
		{"a:partner:abc", "64 hex digits"},
		{"a b:partner:" + good, "name"},
	} {
		if _, err := auth.ParseKeys([]string{tc.entry}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.entry, err, tc.want)
		}
	}
	if _, err := auth.ParseKeys([]string{"a:partner:" + good, "b:partner:" + strings.ToUpper(good)}); err == nil {
		t.Error("the same key twice was accepted")
	}
	if _, err := auth.ParseKeys([]string{"a:partner:" + good, "a:partner:" + auth.HashKey("k2")}); err == nil {
		t.Error("the same name twice was accepted")
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	key := auth.NewKey()
	keys, err := auth.ParseKeys([]string{"app:partner:" + auth.HashKey(key), "sw:social_worker:" + auth.HashKey("other")})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.NewAuthenticator(keys)
	for _, tc := range []struct {
		header, value string
		want          error
	}{
		{"Authorization", "Bearer " + key, nil},
		{"Authorization", "bearer " + key, nil},
		{"X-API-Key", key, nil},
		{"Authorization", "Basic " + key, auth.ErrBadKey},
		{"Authorization", "Bearer " + key + "x", auth.ErrBadKey},
		{"X-API-Key", "", auth.ErrNoKey},
	} {
		r := httptest.NewRequest("GET", "/v1/x", nil)
		if tc.value != "" {
			r.Header.Set(tc.header, tc.value)
		}
		p, err := a.Authenticate(r)
		if err != tc.want {
			t.Errorf("%s: %q: error %v, want %v", tc.header, tc.value, err, tc.want)
		}
		if err == nil && (p.Name != "app" || p.Role != "partner" || p.Can(auth.SensitiveRead)) {
			t.Errorf("principal %+v", p)
		}
	}
}

func TestRequiredPermissions(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]string{
		"/doudi.beneficiaries.v1.BeneficiariesService/CreatePerson":         auth.BeneficiariesWrite,
		"/doudi.beneficiaries.v1.BeneficiariesService/AssessTier":           auth.BeneficiariesWrite,
		"/doudi.beneficiaries.v1.BeneficiariesService/GetPerson":            auth.BeneficiariesRead,
		"/doudi.beneficiaries.v1.BeneficiariesService/FindPersonByIdNumber": auth.BeneficiariesRead,
		"/doudi.beneficiaries.v1.BeneficiariesService/ListSensitiveReads":   auth.AuditRead,
		"/doudi.monitoring.v1.MonitoringService/ListCaseload":               auth.MonitoringRead,
		"/doudi.visits.v1.VisitsService/RecordVisit":                        auth.VisitsWrite,
		"/doudi.visits.v1.VisitsService/ReceiveHotlineCall":                 auth.VisitsWrite,
		"/doudi.visits.v1.VisitsService/GetSocialWorkerAssignments":         auth.VisitsRead,
		"/doudi.visits.v1.VisitsService/ListHotlineCalls":                   auth.VisitsRead,
	} {
		if got := auth.Required(method); got != want {
			t.Errorf("%s needs %q, want %q", method, got, want)
		}
	}
	// Every role's permissions reach the services with the role itself.
	p := auth.Principal{Name: "sw", Role: "social_worker"}
	if md := p.RolesMetadata(); !strings.HasPrefix(md, "social_worker,") || !strings.Contains(md, auth.SensitiveRead) {
		t.Errorf("x-doudi-roles = %q", md)
	}
}
