package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// bulkLoad fills the monitoring database with persons of tenant by running
// monitoring-bulkload, then checks that the rows are where the live service
// reads: the caseload projection's active generation schema.
func bulkLoad(ctx context.Context, bin, monitoringDB, tenant string, n int) error {
	cmd := exec.CommandContext(ctx, bin, "-tenant", tenant, "-persons", fmt.Sprint(n), "-history=false")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+monitoringDB)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", bin, err)
	}
	conn, err := pgx.Connect(ctx, monitoringDB)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var schema string
	var rows int
	if err := conn.QueryRow(ctx, `SELECT active_schema FROM public.projection_state WHERE name = 'caseload'`).Scan(&schema); err != nil {
		return fmt.Errorf("find the caseload projection's active schema: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "persons"}.Sanitize()+` WHERE tenant = $1`, tenant).Scan(&rows); err != nil {
		return err
	}
	if rows != n {
		return fmt.Errorf("the active schema %s holds %d persons of tenant %q, not %d", schema, rows, tenant, n)
	}
	progress("  %d persons of tenant %q in the live schema %s", rows, tenant, schema)
	return nil
}

// listQueries measures the caseload list through the gateway, filtered by
// village and tier, a page of 50, then the next page with its token (as
// BenchmarkCaseloadListAt1M does over gRPC): requests in all over clients,
// bounded by maxDuration. Every page must be full.
func listQueries(ctx context.Context, c *client, tenant string, villages, clients, requests int, maxDuration time.Duration) *result {
	var i atomic.Int64
	next := func() (string, int) {
		n := int(i.Add(1))
		return fmt.Sprintf("V%02d", n*7%villages+1), 1 + n%4
	}
	// Each send is a pair of pages; count each page as a request.
	var rc recorder
	start := time.Now()
	deadline := start.Add(maxDuration)
	done := make(chan struct{})
	var left atomic.Int64
	left.Store(int64(requests / 2))
	for range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			for time.Now().Before(deadline) && ctx.Err() == nil && left.Add(-1) >= 0 {
				village, tier := next()
				token := ""
				for range 2 {
					q := url.Values{"village": {village}, "tier": {fmt.Sprint(tier)}, "page_size": {"50"}}
					if token != "" {
						q.Set("page_token", token)
					}
					t0 := time.Now()
					r := c.do(ctx, http.MethodGet, "/v1/tenants/"+tenant+"/monitoring/caseload?"+q.Encode(), nil, nil)
					d := time.Since(t0)
					if !r.ok() {
						rc.add(d, false, r.problem())
						break
					}
					var page struct {
						Items         []json.RawMessage
						NextPageToken string
					}
					if err := json.Unmarshal(r.body, &page); err != nil || len(page.Items) != 50 {
						rc.add(d, false, fmt.Sprintf("a page of %d items, not 50 (%v)", len(page.Items), err))
						break
					}
					rc.add(d, true, "")
					token = page.NextPageToken
				}
			}
		}()
	}
	for range clients {
		<-done
	}
	return rc.result(fmt.Sprintf("list caseload village+tier, 50/page (%s)", tenant), clients, time.Since(start))
}
