package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/doudi-platform/doudi/services/platform/eventually"
)

// burstPerson is what the burst's writes made of one person: what the
// monitoring views must end up showing.
type burstPerson struct {
	name, household, village string
	tier                     int
	worker                   string
	months                   int // monthly updates recorded: 2025-01 onwards
}

// burstClient is one of the concurrent clients; it writes only to its own
// household's persons, so its writes never conflict with another's.
type burstClient struct {
	household, village string
	firstID            int // its persons' ID numbers count up from here
	persons            []*burstPerson
	last               string // the consistency token of its last write
}

func month(n int) string {
	return time.Date(2025, time.January+time.Month(n), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// write makes the client's j-th write: a registration, a tier assessment, a
// monthly file update or a social worker assignment, in turn.
func (c *burstClient) write(j int) error {
	var p *burstPerson
	if len(c.persons) > 0 {
		p = c.persons[(j/4)%len(c.persons)]
	}
	var r response
	var err error
	switch {
	case p == nil || j%4 == 0:
		r, err = do("POST", base+"/persons", pf.apiKey, personBody(c.firstID+j, c.household))
		if err == nil && r.StatusCode == http.StatusCreated {
			var created struct{ Person struct{ Name string } }
			_ = json.Unmarshal(r.body, &created)
			c.persons = append(c.persons, &burstPerson{name: created.Person.Name, household: c.household, village: c.village})
		}
	case j%4 == 1:
		tier := p.tier%4 + 1
		r, err = do("POST", "/v1/"+p.name+":assessTier", pf.apiKey, map[string]any{"tier": tier, "reason": "评估", "assessedBy": "sw-01"})
		if err == nil && r.StatusCode == http.StatusOK {
			p.tier = tier
		}
	case j%4 == 2:
		r, err = do("POST", "/v1/"+p.name+":recordMonthlyFileUpdate", pf.apiKey, map[string]any{"month": month(p.months), "livingSituation": "独居，生活能自理"})
		if err == nil && r.StatusCode == http.StatusOK {
			p.months++
		}
	default:
		worker := fmt.Sprintf("sw-%02d", j%20+1)
		if worker == p.worker {
			worker = "sw-21"
		}
		r, err = do("POST", "/v1/"+p.name+":assignSocialWorker", pf.apiKey, map[string]any{"socialWorker": worker})
		if err == nil && r.StatusCode == http.StatusOK {
			p.worker = worker
		}
	}
	if err != nil {
		return err
	}
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusCreated {
		return fmt.Errorf("%s %s: %d %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, r.body)
	}
	c.last = r.token()
	return nil
}

// The monitoring process is killed (SIGKILL) in the middle of a burst of
// 1,000 writes from 8 clients and started again: once it has caught up, its
// views show exactly what was written, and a rebuild from the stream
// changes nothing in them.
func TestMonitoringKilledMidBurstEndsEqualToRebuild(t *testing.T) {
	begin(t)
	const clients, writes, killAt = 8, 1000, 300
	mon := pf.procs["monitoring"]
	started := mon.logLines("projection runner active")

	cs := make([]*burstClient, clients)
	for i := range cs {
		village := fmt.Sprintf("V%02d", 10+i)
		cs[i] = &burstClient{household: newHousehold(t, village), village: village, firstID: next + 1 + i*writes/clients}
	}
	next += writes

	var sent atomic.Int64
	killNow, restarted := make(chan struct{}), make(chan error, 1)
	var killedAt int64
	go func() {
		<-killNow
		mon.kill()
		killedAt = sent.Load()
		if err := mon.start(); err != nil {
			restarted <- err
			return
		}
		restarted <- mon.waitReady(60 * time.Second)
	}()
	burstStart := time.Now()
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			for j := range writes / clients {
				if sent.Add(1) == killAt {
					close(killNow)
				}
				if err := c.write(j); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a write of the burst failed: %v", err)
	}
	burst := time.Since(burstStart)
	if err := <-restarted; err != nil {
		t.Fatalf("monitoring did not come back after SIGKILL: %v", err)
	}
	t.Logf("%d writes in %s (%.0f/s); monitoring killed after %d had been sent", writes, burst.Round(time.Millisecond),
		float64(writes)/burst.Seconds(), killedAt)
	if killedAt >= writes {
		t.Fatalf("the kill came after the burst (%d sent)", killedAt)
	}
	if err := mon.waitLog("projection runner active", started+1, 60*time.Second); err != nil {
		t.Fatal(err)
	}

	// One more write after all the others have been answered: its event is
	// committed, published and applied after theirs, so once monitoring has
	// applied it, it has applied the whole burst.
	last := cs[0].persons[0]
	r := call(t, "POST", "/v1/"+last.name+":assessTier", map[string]any{"tier": last.tier%4 + 1, "reason": "复评", "assessedBy": "sw-01"})
	expect(t, r, http.StatusOK)
	last.tier = last.tier%4 + 1
	catchUp := time.Now()
	eventually.Require(t, 75*time.Second, func() error {
		r, err := do("GET", base+"/monitoring/tierCounts", pf.apiKey, nil, "Doudi-Consistency-Token", r.token())
		if err != nil {
			return err
		}
		if r.StatusCode != http.StatusOK {
			return fmt.Errorf("monitoring has not caught up: %d %s", r.StatusCode, r.body)
		}
		return nil
	})
	t.Logf("monitoring caught up %s after the last write", time.Since(catchUp).Round(time.Millisecond))

	// The views show what the clients wrote. Right after the last write's
	// token has been applied they may not yet: events that the killed
	// process had fetched but not acked come back only after the consumer's
	// AckWait (30s), while later events, of other persons, are applied at
	// once (reported as a bug: the token of a later write does not cover
	// them). So log what is missing then, and wait for the views to end up
	// complete.
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	want := map[string]*burstPerson{}
	for _, c := range cs {
		for _, p := range c.persons {
			want[lastSegment(p.name)] = p
		}
	}
	if missing := caseloadMismatches(t, want, today); len(missing) > 0 {
		// A token promises its own aggregate, not every other one: events the
		// killed process had fetched come back only after the consumer's
		// AckWait. Report the gap, then require the views to converge.
		t.Logf("with the last write's token applied, the caseload still differs from what was written for %d of %d persons (redelivery after AckWait pending), e.g. %s",
			len(missing), len(want), missing[0])
		eventually.Require(t, 60*time.Second, func() error {
			if missing := caseloadMismatches(t, want, today); len(missing) > 0 {
				return fmt.Errorf("the caseload differs from what was written for %d persons: %s", len(missing), strings.Join(missing, "; "))
			}
			return nil
		})
		t.Logf("the caseload was complete %s after the last write had been applied", time.Since(catchUp).Round(time.Millisecond))
	}

	mdb := pf.db(t, "monitoring")
	var parked int
	if err := mdb.QueryRow(context.Background(), `SELECT count(*) FROM parked_events`).Scan(&parked); err != nil {
		t.Fatal(err)
	}
	if parked != 0 {
		t.Errorf("%d events parked", parked)
	}

	// Now the live generation (filled by the killed and restarted process)
	// against a fresh rebuild from the stream (`monitoring rebuild`, run
	// alongside the service, which switches to the new generation).
	viewsBefore, tablesBefore, genBefore := monitoringViews(t, today), projectionTables(t, mdb), generation(t, mdb)
	rebuild := &proc{name: "monitoring-rebuild", bin: mon.bin, logPath: filepath.Join(pf.logDir, "monitoring-rebuild.log"),
		env: append(slices.Clone(mon.env), "GRPC_ADDR=127.0.0.1:0", "HTTP_ADDR=127.0.0.1:0")}
	rebuildStart := time.Now()
	if err := rebuild.start("rebuild"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rebuild.done:
	case <-time.After(60 * time.Second):
		rebuild.kill()
		t.Fatalf("monitoring rebuild did not finish within 60s:\n%s", rebuild.tail(40))
	}
	if rebuild.err != nil || !strings.Contains(rebuild.tail(5), "rebuilt projection caseload") {
		t.Fatalf("monitoring rebuild: %v\n%s", rebuild.err, rebuild.tail(40))
	}
	t.Logf("rebuild took %s", time.Since(rebuildStart).Round(time.Millisecond))
	if genAfter := generation(t, mdb); genAfter != genBefore+1 {
		t.Fatalf("generation %d after the rebuild, want %d", genAfter, genBefore+1)
	}
	viewsAfter, tablesAfter := monitoringViews(t, today), projectionTables(t, mdb)
	for _, k := range sortedKeys(viewsBefore) {
		if viewsBefore[k] != viewsAfter[k] {
			t.Errorf("view %s differs after the rebuild:\nlive    %s\nrebuilt %s", k, viewsBefore[k], viewsAfter[k])
		}
	}
	for _, k := range sortedKeys(tablesBefore) {
		if tablesBefore[k] != tablesAfter[k] {
			t.Errorf("table %s differs after the rebuild:\n%s", k, lineDiff(tablesBefore[k], tablesAfter[k]))
		}
	}
	if !slices.Equal(sortedKeys(tablesBefore), sortedKeys(tablesAfter)) {
		t.Errorf("tables %v before, %v after the rebuild", sortedKeys(tablesBefore), sortedKeys(tablesAfter))
	}
}

// caseloadMismatches compares the caseload with what the burst wrote.
func caseloadMismatches(t *testing.T, want map[string]*burstPerson, today string) []string {
	t.Helper()
	var out []string
	seen := 0
	for _, it := range caseload(t, "asOfDate="+today, "") {
		p, ok := want[it["personId"].(string)]
		if !ok {
			continue
		}
		seen++
		lastMonth := ""
		if p.months > 0 {
			lastMonth = month(p.months - 1)
		}
		got := fmt.Sprintf("%v %v tier=%v worker=%v month=%v %v", it["householdId"], it["village"], num(it["tier"]), str(it["socialWorker"]),
			str(it["lastMonthlyUpdateMonth"]), it["status"])
		exp := fmt.Sprintf("%v %v tier=%v worker=%v month=%v %v", lastSegment(p.household), p.village, p.tier, p.worker, lastMonth, "CASE_STATUS_ACTIVE")
		if got != exp {
			out = append(out, fmt.Sprintf("%s: caseload has %s, want %s", p.name, got, exp))
		}
	}
	if seen != len(want) {
		out = append(out, fmt.Sprintf("the caseload has %d of the burst's %d persons", seen, len(want)))
	}
	return out
}

// monitoringViews fetches every monitoring view over REST, as of today.
func monitoringViews(t *testing.T, today string) map[string]string {
	t.Helper()
	views := map[string]string{}
	for _, q := range []string{
		"caseload?pageSize=500&asOfDate=" + today,
		"tierCounts",
		"stationFigures?startDate=2025-01-01&endDate=" + today,
		"missingMonthlyUpdates/2025-01?pageSize=500",
		"missingMonthlyUpdates/2025-02?pageSize=500",
		"dueFollowUps?pageSize=500&withinDays=30&asOfDate=" + today,
		"villages/V10/tierDistribution?date=" + today,
		"villages/V13/tierDistribution?date=" + today,
	} {
		var pages []string
		for page := ""; ; {
			r := call(t, "GET", base+"/monitoring/"+q+page, nil)
			expect(t, r, http.StatusOK)
			pages = append(pages, string(r.body))
			var p struct{ NextPageToken string }
			_ = json.Unmarshal(r.body, &p)
			if p.NextPageToken == "" {
				break
			}
			page = "&pageToken=" + url.QueryEscape(p.NextPageToken)
		}
		views[q] = strings.Join(pages, "\n")
	}
	return views
}

// projectionTables dumps every table of the live generation's schema, rows
// as text, sorted.
func projectionTables(t *testing.T, db *pgx.Conn) map[string]string {
	t.Helper()
	ctx := context.Background()
	var schema string
	if err := db.QueryRow(ctx, `SELECT active_schema FROM projection_state WHERE name = 'caseload'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var dump string
		err := db.QueryRow(ctx, `SELECT coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '') FROM `+
			pgx.Identifier{schema, table}.Sanitize()+` r`).Scan(&dump)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = dump
	}
	if len(out) == 0 {
		t.Fatalf("no tables in the live schema %s", schema)
	}
	return out
}

func generation(t *testing.T, db *pgx.Conn) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), `SELECT generation FROM projection_state WHERE name = 'caseload'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lineDiff lists the lines only in a and only in b (at most 20 of each).
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range la {
		if !slices.Contains(lb, l) && len(out) < 20 {
			out = append(out, "- "+l)
		}
	}
	n := len(out)
	for _, l := range lb {
		if !slices.Contains(la, l) && len(out) < n+20 {
			out = append(out, "+ "+l)
		}
	}
	return fmt.Sprintf("%d rows live, %d rebuilt\n%s", len(la), len(lb), strings.Join(out, "\n"))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// num and str read optional JSON fields (omitted when zero).
func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
