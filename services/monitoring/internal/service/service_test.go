package service_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

var ctx = context.Background()

// caseload lists every page of a caseload query and returns the items in order.
func (e *env) caseload(t *testing.T, req *monitoringv1.ListCaseloadRequest) []*monitoringv1.CaseloadItem {
	t.Helper()
	req.Tenant, req.ConsistencyToken = tenant, e.last
	var all []*monitoringv1.CaseloadItem
	for page := 0; ; page++ {
		resp, err := e.client.ListCaseload(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, resp.GetItems()...)
		if resp.GetNextPageToken() == "" {
			return all
		}
		if page > 1000 {
			t.Fatal("pagination does not end")
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

func ids(items []*monitoringv1.CaseloadItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.GetPersonId()
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// A station's caseload lists every person exactly once across pages, and
// each filter selects exactly the persons it names.
func TestCaseloadFiltersAndPagination(t *testing.T) {
	e := newEnv(t, nil)
	villages := []string{"V01", "V02", "V03"}
	categories := []string{"DIBAO", "TEKUN", "ELDERLY_ALONE"}
	type want struct {
		village, category, worker, household string
		tier                                 int
		active                               bool
	}
	expect := map[string]want{}
	households := map[string]string{}
	for _, v := range villages {
		households[v] = e.household(t, v, "2024-01-05")
	}
	for i := range 37 {
		v := villages[i%3]
		p := person{household: households[v], village: v, categories: []string{categories[i%3]},
			on: "2024-02-01", tier: 1 + i%4, worker: fmt.Sprintf("sw%02d", i%5)}
		id := e.register(t, p)
		expect[id] = want{v, categories[i%3], p.worker, p.household, p.tier, true}
		if i%9 == 0 {
			e.exit(t, id, "moved_away", "2025-01-10")
			w := expect[id]
			w.active = false
			expect[id] = w
		}
	}

	all := e.caseload(t, &monitoringv1.ListCaseloadRequest{PageSize: 7})
	got := ids(all)
	if len(got) != len(expect) {
		t.Fatalf("listed %d persons over all pages, want %d", len(got), len(expect))
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatal("pages overlap or are out of order: every person must be listed exactly once")
	}
	for _, it := range all {
		w := expect[it.GetPersonId()]
		if it.GetVillage() != w.village || it.GetTier() != int32(w.tier) || it.GetSocialWorker() != w.worker ||
			!slices.Equal(it.GetCategories(), []string{w.category}) || it.GetHouseholdId() != w.household {
			t.Fatalf("item %v, want %+v", it, w)
		}
	}

	check := func(name string, req *monitoringv1.ListCaseloadRequest, keep func(w want) bool) {
		t.Helper()
		var want []string
		for id, w := range expect {
			if keep(w) {
				want = append(want, id)
			}
		}
		got := ids(e.caseload(t, req))
		if !slices.Equal(got, sorted(want)) {
			t.Errorf("%s: listed %d persons %v, want %d %v", name, len(got), got, len(want), sorted(want))
		}
	}
	check("village and tier", &monitoringv1.ListCaseloadRequest{Village: "V02", Tier: 2, PageSize: 2},
		func(w want) bool { return w.village == "V02" && w.tier == 2 })
	check("category", &monitoringv1.ListCaseloadRequest{Category: "TEKUN", PageSize: 3},
		func(w want) bool { return w.category == "TEKUN" })
	check("social worker", &monitoringv1.ListCaseloadRequest{SocialWorker: "sw03"},
		func(w want) bool { return w.worker == "sw03" })
	check("household", &monitoringv1.ListCaseloadRequest{HouseholdId: households["V03"]},
		func(w want) bool { return w.household == households["V03"] })
	check("active", &monitoringv1.ListCaseloadRequest{Status: monitoringv1.CaseStatus_CASE_STATUS_ACTIVE, PageSize: 5},
		func(w want) bool { return w.active })
	check("exited", &monitoringv1.ListCaseloadRequest{Status: monitoringv1.CaseStatus_CASE_STATUS_EXITED},
		func(w want) bool { return !w.active })
}

// A query with a write's consistency token sees that write at once; one
// that cannot catch up in time says so instead of answering stale.
func TestConsistencyTokenMakesAWriteVisibleAtOnce(t *testing.T) {
	// Long enough for a loaded machine's first write to reach a projection
	// that is still starting.
	e := newEnv(t, map[string]string{"MONITORING_WAIT_TIMEOUT": "2s"})
	h := e.household(t, "V05", "2025-03-01")
	for range 20 {
		id := e.register(t, person{household: h, village: "V05", categories: []string{"DIBAO"}, on: "2025-03-02", tier: 2})
		resp, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{
			Tenant: tenant, HouseholdId: h, ConsistencyToken: e.last, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ids(resp.GetItems()), id) {
			t.Fatalf("person %s appended with token %s is not in the list", id, e.last)
		}
	}

	// A version the stream has not reached: the wait is bounded.
	start := time.Now()
	_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant,
		ConsistencyToken: "beneficiaries/person-00000000-0000-0000-0000-000000000001/9"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("ahead-of-view token: %v, want Unavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the wait took %s; MONITORING_WAIT_TIMEOUT is 2s", d)
	}
}

// Tier counts are cells of tier × village × category × social worker over
// active persons, with a person in two categories counted in both.
func TestTierCounts(t *testing.T) {
	e := newEnv(t, nil)
	h1, h2 := e.household(t, "V01", "2024-01-01"), e.household(t, "V02", "2024-01-01")
	e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO", "TEKUN"}, on: "2024-02-01", tier: 1, worker: "sw01"})
	e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO"}, on: "2024-02-01", tier: 1, worker: "sw01"})
	e.register(t, person{household: h2, village: "V02", categories: []string{"DIBAO"}, on: "2024-02-01", tier: 3, worker: "sw02"})
	gone := e.register(t, person{household: h2, village: "V02", categories: []string{"DIBAO"}, on: "2024-02-01", tier: 3, worker: "sw02"})
	e.exit(t, gone, "deceased", "2025-02-01")

	resp, err := e.client.GetTierCounts(ctx, &monitoringv1.GetTierCountsRequest{Tenant: tenant, ConsistencyToken: e.last})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range resp.GetRows() {
		got = append(got, fmt.Sprintf("%d/%s/%s/%s=%d", r.GetTier(), r.GetVillage(), r.GetCategory(), r.GetSocialWorker(), r.GetPersons()))
	}
	want := []string{"1/V01/DIBAO/sw01=2", "1/V01/TEKUN/sw01=1", "3/V02/DIBAO/sw02=1"}
	if !slices.Equal(got, want) || resp.GetTotalPersons() != 3 {
		t.Fatalf("tier counts %v total %d, want %v total 3", got, resp.GetTotalPersons(), want)
	}

	resp, err = e.client.GetTierCounts(ctx, &monitoringv1.GetTierCountsRequest{Tenant: tenant, Category: "TEKUN"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetRows()) != 1 || resp.GetRows()[0].GetPersons() != 1 || resp.GetTotalPersons() != 1 {
		t.Fatalf("TEKUN counts %v total %d", resp.GetRows(), resp.GetTotalPersons())
	}
}

// The missing monthly updates of a month are the persons active at the
// month's end and registered by then who have no update for it, grouped by
// village and social worker.
func TestMissingMonthlyUpdates(t *testing.T) {
	e := newEnv(t, nil)
	h1, h2 := e.household(t, "V01", "2024-01-01"), e.household(t, "V02", "2024-01-01")
	reg := func(h, v, on, worker string) string {
		return e.register(t, person{household: h, village: v, categories: []string{"DIBAO"}, on: on, tier: 3, worker: worker})
	}
	updated := reg(h1, "V01", "2024-06-01", "sw01")
	e.monthlyUpdate(t, updated, "2025-03", at("2025-03-15"))
	missA := reg(h1, "V01", "2024-06-01", "sw01")
	e.monthlyUpdate(t, missA, "2025-02", at("2025-02-15")) // another month does not count
	missB := reg(h1, "V01", "2024-06-01", "sw01")
	missC := reg(h2, "V02", "2025-03-31", "sw02") // registered on the month's last day
	reg(h2, "V02", "2025-04-01", "sw02")          // registered after the month
	exitedBefore := reg(h2, "V02", "2024-06-01", "sw02")
	e.exit(t, exitedBefore, "moved_away", "2025-02-28")
	exitedAfter := reg(h2, "V02", "2024-06-01", "sw02")
	e.exit(t, exitedAfter, "deceased", "2025-04-10") // was active at the end of March

	want := map[string][]string{
		"V01/sw01": sorted([]string{missA, missB}),
		"V02/sw02": sorted([]string{missC, exitedAfter}),
	}
	got := map[string][]string{}
	counts := map[string]int64{}
	req := &monitoringv1.ListMissingMonthlyUpdatesRequest{Tenant: tenant, Month: "2025-03", PageSize: 1, ConsistencyToken: e.last}
	for pages := 0; ; pages++ {
		resp, err := e.client.ListMissingMonthlyUpdates(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTotalMissing() != 4 {
			t.Fatalf("total_missing %d, want 4", resp.GetTotalMissing())
		}
		for _, g := range resp.GetGroups() {
			k := g.GetVillage() + "/" + g.GetSocialWorker()
			got[k] = append(got[k], g.GetPersonIds()...)
			counts[k] = g.GetMissing()
		}
		if resp.GetNextPageToken() == "" {
			if pages != 3 {
				t.Fatalf("%d pages of 1 for 4 persons", pages+1)
			}
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) || counts[k] != int64(len(w)) {
			t.Errorf("group %s: persons %v count %d, want %v", k, got[k], counts[k], w)
		}
	}

	resp, err := e.client.ListMissingMonthlyUpdates(ctx, &monitoringv1.ListMissingMonthlyUpdatesRequest{
		Tenant: tenant, Month: "2025-03", Village: "V02"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetTotalMissing() != 2 || len(resp.GetGroups()) != 1 {
		t.Fatalf("V02 only: %v", resp)
	}
}

// Due and overdue are computed at query time from the tier policy and the
// last contact: a tier-1 person (weekly) last contacted 8 days before the
// date is overdue, one contacted 3 days before is not.
func TestDueAndOverdueComputedAtQueryTime(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	reg := func(tier int) string {
		return e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO"}, on: "2024-06-01", tier: tier, worker: "sw01"})
	}
	eightDays, threeDays := reg(1), reg(1)
	e.monthlyUpdate(t, eightDays, "2025-06", at("2025-06-12"))
	e.monthlyUpdate(t, threeDays, "2025-06", at("2025-06-17"))
	quarterly := reg(4) // last contact 2025-04-01: due 2025-07-01
	e.monthlyUpdate(t, quarterly, "2025-04", at("2025-04-01"))
	neverContacted := reg(3) // registered 2024-06-01, monthly: long overdue
	unassessed := reg(0)

	items := map[string]*monitoringv1.CaseloadItem{}
	for _, it := range e.caseload(t, &monitoringv1.ListCaseloadRequest{AsOfDate: "2025-06-20"}) {
		items[it.GetPersonId()] = it
	}
	for _, c := range []struct {
		id      string
		due     string
		overdue bool
	}{
		{eightDays, "2025-06-19", true},
		{threeDays, "2025-06-24", false},
		{quarterly, "2025-07-01", false},
		{neverContacted, "2024-07-01", true},
		{unassessed, "", false},
	} {
		it := items[c.id]
		if it.GetNextContactDueDate() != c.due || it.GetOverdue() != c.overdue {
			t.Errorf("person due %q overdue %v, want %q %v", it.GetNextContactDueDate(), it.GetOverdue(), c.due, c.overdue)
		}
	}
	if got := items[eightDays].GetLastContactTime().AsTime(); !got.Equal(at("2025-06-12")) {
		t.Errorf("last contact %s", got)
	}
	// The same data read for an earlier date: nothing stored goes stale.
	for _, it := range e.caseload(t, &monitoringv1.ListCaseloadRequest{AsOfDate: "2025-06-15"}) {
		if it.GetPersonId() == eightDays && it.GetOverdue() {
			t.Error("overdue on 2025-06-15, though due 2025-06-19")
		}
	}

	due := func(req *monitoringv1.ListDueFollowUpsRequest) []string {
		t.Helper()
		req.Tenant = tenant
		resp, err := e.client.ListDueFollowUps(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range resp.GetItems() {
			out = append(out, d.GetPersonId())
		}
		return out
	}
	// Default as_of is today (the injected clock: 2025-06-20); most overdue first.
	if got := due(&monitoringv1.ListDueFollowUpsRequest{}); !slices.Equal(got, []string{neverContacted, eightDays}) {
		t.Errorf("due today: %v, want [never-contacted, eight-days]", got)
	}
	if got := due(&monitoringv1.ListDueFollowUpsRequest{AsOfDate: "2025-06-20", WithinDays: 7}); !slices.Equal(got, []string{neverContacted, eightDays, threeDays}) {
		t.Errorf("due within 7 days: %v", got)
	}
	if got := due(&monitoringv1.ListDueFollowUpsRequest{AsOfDate: "2025-06-19", OverdueOnly: true}); !slices.Equal(got, []string{neverContacted}) {
		t.Errorf("overdue on 2025-06-19: %v", got)
	}
	if got := due(&monitoringv1.ListDueFollowUpsRequest{AsOfDate: "2025-07-01", Tier: 4}); !slices.Equal(got, []string{quarterly}) {
		t.Errorf("tier 4 due on 2025-07-01: %v", got)
	}
	// Pagination of the due list: every item once, in order.
	var paged []string
	req := &monitoringv1.ListDueFollowUpsRequest{Tenant: tenant, AsOfDate: "2025-08-01", PageSize: 1}
	for {
		resp, err := e.client.ListDueFollowUps(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.GetItems() {
			paged = append(paged, d.GetPersonId())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if want := []string{neverContacted, eightDays, threeDays, quarterly}; !slices.Equal(paged, want) {
		t.Errorf("paged due list %v, want %v", paged, want)
	}
}

// A person's tier on a past date, and a village's tier distribution then.
func TestAsOfViews(t *testing.T) {
	e := newEnv(t, nil)
	h1, h2 := e.household(t, "V01", "2024-01-01"), e.household(t, "V02", "2024-01-01")
	p := e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO"}, on: "2025-01-05", tier: 3, tierOn: "2025-01-10"})
	e.assessTier(t, p, 1, "2025-03-05")
	q := e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO"}, on: "2025-01-05", tier: 2})
	e.personEvent(t, q, "beneficiaries.person.moved_household", "2025-04-01", map[string]any{
		"from_household_id": h1, "to_household_id": h2, "village": "V02", "relationship": "self", "effective_on": "2025-04-01"})
	r := e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO"}, on: "2025-01-05", tier: 4})
	e.exit(t, r, "no_longer_eligible", "2025-03-01")

	for _, c := range []struct {
		date, effective string
		tier            int32
	}{{"2025-01-01", "", 0}, {"2025-02-01", "2025-01-10", 3}, {"2025-03-31", "2025-03-05", 1}} {
		resp, err := e.client.GetPersonTierAsOf(ctx, &monitoringv1.GetPersonTierAsOfRequest{
			Tenant: tenant, PersonId: p, Date: c.date, ConsistencyToken: e.last})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTier() != c.tier || resp.GetEffectiveDate() != c.effective {
			t.Errorf("tier on %s: %d since %q, want %d since %q", c.date, resp.GetTier(), resp.GetEffectiveDate(), c.tier, c.effective)
		}
	}
	_, err := e.client.GetPersonTierAsOf(ctx, &monitoringv1.GetPersonTierAsOfRequest{Tenant: tenant, PersonId: "0190c7e2-0000-7000-8000-000000000000"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("unknown person: %v, want NotFound", err)
	}

	dist := func(village, date string) string {
		t.Helper()
		resp, err := e.client.GetVillageTierDistributionAsOf(ctx, &monitoringv1.GetVillageTierDistributionAsOfRequest{
			Tenant: tenant, Village: village, Date: date})
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("total=%d", resp.GetTotalPersons())
		for _, tt := range resp.GetTiers() {
			s += fmt.Sprintf(" t%d=%d", tt.GetTier(), tt.GetPersons())
		}
		return s
	}
	for _, c := range []struct{ village, date, want string }{
		{"V01", "2025-01-07", "total=3 t0=1 t2=1 t4=1"}, // p registered, not assessed until the 10th
		{"V01", "2025-02-15", "total=3 t2=1 t3=1 t4=1"},
		{"V01", "2025-03-15", "total=2 t1=1 t2=1"}, // r exited on 03-01
		{"V01", "2025-04-15", "total=1 t1=1"},      // q moved to V02 on 04-01
		{"V02", "2025-04-15", "total=1 t2=1"},
		{"V02", "2024-12-31", "total=0"},
	} {
		if got := dist(c.village, c.date); got != c.want {
			t.Errorf("%s on %s: %s, want %s", c.village, c.date, got, c.want)
		}
	}
}

// A station's figures for a period: who is on the register at its end, by
// category, tier and village, and who joined and left during it.
func TestStationFigures(t *testing.T) {
	e := newEnv(t, nil)
	h1 := e.household(t, "V01", "2024-05-01")
	h2 := e.household(t, "V02", "2025-04-10")
	a := e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO"}, on: "2024-05-01", tier: 2})
	e.personEvent(t, a, "beneficiaries.person.category_added", "2025-05-01", map[string]any{"category": "SERIOUS_ILLNESS", "effective_on": "2025-05-01"})
	b := e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO", "ELDERLY_ALONE"}, on: "2024-05-01", tier: 1})
	e.personEvent(t, b, "beneficiaries.person.category_removed", "2025-06-01", map[string]any{"category": "DIBAO", "effective_on": "2025-06-01"})
	e.register(t, person{household: h2, village: "V02", categories: []string{"TEKUN"}, on: "2025-04-10", tier: 1})
	d := e.register(t, person{household: h2, village: "V02", categories: []string{"TEKUN"}, on: "2025-04-10"})
	e.exit(t, d, "deceased", "2025-05-20")
	old := e.register(t, person{household: h1, village: "V01", categories: []string{"DIBAO"}, on: "2024-05-01", tier: 4})
	e.exit(t, old, "moved_away", "2025-03-31") // before the period

	resp, err := e.client.GetStationFigures(ctx, &monitoringv1.GetStationFiguresRequest{
		Tenant: tenant, StartDate: "2025-04-01", EndDate: "2025-06-30", ConsistencyToken: e.last})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(rs []*monitoringv1.FigureRow) string {
		var s []string
		for _, r := range rs {
			s = append(s, fmt.Sprintf("%s:%d/%d", r.GetKey(), r.GetPersons(), r.GetHouseholds()))
		}
		return fmt.Sprint(s)
	}
	exits := fmt.Sprint(resp.GetExits())
	if resp.GetPersons() != 3 || resp.GetHouseholds() != 2 ||
		rows(resp.GetByCategory()) != "[DIBAO:1/1 ELDERLY_ALONE:1/1 SERIOUS_ILLNESS:1/1 TEKUN:1/1]" ||
		rows(resp.GetByTier()) != "[1:2/2 2:1/1]" ||
		rows(resp.GetByVillage()) != "[V01:2/1 V02:1/1]" ||
		resp.GetNewPersons() != 2 || resp.GetNewHouseholds() != 1 ||
		resp.GetExitsTotal() != 1 || len(resp.GetExits()) != 1 || resp.GetExits()[0].GetReason() != "deceased" {
		t.Fatalf("figures: persons %d households %d by category %s by tier %s by village %s new %d/%d exits %d %s",
			resp.GetPersons(), resp.GetHouseholds(), rows(resp.GetByCategory()), rows(resp.GetByTier()),
			rows(resp.GetByVillage()), resp.GetNewPersons(), resp.GetNewHouseholds(), resp.GetExitsTotal(), exits)
	}
}

// dump is every row of the caseload projection's tables in the live
// generation, as text.
func dump(t *testing.T, e *env) map[string][]string {
	t.Helper()
	return dumpTables(t, e, e.svc.Runner, "persons", "households", "monthly_updates", "tier_history", "status_history",
		"village_history", "category_history")
}

// dumpTables is every row of tables in runner's live generation, as text.
func dumpTables(t *testing.T, e *env, runner *projection.Runner, tables ...string) map[string][]string {
	t.Helper()
	schema, err := runner.ActiveSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := e.svc.Host.Pool.Query(ctx, `SELECT t::text FROM `+pgx.Identifier{schema, table}.Sanitize()+` t ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		out[table], err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A rebuild replays the stream into fresh tables that equal the live ones.
func TestRebuildGivesIdenticalTables(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	for i := range 12 {
		id := e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO", "TEKUN"}[:1+i%2], on: "2024-02-01", tier: 1 + i%4, worker: "sw01"})
		e.monthlyUpdate(t, id, "2025-05", at("2025-05-10"))
		if i%3 == 0 {
			e.assessTier(t, id, 2, "2025-05-20")
		}
		if i%5 == 0 {
			e.exit(t, id, "other", "2025-06-01")
			e.personEvent(t, id, "beneficiaries.person.reinstated", "2025-06-10", map[string]any{"reason": "复核", "effective_on": "2025-06-10"})
		}
	}
	if _, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant, ConsistencyToken: e.last}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, e)
	oldSchema, _ := e.svc.Runner.ActiveSchema(ctx)
	if len(before["persons"]) != 12 {
		t.Fatalf("%d persons before the rebuild", len(before["persons"]))
	}
	if err := e.svc.Runner.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	newSchema, _ := e.svc.Runner.ActiveSchema(ctx)
	if newSchema == oldSchema {
		t.Fatal("the rebuild did not switch generations")
	}
	after := dump(t, e)
	for table, rows := range before {
		if !slices.Equal(rows, after[table]) {
			t.Errorf("table %s differs after the rebuild:\nbefore %v\nafter  %v", table, rows, after[table])
		}
	}
	all := e.caseload(t, &monitoringv1.ListCaseloadRequest{})
	if len(all) != 12 {
		t.Fatalf("%d persons listed after the rebuild", len(all))
	}
}

// fieldOf is the field a status's google.rpc.BadRequest names first.
func fieldOf(err error) string {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

// Invalid requests fail with INVALID_ARGUMENT naming the field.
func TestInvalidArgumentsNameTheField(t *testing.T) {
	e := newEnv(t, nil)
	h := e.household(t, "V01", "2024-01-01")
	for range 3 {
		e.register(t, person{household: h, village: "V01", categories: []string{"DIBAO"}, on: "2024-02-01", tier: 1})
	}
	first, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant, PageSize: 1, ConsistencyToken: e.last})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v %v", first, err)
	}
	for _, c := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"malformed consistency token", func() error {
			_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant, ConsistencyToken: "not-a-token"})
			return err
		}, "consistency_token"},
		{"another service's token", func() error {
			_, err := e.client.GetTierCounts(ctx, &monitoringv1.GetTierCountsRequest{Tenant: tenant, ConsistencyToken: "respite/booking-1/3"})
			return err
		}, "consistency_token"},
		{"bad page token", func() error {
			_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant, PageToken: "garbage!"})
			return err
		}, "page_token"},
		{"page token of other filters", func() error {
			_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant, Village: "V02", PageToken: first.GetNextPageToken()})
			return err
		}, "page_token"},
		{"bad month", func() error {
			_, err := e.client.ListMissingMonthlyUpdates(ctx, &monitoringv1.ListMissingMonthlyUpdatesRequest{Tenant: tenant, Month: "2025-13"})
			return err
		}, "month"},
		{"missing tenant", func() error {
			_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{})
			return err
		}, "tenant"},
		{"tier out of range", func() error {
			_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant, Tier: 5})
			return err
		}, "tier"},
		{"bad date", func() error {
			_, err := e.client.GetVillageTierDistributionAsOf(ctx, &monitoringv1.GetVillageTierDistributionAsOfRequest{Tenant: tenant, Village: "V01", Date: "2025-02-30"})
			return err
		}, "date"},
		{"period ends before it starts", func() error {
			_, err := e.client.GetStationFigures(ctx, &monitoringv1.GetStationFiguresRequest{Tenant: tenant, StartDate: "2025-06-01", EndDate: "2025-05-01"})
			return err
		}, "end_date"},
		{"bad person id", func() error {
			_, err := e.client.GetPersonTierAsOf(ctx, &monitoringv1.GetPersonTierAsOfRequest{Tenant: tenant, PersonId: "p1"})
			return err
		}, "person_id"},
	} {
		err := c.call()
		if status.Code(err) != codes.InvalidArgument || fieldOf(err) != c.field {
			t.Errorf("%s: %v (field %q), want InvalidArgument naming %s", c.name, err, fieldOf(err), c.field)
		}
	}
}
