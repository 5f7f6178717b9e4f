// Package migrate applies a component's embedded SQL migrations at start-up.
//
// Each component (the event store, a projection, a service's own tables) keeps
// its migrations as numbered .sql files in an embed.FS. Up applies the ones not
// yet applied, in name order, each in its own transaction, under an advisory
// lock so that replicas starting together do not race.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Up applies the .sql files found at the root of fsys for component.
func Up(ctx context.Context, pool *pgxpool.Pool, component string, fsys fs.FS) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)

	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	defer conn.Release()

	// The lock is per schema so that tests using one schema each never wait on each other.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended('doudi.migrate.' || current_schema(), 0))`); err != nil {
		return fmt.Errorf("migrate %s: lock: %w", component, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended('doudi.migrate.' || current_schema(), 0))`)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component  text NOT NULL,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (component, name))`); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	for _, name := range names {
		var done bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE component = $1 AND name = $2)`,
			component, name).Scan(&done); err != nil {
			return fmt.Errorf("migrate %s: %w", component, err)
		}
		if done {
			continue
		}
		sql, err := fs.ReadFile(fsys, path.Clean(name))
		if err != nil {
			return fmt.Errorf("migrate %s/%s: %w", component, name, err)
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (component, name) VALUES ($1, $2)`, component, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s/%s: %w", component, name, err)
		}
	}
	return nil
}

// UpDir applies the .sql files in directory dir of fsys (usually an
// embed.FS holding "migrations/*.sql") for component.
func UpDir(ctx context.Context, pool *pgxpool.Pool, component string, fsys fs.FS, dir string) error {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	return Up(ctx, pool, component, sub)
}
