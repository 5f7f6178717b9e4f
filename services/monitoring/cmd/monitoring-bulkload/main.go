// Command monitoring-bulkload fills the monitoring service's caseload tables
// with a synthetic station, for load tests of the monitoring queries at
// scale (e.g. 1,000,000 persons). It writes the projection's live tables
// directly with COPY; the rows have no events behind them, so a projection
// rebuild removes them. Run the monitoring service once first, so that the
// tables exist.
//
//	DATABASE_URL=postgres://…/doudi_monitoring monitoring-bulkload -persons 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/monitoring/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/monitoring/internal/bulkload"
	"github.com/doudi-platform/doudi/services/monitoring/internal/service"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "monitoring-bulkload:", err)
		os.Exit(1)
	}
}

func run() error {
	spec := bulkload.Spec{}
	flag.StringVar(&spec.Tenant, "tenant", "bulk", "tenant code to load (its rows are replaced)")
	flag.IntVar(&spec.Persons, "persons", 1_000_000, "persons to load")
	flag.IntVar(&spec.Villages, "villages", 26, "villages")
	flag.IntVar(&spec.SocialWorkers, "social-workers", 20, "social workers")
	flag.BoolVar(&spec.History, "history", true, "also load the histories the as-of views and figures read")
	flag.Uint64Var(&spec.Seed, "seed", 1, "random seed; the same seed gives the same data")
	flag.Parse()

	url := os.Getenv("DATABASE_URL")
	if url == "" {
		url = service.DefaultDatabaseURL
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	var schema string
	err = pool.QueryRow(ctx, `SELECT active_schema FROM projection_state WHERE name = $1`, postgres.ProjectionName).Scan(&schema)
	if err != nil {
		return fmt.Errorf("find the caseload projection's tables (start the monitoring service once first): %w", err)
	}
	start := time.Now()
	if err := bulkload.Load(ctx, pool, schema, spec); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return err
	}
	fmt.Printf("loaded %d persons of tenant %q into %s in %s\n", spec.Persons, spec.Tenant, schema, time.Since(start).Round(time.Millisecond))
	return nil
}
