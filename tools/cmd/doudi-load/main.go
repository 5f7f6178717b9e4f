// Command doudi-load measures the platform against DESIGN.md's performance
// targets through the public REST API and prints one table row per
// measurement (operation, clients, requests, ok, errors, rate/s, p50 ms,
// p99 ms, target, verdict):
//
//  1. REST writes through the gateway — register a person with a unique,
//     valid ID number — at 16 and 64 concurrent clients, each for -duration;
//  2. the same writes against a baseline, an in-process net/http + pgx
//     handler that validates the same JSON and INSERTs one row (a scratch
//     table in -baseline-db), with the same clients; the gateway's rate must
//     be at least half the baseline's;
//  3. write → visible in a monitoring list, open loop at -visible-rate
//     writes/s: p99 ≤ 100 ms;
//  4. with -list1m: monitoring-bulkload puts 1,000,000 persons into
//     -monitoring-db, then the caseload list (village and tier, a page of 50)
//     is queried through the gateway: p99 ≤ 20 ms. Takes a few minutes.
//
// scripts/bench.sh starts a throw-away platform and runs this; to measure a
// running one (scripts/dev.sh):
//
//	doudi-load -gateway http://127.0.0.1:8080 -key doudi-dev-key \
//	    -baseline-db postgres://postgres@127.0.0.1:5432/doudi_load_baseline
//
// doudi-load dropdb URL… drops the databases the URLs name (bench.sh's
// clean-up).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

