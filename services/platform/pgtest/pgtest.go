// Package pgtest gives tests a real PostgreSQL: a fresh database per test
// package (created by Main, dropped when the package's tests end) and a fresh
// schema per test inside it.
//
// The server is found at DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable (the loopback
// server, without TLS, as scripts/dev.sh and scripts/bench.sh connect to
// it). A missing server fails the test run with a message saying what to
// start; it never skips.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultAdminURL is used when DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	packageDBURL string
	schemaSeq    atomic.Int64
)

// AdminURL is the server's connection string from DATABASE_URL or the default.
func AdminURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

var staleName = regexp.MustCompile(`^doudi_test_(\d+)_`)

// Main creates the package database, runs the tests and drops the database.
// Call it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL is not reachable at %s: %v\n"+
			"Start PostgreSQL (e.g. pg_ctlcluster 15 main start) or set DATABASE_URL.\n", AdminURL(), err)
		os.Exit(2)
	}
	dropStale(ctx, admin)
	name := fmt.Sprintf("doudi_test_%d_%08x", os.Getpid(), rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: create database %s: %v\n", name, err)
		os.Exit(2)
	}
	cancel()
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	packageDBURL = u.String()

	code := m.Run()

	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: drop database %s: %v\n", name, err)
	}
	admin.Close(ctx)
	os.Exit(code)
}

// dropStale removes databases left by test processes that died before
// dropping theirs (their process id no longer exists).
func dropStale(ctx context.Context, admin *pgx.Conn) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'doudi_test_%'`)
	if err != nil {
		return
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, n := range names {
		m := staleName.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue
		}
		admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
	}
}

// DatabaseURL is the package database's connection string.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	if packageDBURL == "" {
		t.Fatal("pgtest: call pgtest.Main(m) from TestMain in this package")
	}
	return packageDBURL
}

// NewSchema creates a fresh schema in the package database and returns a
// connection string whose search_path is that schema, so that each test gets
// its own tables.
func NewSchema(t testing.TB) string {
	t.Helper()
	base := DatabaseURL(t)
	schema := fmt.Sprintf("t%d_%d", schemaSeq.Add(1), rand.Uint32()%100000)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// NewPool returns a pool on a fresh schema (see NewSchema), closed when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return Connect(t, NewSchema(t))
}

// Connect opens a pool on connString, closed when the test ends.
func Connect(t testing.TB, connString string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
