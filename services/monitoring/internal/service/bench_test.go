package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/bulkload"
)

// BenchmarkCaseloadListAt1M measures the caseload list (filtered by village
// and tier, a page of 50, then the next page with its token) over gRPC at
// 1,000,000 persons: 8 clients, 2,000 requests. Target: p99 ≤ 20 ms.
// Loading the million persons takes a while; run it on its own:
//
//	go test ./internal/service -run '^$' -bench CaseloadListAt1M -benchtime 1x
func BenchmarkCaseloadListAt1M(b *testing.B) {
	const (
		persons  = 1_000_000
		villages = 26
		clients  = 8
		requests = 2000
	)
	e := newEnv(b, nil)
	ctx := context.Background()
	schema, err := e.svc.Runner.ActiveSchema(ctx)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	err = bulkload.Load(ctx, e.svc.Host.Pool, schema, bulkload.Spec{Tenant: tenant, Persons: persons,
		Villages: villages, SocialWorkers: 20, Seed: 1, Today: today})
	if err != nil {
		b.Fatal(err)
	}
	// VACUUM as well: it sets the visibility map, and spares the run an
	// autovacuum of the freshly copied tables competing for the two cores.
	if _, err := e.svc.Host.Pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d persons in %s", persons, time.Since(start).Round(time.Second))
	// The plan of the list's query, for whoever reads the figures.
	rows, err := e.svc.Host.Pool.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) SELECT person_id FROM `+
		pgx.Identifier{schema, "persons"}.Sanitize()+` WHERE tenant = $1 AND village = $2 AND tier = $3 ORDER BY person_id LIMIT 51`,
		tenant, bulkload.Village(3), 2)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("plan:\n%s", strings.Join(plan, "\n"))

	// Warm up (connections, statement caches, buffers), unmeasured.
	for i := range 200 {
		_, err := e.client.ListCaseload(ctx, &monitoringv1.ListCaseloadRequest{Tenant: tenant,
			Village: bulkload.Village(i % villages), Tier: int32(1 + i%4), PageSize: 50})
		if err != nil {
			b.Fatal(err)
		}
	}

	b.ResetTimer()
	for b.Loop() {
		latencies := make([]time.Duration, 0, requests)
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := range clients {
			wg.Go(func() {
				var mine []time.Duration
				for i := 0; i < requests/clients/2; i++ {
					req := &monitoringv1.ListCaseloadRequest{Tenant: tenant, Village: bulkload.Village((c*31 + i) % villages),
						Tier: int32(1 + (c+i)%4), PageSize: 50}
					for range 2 { // the first page, then the next with its token
						t0 := time.Now()
						resp, err := e.client.ListCaseload(ctx, req)
						mine = append(mine, time.Since(t0))
						if err != nil {
							errs <- err
							return
						}
						if len(resp.GetItems()) != 50 {
							errs <- fmt.Errorf("page of %d items", len(resp.GetItems()))
							return
						}
						req.PageToken = resp.GetNextPageToken()
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		slices.Sort(latencies)
		pct := func(p float64) float64 {
			return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(0.50), "p50_ms")
		b.ReportMetric(pct(0.99), "p99_ms")
		b.ReportMetric(float64(len(latencies)), "requests")
	}
}
