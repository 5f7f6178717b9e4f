package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
)

// Bad requests fail with InvalidArgument naming the field (or Aborted for a
// stale etag), and write nothing: no event, no key, no reservation, no audit.
func TestBadRequestsWriteNothing(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	h := e.createHousehold(ctx, 0)
	p := e.createPerson(ctx, 1, h.GetName()).GetPerson()
	token := e.createPerson(ctx, 3, h.GetName()).GetConsistencyToken()
	parent := "tenants/" + tenant

	create := func(change func(*pb.Person)) func() error {
		return func() error {
			r := personRequest(2, h.GetName())
			change(r.Person)
			_, err := e.client.CreatePerson(staff(ctx), r)
			return err
		}
	}
	assess := func(change func(*pb.AssessTierRequest)) func() error {
		return func() error {
			r := &pb.AssessTierRequest{Name: p.GetName(), Tier: 2, Reason: "评估", AssessedBy: "sw-017"}
			change(r)
			_, err := e.client.AssessTier(staff(ctx), r)
			return err
		}
	}
	monthly := func(month, living string) func() error {
		return func() error {
			_, err := e.client.RecordMonthlyFileUpdate(staff(ctx), &pb.RecordMonthlyFileUpdateRequest{Name: p.GetName(), Month: month, LivingSituation: living})
			return err
		}
	}
	validID, _ := residentid.Sample(2)
	wrongCheck := validID[:17] + map[bool]string{true: "0", false: "1"}[validID[17] != '0']
	tooLong := strings.Repeat("名", 10*1024/3)

	for _, tc := range []struct {
		name  string
		call  func() error
		code  codes.Code
		field string
	}{
		{"bad check digit", create(func(p *pb.Person) { p.IdNumber = wrongCheck }), codes.InvalidArgument, "person.id_number"},
		{"17-character ID number", create(func(p *pb.Person) { p.IdNumber = validID[:17] }), codes.InvalidArgument, "person.id_number"},
		{"SQL in the ID number", create(func(p *pb.Person) { p.IdNumber = "1' OR '1'='1'--abc" }), codes.InvalidArgument, "person.id_number"},
		{"birth date mismatch", create(func(p *pb.Person) { p.BirthDate = "1950-01-01" }), codes.InvalidArgument, "person.birth_date"},
		{"gender mismatch", create(func(p *pb.Person) { p.Gender = pb.Gender_GENDER_FEMALE }), codes.InvalidArgument, "person.gender"},
		{"no gender", create(func(p *pb.Person) { p.Gender = pb.Gender_GENDER_UNSPECIFIED }), codes.InvalidArgument, "person.gender"},
		{"malformed birth date", create(func(p *pb.Person) { p.BirthDate = "1940/01/03" }), codes.InvalidArgument, "person.birth_date"},
		{"empty name", create(func(p *pb.Person) { p.FullName = "  " }), codes.InvalidArgument, "person.full_name"},
		{"10 KB name", create(func(p *pb.Person) { p.FullName = tooLong }), codes.InvalidArgument, "person.full_name"},
		{"control characters in the name", create(func(p *pb.Person) { p.FullName = "陈\x1b[31m明" }), codes.InvalidArgument, "person.full_name"},
		{"landline phone", create(func(p *pb.Person) { p.Phone = "020-12345678" }), codes.InvalidArgument, "person.phone"},
		{"SQL in the phone", create(func(p *pb.Person) { p.Phone = "1; DROP TABLE events" }), codes.InvalidArgument, "person.phone"},
		{"unknown category", create(func(p *pb.Person) { p.Categories = []string{"RICH"} }), codes.InvalidArgument, "person.categories"},
		{"no category", create(func(p *pb.Person) { p.Categories = nil }), codes.InvalidArgument, "person.categories"},
		{"category twice", create(func(p *pb.Person) { p.Categories = []string{"DIBAO", "DIBAO"} }), codes.InvalidArgument, "person.categories"},
		{"no relationship", create(func(p *pb.Person) { p.RelationshipToHead = 0 }), codes.InvalidArgument, "person.relationship_to_head"},
		{"future registration", create(func(p *pb.Person) { p.RegistrationDate = "2999-01-01" }), codes.InvalidArgument, "person.registration_date"},
		{"malformed household", create(func(p *pb.Person) { p.Household = "households/1" }), codes.InvalidArgument, "person.household"},
		{"unknown household", create(func(p *pb.Person) { p.Household = "tenants/shitan/households/" + uuid.NewString() }), codes.InvalidArgument, "person.household"},
		{"malformed parent", func() error {
			_, err := e.client.CreatePerson(staff(ctx), &pb.CreatePersonRequest{Parent: "shitan", Person: personRequest(2, h.GetName()).Person})
			return err
		}, codes.InvalidArgument, "parent"},
		{"request id over 100 characters", func() error {
			r := personRequest(2, h.GetName())
			r.RequestId = strings.Repeat("r", 101)
			_, err := e.client.CreatePerson(staff(ctx), r)
			return err
		}, codes.InvalidArgument, "request_id"},
		{"unknown village", func() error {
			_, err := e.client.CreateHousehold(staff(ctx), &pb.CreateHouseholdRequest{Parent: parent, Household: &pb.Household{Village: "V99", Address: "x"}})
			return err
		}, codes.InvalidArgument, "household.village"},
		{"SQL as a village", func() error {
			_, err := e.client.CreateHousehold(staff(ctx), &pb.CreateHouseholdRequest{Parent: parent, Household: &pb.Household{Village: "V01' OR 1=1--", Address: "x"}})
			return err
		}, codes.InvalidArgument, "household.village"},
		{"household without address", func() error {
			_, err := e.client.CreateHousehold(staff(ctx), &pb.CreateHouseholdRequest{Parent: parent, Household: &pb.Household{Village: "V01"}})
			return err
		}, codes.InvalidArgument, "household.address"},
		{"tier 5", assess(func(r *pb.AssessTierRequest) { r.Tier = 5 }), codes.InvalidArgument, "tier"},
		{"tier 0", assess(func(r *pb.AssessTierRequest) { r.Tier = 0 }), codes.InvalidArgument, "tier"},
		{"assessment without reason", assess(func(r *pb.AssessTierRequest) { r.Reason = "" }), codes.InvalidArgument, "reason"},
		{"assessment without assessor", assess(func(r *pb.AssessTierRequest) { r.AssessedBy = "" }), codes.InvalidArgument, "assessed_by"},
		{"21 risk factors", assess(func(r *pb.AssessTierRequest) { r.RiskFactors = make([]string, 21) }), codes.InvalidArgument, "risk_factors"},
		{"future effective date", assess(func(r *pb.AssessTierRequest) { r.EffectiveDate = "2999-01-01" }), codes.InvalidArgument, "effective_date"},
		{"effective before registration", assess(func(r *pb.AssessTierRequest) { r.EffectiveDate = "2020-01-01" }), codes.InvalidArgument, "effective_date"},
		{"malformed etag", assess(func(r *pb.AssessTierRequest) { r.Etag = "W/\"1\"" }), codes.InvalidArgument, "etag"},
		{"wrong etag", assess(func(r *pb.AssessTierRequest) { r.Etag = "7" }), codes.Aborted, ""},
		{"malformed person name", assess(func(r *pb.AssessTierRequest) { r.Name = "tenants/shitan/persons/1 OR 1=1" }), codes.InvalidArgument, "name"},
		{"future month", monthly("2999-01", "ok"), codes.InvalidArgument, "month"},
		{"malformed month", monthly("2025-13", "ok"), codes.InvalidArgument, "month"},
		{"month before registration", monthly("2023-12", "ok"), codes.InvalidArgument, "month"},
		{"no living situation", monthly("2024-02", ""), codes.InvalidArgument, "living_situation"},
		{"unknown category to add", func() error {
			_, err := e.client.AddCategory(staff(ctx), &pb.AddCategoryRequest{Name: p.GetName(), Category: "dibao"})
			return err
		}, codes.InvalidArgument, "category"},
		{"exit for another reason without a note", func() error {
			_, err := e.client.ExitPerson(staff(ctx), &pb.ExitPersonRequest{Name: p.GetName(), Reason: pb.ExitReason_EXIT_REASON_OTHER})
			return err
		}, codes.InvalidArgument, "note"},
		{"exit without a reason", func() error {
			_, err := e.client.ExitPerson(staff(ctx), &pb.ExitPersonRequest{Name: p.GetName()})
			return err
		}, codes.InvalidArgument, "reason"},
		{"move to an unknown household", func() error {
			_, err := e.client.MovePersonHousehold(staff(ctx), &pb.MovePersonHouseholdRequest{Name: p.GetName(),
				Household: "tenants/shitan/households/" + uuid.NewString(), RelationshipToHead: pb.Relationship_RELATIONSHIP_SELF})
			return err
		}, codes.InvalidArgument, "household"},
		{"reveal without purpose", func() error {
			_, err := e.client.GetPerson(staff(ctx), &pb.GetPersonRequest{Name: p.GetName(), View: pb.View_VIEW_FULL})
			return err
		}, codes.InvalidArgument, "purpose"},
		{"find by an SQL-looking ID number", func() error {
			_, err := e.client.FindPersonByIdNumber(staff(ctx), &pb.FindPersonByIdNumberRequest{Parent: parent, IdNumber: "' OR ''='"})
			return err
		}, codes.InvalidArgument, "id_number"},
		{"bad page token", func() error {
			_, err := e.client.ListPersons(staff(ctx), &pb.ListPersonsRequest{Parent: parent, PageToken: "bm90LWEtdG9rZW4"})
			return err
		}, codes.InvalidArgument, "page_token"},
		{"page token of other filters", func() error {
			l, err := e.client.ListPersons(staff(ctx), &pb.ListPersonsRequest{Parent: parent, PageSize: 1, ConsistencyToken: token})
			if err != nil || l.GetNextPageToken() == "" {
				return errors.New("no page token to reuse")
			}
			_, err = e.client.ListPersons(staff(ctx), &pb.ListPersonsRequest{Parent: parent, PageSize: 1, Village: "V02", PageToken: l.GetNextPageToken()})
			return err
		}, codes.InvalidArgument, "page_token"},
		{"negative page size", func() error {
			_, err := e.client.ListPersons(staff(ctx), &pb.ListPersonsRequest{Parent: parent, PageSize: -1})
			return err
		}, codes.InvalidArgument, "page_size"},
		{"tier filter 5", func() error {
			_, err := e.client.ListPersons(staff(ctx), &pb.ListPersonsRequest{Parent: parent, Tier: 5})
			return err
		}, codes.InvalidArgument, "tier"},
		{"malformed consistency token", func() error {
			_, err := e.client.ListPersons(staff(ctx), &pb.ListPersonsRequest{Parent: parent, ConsistencyToken: "x/y"})
			return err
		}, codes.InvalidArgument, "consistency_token"},
		{"as of a malformed date", func() error {
			_, err := e.client.GetPersonAsOf(staff(ctx), &pb.GetPersonAsOfRequest{Name: p.GetName(), Date: "last March"})
			return err
		}, codes.InvalidArgument, "date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.writes(ctx)
			err := tc.call()
			code, fields := violation(err)
			if code != tc.code {
				t.Fatalf("code %v (%v), want %v", code, err, tc.code)
			}
			if tc.field != "" && !contains(fields, tc.field) {
				t.Errorf("fields %v, want %s (%v)", fields, tc.field, err)
			}
			if after := e.writes(ctx); after != before {
				t.Errorf("wrote something: %v → %v", before, after)
			}
		})
	}

	// Invalid UTF-8 never gets as far as the service over gRPC (protobuf
	// strings are UTF-8; the client refuses to send it), and the app refuses
	// it too for any other transport.
	before := e.writes(ctx)
	bad := personRequest(2, h.GetName())
	bad.Person.FullName = "陈\xff明"
	if _, err := e.client.CreatePerson(staff(ctx), bad); err == nil {
		t.Error("a name of invalid UTF-8 was accepted over gRPC")
	}
	_, err := e.svc.App.RegisterPerson(ctx, app.RegisterPerson{Tenant: tenant, HouseholdID: strings.TrimPrefix(h.GetName(), "tenants/shitan/households/"),
		Name: "陈\xff明", Gender: "male", BirthDate: bad.Person.BirthDate, IDNumber: bad.Person.IdNumber, Relationship: "self",
		Categories: []string{"DIBAO"}})
	if !errors.Is(err, &domain.FieldError{Field: "name"}) {
		t.Errorf("invalid UTF-8 name in the app: %v, want a field error on name", err)
	}
	if after := e.writes(ctx); after != before {
		t.Errorf("invalid UTF-8 wrote something: %v → %v", before, after)
	}
}

// writes counts the rows every write path adds to.
func (e *env) writes(ctx context.Context) [4]int {
	e.t.Helper()
	var n [4]int
	if err := e.svc.Host.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM data_keys),
		(SELECT count(*) FROM id_index), (SELECT count(*) FROM sensitive_reads)`).Scan(&n[0], &n[1], &n[2], &n[3]); err != nil {
		e.t.Fatal(err)
	}
	return n
}
