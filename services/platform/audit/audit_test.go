package audit_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/audit"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestReadsAreListedNewestFirstBySubjectAndActor(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := audit.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	log := audit.Log{Pool: pool}
	a, b := uuid.New(), uuid.New()
	for i, r := range []audit.SensitiveRead{
		{Tenant: "shitan", Subject: a, Resource: "tenants/shitan/persons/a", Actor: "sw-1", Fields: []string{"phone"}, Purpose: "回访", Method: "GetPerson"},
		{Tenant: "shitan", Subject: b, Resource: "tenants/shitan/visits/b", Actor: "sw-2", Fields: []string{"notes"}, Purpose: "督导", Method: "GetVisit"},
		{Tenant: "shitan", Subject: a, Resource: "tenants/shitan/persons/a", Actor: "sw-2", Fields: []string{"id_number"}, Purpose: "核对", Method: "GetPerson"},
		{Tenant: "other", Subject: a, Resource: "tenants/other/persons/a", Actor: "sw-2", Fields: []string{"phone"}, Purpose: "x", Method: "GetPerson"},
	} {
		if _, err := log.Record(ctx, r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	got, err := log.List(ctx, audit.Filter{Tenant: "shitan", Subject: a}, uuid.Nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Purpose != "核对" || got[1].Purpose != "回访" {
		t.Fatalf("reads of a = %+v", got)
	}
	got, err = log.List(ctx, audit.Filter{Tenant: "shitan", Actor: "sw-2"}, uuid.Nil, 1)
	if err != nil || len(got) != 1 || got[0].Method != "GetPerson" {
		t.Fatalf("first page of sw-2's reads = %+v, %v", got, err)
	}
	next, err := log.List(ctx, audit.Filter{Tenant: "shitan", Actor: "sw-2"}, got[0].ID, 10)
	if err != nil || len(next) != 1 || next[0].Method != "GetVisit" {
		t.Fatalf("second page of sw-2's reads = %+v, %v", next, err)
	}
}
