package service_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// The station's register (DOMAIN.md §1): 1,912 people in 1,426 households.
// -short registers a tenth, for quick iteration.
func registerSize(t *testing.T) (households, persons int) {
	if testing.Short() {
		return 150, 200
	}
	return 1426, 1912
}

// TestRegisterOfAStation registers the station's households and persons,
// assesses every person's tier and records a month of file updates, then
// checks what a user relies on: the event stream holds exactly those events,
// a permitted caller reads personal data in clear and is audited, anyone
// else sees masks, and a forgotten person's ID number is gone for good and
// can be registered anew.
func TestRegisterOfAStation(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	nh, np := registerSize(t)
	const workers = 8

	households := make([]string, nh)
	parallel(t, nh, workers, func(h int) error {
		households[h] = e.createHousehold(ctx, h).GetName()
		return nil
	})
	persons := make([]string, np)
	parallel(t, np, workers, func(i int) error {
		persons[i] = e.createPerson(ctx, i, households[i%nh]).GetPerson().GetName()
		return nil
	})
	parallel(t, np, workers, func(i int) error {
		_, err := e.client.AssessTier(staff(ctx), &pb.AssessTierRequest{Name: persons[i], Tier: int32(i%4 + 1),
			Reason: "定期评估", RiskFactors: []string{"独居"}, AssessedBy: "sw-017", Etag: "1"})
		return err
	})
	month := domainkit.Today(time.Now()).YearMonth().String()
	parallel(t, np, workers, func(i int) error {
		_, err := e.client.RecordMonthlyFileUpdate(staff(ctx), &pb.RecordMonthlyFileUpdateRequest{Name: persons[i],
			Month: month, LivingSituation: "独居，生活能自理", Needs: "助餐", HelpReceived: "送米油一次"})
		return err
	})
	want := nh + 3*np
	if got := e.eventCount(ctx); got != want {
		t.Fatalf("event store holds %d events, want %d", got, want)
	}
	e.waitForStream(ctx, uint64(want))

	// A permitted caller, with a purpose, reads in clear; the read is audited.
	wantID, _ := residentid.Sample(7)
	p, err := e.client.GetPerson(staff(ctx), &pb.GetPersonRequest{Name: persons[7], View: pb.View_VIEW_FULL, Purpose: "家访前核对身份"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.GetSensitiveFieldsRevealed() || p.GetIdNumber() != wantID || p.GetPhone() != "13800000007" || p.GetHealthNotes() != "高血压" {
		t.Fatalf("revealed person = %v", p)
	}
	if p.GetTier() != 4 || p.GetEtag() != "3" {
		t.Errorf("tier %d etag %s, want 4 and 3", p.GetTier(), p.GetEtag())
	}
	reads, err := e.client.ListSensitiveReads(staff(ctx), &pb.ListSensitiveReadsRequest{Parent: "tenants/" + tenant, Resource: persons[7]})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads.GetSensitiveReads()) != 1 {
		t.Fatalf("audit log holds %d reads of the person, want 1", len(reads.GetSensitiveReads()))
	}
	if r := reads.GetSensitiveReads()[0]; r.GetActor() != "sw-017" || r.GetPurpose() != "家访前核对身份" ||
		r.GetMethod() != "GetPerson" || !contains(r.GetFields(), "id_number") {
		t.Errorf("audited read = %v", r)
	}

	// A caller without the permission gets masks, even asking for VIEW_FULL,
	// and nothing is audited for them.
	masked, err := e.client.GetPerson(clerk(ctx), &pb.GetPersonRequest{Name: persons[7], View: pb.View_VIEW_FULL, Purpose: "好奇"})
	if err != nil {
		t.Fatal(err)
	}
	if masked.GetSensitiveFieldsRevealed() || masked.GetIdNumber() != identity.MaskIDNumber(wantID) ||
		masked.GetPhone() != "138****0007" || masked.GetHealthNotes() != "***" {
		t.Errorf("masked person = %v", masked)
	}
	all, err := e.client.ListSensitiveReads(staff(ctx), &pb.ListSensitiveReadsRequest{Parent: "tenants/" + tenant})
	if err != nil || len(all.GetSensitiveReads()) != 1 {
		t.Errorf("audit log: %d reads, %v; want just the permitted one", len(all.GetSensitiveReads()), err)
	}

	// Forget person 7: the ID number can no longer be read, found or matched.
	forgotten, err := e.client.ForgetPerson(staff(ctx), &pb.ForgetPersonRequest{Name: persons[7]})
	if err != nil {
		t.Fatal(err)
	}
	if forgotten.GetPerson().GetStatus() != pb.PersonStatus_PERSON_STATUS_FORGOTTEN || forgotten.GetPerson().GetIdNumber() != "" ||
		forgotten.GetPerson().GetFullName() != "" {
		t.Errorf("forgotten person = %v", forgotten.GetPerson())
	}
	again, err := e.client.GetPerson(staff(ctx), &pb.GetPersonRequest{Name: persons[7], View: pb.View_VIEW_FULL, Purpose: "核对"})
	if err != nil || again.GetIdNumber() != "" || again.GetPhone() != "" || again.GetStatus() != pb.PersonStatus_PERSON_STATUS_FORGOTTEN {
		t.Errorf("after forget: %v, %v", again, err)
	}
	if _, err := e.client.FindPersonByIdNumber(staff(ctx), &pb.FindPersonByIdNumberRequest{Parent: "tenants/" + tenant, IdNumber: wantID}); status.Code(err) != codes.NotFound {
		t.Errorf("find the forgotten ID number: %v, want NotFound", err)
	}
	// The stored registration still carries the sealed number; it no longer opens.
	id := uuid.MustParse(strings.TrimPrefix(persons[7], "tenants/"+tenant+"/persons/"))
	sealed := storedIDNumber(t, e, id)
	if !strings.HasPrefix(string(sealed), "v1:") || strings.Contains(string(sealed), wantID) {
		t.Errorf("stored ID number %q is not sealed", sealed)
	}
	if _, err := e.svc.App.Keys.Open(ctx, tenant, id); !errors.Is(err, postgres.ErrKeyErased) {
		t.Errorf("the forgotten person's key opens: %v", err)
	}

	// The number registers anew, as a new person.
	anew := e.createPerson(ctx, 7, households[0])
	if anew.GetPerson().GetName() == persons[7] {
		t.Error("the new registration reuses the forgotten person")
	}
	found, err := e.client.FindPersonByIdNumber(clerk(ctx), &pb.FindPersonByIdNumberRequest{Parent: "tenants/" + tenant, IdNumber: wantID})
	if err != nil || found.GetName() != anew.GetPerson().GetName() {
		t.Errorf("find the re-registered number: %v, %v", found.GetName(), err)
	}
	// And a duplicate is refused, naming the person who holds the number.
	_, err = e.client.CreatePerson(staff(ctx), personRequest(8, households[0]))
	if status.Code(err) != codes.AlreadyExists || !strings.Contains(status.Convert(err).Message(), persons[8]) {
		t.Errorf("duplicate ID number: %v, want AlreadyExists naming %s", err, persons[8])
	}
	e.waitForStream(ctx, uint64(want+2))
}

// storedIDNumber reads the sealed ID number from a person's stored registration.
func storedIDNumber(t *testing.T, e *env, id uuid.UUID) string {
	t.Helper()
	for rec, err := range e.svc.Host.Store.Load(context.Background(), postgres.PersonStream(id), 0) {
		if err != nil {
			t.Fatal(err)
		}
		ev, err := postgres.DecodePerson(rec.Type, rec.Data)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := ev.(person.Registered); ok {
			return string(r.Sensitive.IDNumber)
		}
	}
	t.Fatal("no registration")
	return ""
}

// Two assessments made from the same read: one wins, one gets a conflict.
func TestConcurrentAssessmentsWithOneEtag(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	h := e.createHousehold(ctx, 0)
	p := e.createPerson(ctx, 1, h.GetName()).GetPerson()
	errs := make(chan error, 2)
	for tier := int32(1); tier <= 2; tier++ {
		go func() {
			_, err := e.client.AssessTier(staff(ctx), &pb.AssessTierRequest{Name: p.GetName(), Tier: tier, Reason: "评估",
				AssessedBy: "sw-017", Etag: p.GetEtag()})
			errs <- err
		}()
	}
	var ok, aborted int
	for range 2 {
		switch err := <-errs; status.Code(err) {
		case codes.OK:
			ok++
		case codes.Aborted:
			aborted++
			if r := reason(err); r != "ETAG_MISMATCH" {
				t.Errorf("reason %q, want ETAG_MISMATCH", r)
			}
		default:
			t.Errorf("unexpected %v", err)
		}
	}
	if ok != 1 || aborted != 1 {
		t.Fatalf("%d succeeded and %d aborted, want 1 and 1", ok, aborted)
	}
	got, err := e.client.GetPerson(staff(ctx), &pb.GetPersonRequest{Name: p.GetName()})
	if err != nil || got.GetEtag() != "2" {
		t.Fatalf("person after the race: etag %s, %v; want 2", got.GetEtag(), err)
	}
}

// GetPersonAsOf answers "what tier was this person in last March, and why?".
func TestTierAsOfAPastDate(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	h := e.createHousehold(ctx, 0)
	p := e.createPerson(ctx, 1, h.GetName()).GetPerson()
	for _, a := range []struct {
		tier         int32
		reason, date string
	}{{3, "定期关注", "2024-01-15"}, {1, "跌倒骨折", "2024-03-05"}, {2, "康复中", "2024-09-01"}} {
		if _, err := e.client.AssessTier(staff(ctx), &pb.AssessTierRequest{Name: p.GetName(), Tier: a.tier, Reason: a.reason,
			AssessedBy: "sw-017", EffectiveDate: a.date}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		date   string
		tier   int32
		reason string
	}{{"2024-01-12", 0, ""}, {"2024-02-29", 3, "定期关注"}, {"2024-03-31", 1, "跌倒骨折"}, {"2025-01-01", 2, "康复中"}} {
		got, err := e.client.GetPersonAsOf(staff(ctx), &pb.GetPersonAsOfRequest{Name: p.GetName(), Date: tc.date})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetTierAssessment().GetTier() != tc.tier || got.GetTierAssessment().GetReason() != tc.reason {
			t.Errorf("as of %s: %v, want tier %d because %q", tc.date, got.GetTierAssessment(), tc.tier, tc.reason)
		}
		if got.GetStatus() != pb.PersonStatus_PERSON_STATUS_ACTIVE {
			t.Errorf("as of %s: status %v", tc.date, got.GetStatus())
		}
	}
}

// ListPersons reads its own writes with a consistency token, filters, and
// pages through every person exactly once.
func TestListPersons(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	hs := []*pb.Household{e.createHousehold(ctx, 0), e.createHousehold(ctx, 1)} // V01, V02
	const n = 30
	names := make([]string, n)
	var token string
	for i := 0; i < n; i++ {
		res := e.createPerson(ctx, i, hs[i%2].GetName())
		names[i], token = res.GetPerson().GetName(), res.GetConsistencyToken()
	}
	// The last registration is visible at once with its token.
	list, err := e.client.ListPersons(clerk(ctx), &pb.ListPersonsRequest{Parent: "tenants/" + tenant, PageSize: 1000, ConsistencyToken: token})
	if err != nil {
		t.Fatal(err)
	}
	if !containsPerson(list.GetPersons(), names[n-1]) {
		t.Fatalf("the list with the last write's token lacks it (%d persons)", len(list.GetPersons()))
	}
	// Change a few, then wait for the last change.
	for i := 0; i < 6; i++ {
		res, err := e.client.AssessTier(staff(ctx), &pb.AssessTierRequest{Name: names[i], Tier: 1, Reason: "高风险", AssessedBy: "sw-1"})
		if err != nil {
			t.Fatal(err)
		}
		token = res.GetConsistencyToken()
	}
	for i := 0; i < 4; i++ {
		res, err := e.client.AssignSocialWorker(staff(ctx), &pb.AssignSocialWorkerRequest{Name: names[i], SocialWorker: "sw-020"})
		if err != nil {
			t.Fatal(err)
		}
		token = res.GetConsistencyToken()
	}
	res, err := e.client.ExitPerson(staff(ctx), &pb.ExitPersonRequest{Name: names[1], Reason: pb.ExitReason_EXIT_REASON_DECEASED})
	if err != nil {
		t.Fatal(err)
	}
	token = res.GetConsistencyToken()
	count := func(r *pb.ListPersonsRequest) int {
		t.Helper()
		r.Parent, r.PageSize, r.ConsistencyToken = "tenants/"+tenant, 1000, token
		l, err := e.client.ListPersons(clerk(ctx), r)
		if err != nil {
			t.Fatal(err)
		}
		return len(l.GetPersons())
	}
	for name, tc := range map[string]struct {
		req  *pb.ListPersonsRequest
		want int
	}{
		"village":       {&pb.ListPersonsRequest{Village: "V02"}, n / 2},
		"category":      {&pb.ListPersonsRequest{Category: "DIBAO"}, n / len(categoryCodes)},
		"tier":          {&pb.ListPersonsRequest{Tier: 1}, 6},
		"status":        {&pb.ListPersonsRequest{Status: pb.PersonStatus_PERSON_STATUS_EXITED}, 1},
		"social worker": {&pb.ListPersonsRequest{SocialWorker: "sw-020"}, 4},
		"combined":      {&pb.ListPersonsRequest{Village: "V01", Tier: 1, Status: pb.PersonStatus_PERSON_STATUS_ACTIVE}, 3},
		"no match":      {&pb.ListPersonsRequest{Village: "V26"}, 0},
	} {
		if got := count(tc.req); got != tc.want {
			t.Errorf("%s: %d persons, want %d", name, got, tc.want)
		}
	}
	// Pages of 7 return every person once.
	seen := map[string]int{}
	pageToken := ""
	for pages := 0; ; pages++ {
		l, err := e.client.ListPersons(clerk(ctx), &pb.ListPersonsRequest{Parent: "tenants/" + tenant, PageSize: 7, PageToken: pageToken})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range l.GetPersons() {
			seen[p.GetName()]++
			if p.GetIdNumber() != "" || p.GetPhone() != "" {
				t.Errorf("the list carries sensitive data: %v", p)
			}
		}
		if pageToken = l.GetNextPageToken(); pageToken == "" {
			break
		}
		if pages > n {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != n {
		t.Errorf("pages returned %d persons, want %d", len(seen), n)
	}
	for name, times := range seen {
		if times != 1 {
			t.Errorf("%s returned %d times", name, times)
		}
	}
	// A token naming a write that never happened times out clearly.
	never := "beneficiaries/person-" + uuid.NewString() + "/1"
	_, err = e.client.ListPersons(clerk(ctx), &pb.ListPersonsRequest{Parent: "tenants/" + tenant, ConsistencyToken: never})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("unreachable token: %v, want DeadlineExceeded", err)
	}
}

func containsPerson(ps []*pb.Person, name string) bool {
	for _, p := range ps {
		if p.GetName() == name {
			return true
		}
	}
	return false
}

var _ = strconv.Itoa
var _ = fmt.Sprint