type config struct {
	gateway, key, tenant string
	writes               bool
	clients              []int
	duration, warmup     time.Duration
	baselineDB           string
	baselineConns        int
	visibleRate          int
	visibleDuration      time.Duration
	visibleInFlight      int
	list1m               bool
	listPersons          int
	listClients          []int
	listRequests         int
	monitoringDB         string
	bulkloadBin          string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "dropdb" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabases(ctx, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "doudi-load dropdb:", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	var clients, listClients string
	flag.StringVar(&cfg.gateway, "gateway", "http://127.0.0.1:8080", "the REST gateway's base URL")
	flag.StringVar(&cfg.key, "key", os.Getenv("DOUDI_API_KEY"), "API key with the station_manager role (default $DOUDI_API_KEY)")
	flag.StringVar(&cfg.tenant, "tenant", "shitan", "tenant to write to")
	flag.BoolVar(&cfg.writes, "writes", true, "run the write benchmarks (gateway and baseline)")
	flag.StringVar(&clients, "clients", "16,64", "concurrent clients of the write benchmarks, comma-separated")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each write benchmark runs")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured writes before each write benchmark")
	flag.StringVar(&cfg.baselineDB, "baseline-db", "", "PostgreSQL URL of a scratch database for the baseline handler (created if missing); empty skips the baseline")
	flag.IntVar(&cfg.baselineConns, "baseline-conns", 16, "the baseline's pool size (a service's DB_MAX_CONNS default)")
	flag.IntVar(&cfg.visibleRate, "visible-rate", 1000, "writes per second of the write → visible benchmark; 0 skips it")
	flag.DurationVar(&cfg.visibleDuration, "visible-duration", 10*time.Second, "how long the write → visible benchmark sends writes")
	flag.IntVar(&cfg.visibleInFlight, "visible-inflight", 256, "most write → visible requests in flight; a write due beyond that is skipped")
	flag.BoolVar(&cfg.list1m, "list1m", false, "also bulk-load -list-persons persons into -monitoring-db and measure the caseload list (takes a few minutes)")
	flag.IntVar(&cfg.listPersons, "list-persons", 1_000_000, "persons to bulk-load for -list1m")
	flag.StringVar(&listClients, "list-clients", "1,4", "concurrent clients of the list benchmark, comma-separated")
	flag.IntVar(&cfg.listRequests, "list-requests", 2000, "list requests per client count")
	flag.StringVar(&cfg.monitoringDB, "monitoring-db", "", "PostgreSQL URL of the monitoring service's database (for -list1m)")
	flag.StringVar(&cfg.bulkloadBin, "bulkload", "monitoring-bulkload", "the monitoring-bulkload binary (for -list1m)")
	flag.Parse()
	var err error
	if cfg.clients, err = ints(clients); err == nil {
		cfg.listClients, err = ints(listClients)
	}
	if err == nil && cfg.key == "" {
		err = errors.New("an API key is required (-key or DOUDI_API_KEY)")
	}
	if err == nil && cfg.list1m && cfg.monitoringDB == "" {
		err = errors.New("-list1m needs -monitoring-db")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "doudi-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rows, err := run(ctx, cfg)
	printTable(os.Stdout, rows)
	if err != nil {
		fmt.Fprintln(os.Stderr, "doudi-load:", err)
		os.Exit(1)
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want positive integers, comma-separated", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func progress(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func run(ctx context.Context, cfg config) ([]*result, error) {
	c := newClient(strings.TrimRight(cfg.gateway, "/"), cfg.key)
	var rows []*result
	ppl := &persons{}

	// Households: a few for the write benchmarks, and enough for the
	// visibility benchmark's lists to stay short (about 50 persons each).
	visibleHouseholds := 0
	if cfg.visibleRate > 0 {
		visibleHouseholds = max(20, int(float64(cfg.visibleRate)*cfg.visibleDuration.Seconds())/50)
	}
	progress("creating %d households…", 8+visibleHouseholds)
	households, err := createHouseholds(ctx, c, cfg.tenant, 8+visibleHouseholds)
	if err != nil {
		return rows, err
	}
	writeHouseholds, visHouseholds := households[:8], households[8:]

	var base *baseline
	if cfg.baselineDB != "" && cfg.writes {
		if base, err = startBaseline(ctx, cfg.baselineDB, cfg.key, int32(cfg.baselineConns)); err != nil {
			return rows, fmt.Errorf("baseline: %w", err)
		}
		defer base.Close()
	}
	writes := func(cl *client, operation string, n int) *result {
		send := func(ctx context.Context) response {
			return cl.createPerson(ctx, cfg.tenant, ppl.body(writeHouseholds[ppl.next.Load()%8]))
		}
		if cfg.warmup > 0 {
			closedLoop(ctx, "", n, cfg.warmup, 0, send)
		}
		progress("%s, %d clients, %s…", operation, n, cfg.duration)
		r := closedLoop(ctx, operation, n, cfg.duration, 0, send)
		r.target, r.verdict = "—", "—"
		return r
	}
	for _, n := range cfg.clients {
		if !cfg.writes {
			break
		}
		gw := writes(c, "REST write: create person (gateway)", n)
		rows = append(rows, gw)
		if base == nil {
			continue
		}
		bl := writes(newClient(base.URL, cfg.key), "baseline: net/http + pgx INSERT", n)
		rows = append(rows, bl)
		gw.target = "≥ 0.5 × baseline rate"
		ratio := gw.rate() / bl.rate()
		gw.verdict = fmt.Sprintf("%.2f× %s", ratio, pass(ratio >= 0.5 && gw.errors == 0))
	}
	if ctx.Err() != nil {
		return rows, ctx.Err()
	}

	if cfg.visibleRate > 0 {
		// Start with the views caught up with the write benchmarks' backlog.
		if err := settle(ctx, c, cfg.tenant, visHouseholds[0], ppl); err != nil {
			return rows, err
		}
		progress("write → visible, open loop at %d/s for %s…", cfg.visibleRate, cfg.visibleDuration)
		vis, w, skipped := visible(ctx, c, cfg.tenant, visHouseholds, ppl, cfg.visibleRate, cfg.visibleDuration, cfg.visibleInFlight)
		vis.target = fmt.Sprintf("p99 ≤ 100 ms at %d/s", cfg.visibleRate)
		achieved := w.rate() >= 0.95*float64(cfg.visibleRate)
		switch {
		case vis.errors > 0:
			vis.verdict = "FAIL (errors)"
		case vis.percentile(0.99) > 100:
			vis.verdict = "FAIL (p99)"
		case !achieved:
			vis.verdict = fmt.Sprintf("p99 ok; rate %.0f/s < target", w.rate())
		default:
			vis.verdict = "pass"
		}
		if skipped > 0 {
			vis.verdict += fmt.Sprintf("; %d writes skipped", skipped)
		}
		w.target, w.verdict = "—", "—"
		rows = append(rows, vis, w)
	}
	if ctx.Err() != nil {
		return rows, ctx.Err()
	}

	if cfg.list1m {
		const bulkTenant, villages = "bulk", 26
		progress("bulk-loading %d persons into the monitoring database (a minute or more)…", cfg.listPersons)
		t0 := time.Now()
		if err := bulkLoad(ctx, cfg.bulkloadBin, cfg.monitoringDB, bulkTenant, cfg.listPersons); err != nil {
			return rows, err
		}
		progress("  loaded in %s", time.Since(t0).Round(time.Second))
		// Warm up: connections, statement caches, buffers.
		listQueries(ctx, c, bulkTenant, villages, 2, 200, time.Minute)
		for _, n := range cfg.listClients {
			progress("list at %d persons, %d clients, %d requests…", cfg.listPersons, n, cfg.listRequests)
			r := listQueries(ctx, c, bulkTenant, villages, n, cfg.listRequests, 2*time.Minute)
			r.operation = fmt.Sprintf("list caseload at %s persons (village+tier, 50/page)", thousands(cfg.listPersons))
			r.target = "p99 ≤ 20 ms"
			r.verdict = pass(r.errors == 0 && r.ok > 0 && r.percentile(0.99) <= 20)
			rows = append(rows, r)
		}
	}
	return rows, ctx.Err()
}

func pass(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// createHouseholds registers n households over the villages V01…V26 with
// 8 concurrent requests and returns their resource names.
func createHouseholds(ctx context.Context, c *client, tenant string, n int) ([]string, error) {
	names := make([]string, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range next {
				r := c.do(ctx, http.MethodPost, "/v1/tenants/"+tenant+"/households",
					map[string]any{"village": fmt.Sprintf("V%02d", i%26+1), "address": fmt.Sprintf("石滩镇压测路%d号", i+1)},
					map[string]string{"Idempotency-Key": newKey()})
				if !r.ok() {
					errs[i] = fmt.Errorf("create household: %s", r.problem())
					continue
				}
				var out struct{ Household struct{ Name string } }
				if errs[i] = json.Unmarshal(r.body, &out); errs[i] == nil && out.Household.Name == "" {
					errs[i] = errors.New("create household: no name in the response")
				}
				names[i] = out.Household.Name
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return names, errors.Join(append(errs, ctx.Err())...)
}

func printTable(w *os.File, rows []*result) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tclients\trequests\tok\terrors\trate/s\tp50 ms\tp99 ms\ttarget\tverdict")
	ms := func(v float64) string {
		if v < 0 || math.IsNaN(v) {
			return "—"
		}
		return fmt.Sprintf("%.1f", v)
	}
	var notes []string
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\n", r.operation, r.clients, r.requests, r.ok, r.errors,
			r.rate(), ms(r.percentile(0.5)), ms(r.percentile(0.99)), r.target, r.verdict)
		if r.firstError != "" {
			notes = append(notes, fmt.Sprintf("%s (%d clients): first error: %s", strings.TrimSpace(r.operation), r.clients, r.firstError))
		}
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Fprintln(w, "  note:", n)
	}
}

// settle waits (at most two minutes) until the monitoring views have applied
// a fresh write, so that a benchmark does not measure the projection still
// working off the previous benchmark's writes.
func settle(ctx context.Context, c *client, tenant, household string, ppl *persons) error {
	progress("waiting for the monitoring views to catch up…")
	w := c.createPerson(ctx, tenant, ppl.body(household))
	token := w.header.Get("Doudi-Consistency-Token")
	if !w.ok() || token == "" {
		return fmt.Errorf("settle: write: %s", w.problem())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		l := c.do(ctx, http.MethodGet, "/v1/tenants/"+tenant+"/monitoring/caseload?page_size=1", nil,
			map[string]string{"Doudi-Consistency-Token": token})
		if l.ok() {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("settle: the views did not catch up in 2 minutes: %s", l.problem())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
