// Package audit is the log of sensitive reads every service that reveals
// personal data keeps in its own database: who read which fields of whose
// data, when, through which method, and why. A service records the read
// before it returns the data, and exposes the log through a query.
package audit

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/platform/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates the sensitive_reads table.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.UpDir(ctx, pool, "audit", migrations, "migrations")
}

// SensitiveRead is one audited read of decrypted personal data.
type SensitiveRead struct {
	ID       uuid.UUID
	Tenant   string
	Subject  uuid.UUID // whose data: the person, household, visit or call
	Resource string    // the resource name read
	Actor    string
	Fields   []string
	Purpose  string
	Method   string
	ReadAt   time.Time
}

// Log records and lists sensitive reads.
type Log struct{ Pool *pgxpool.Pool }

// Record stores a read; callers return decrypted data only after it succeeded.
func (l Log) Record(ctx context.Context, r SensitiveRead) (SensitiveRead, error) {
	if r.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return r, err
		}
		r.ID = id
	}
	err := l.Pool.QueryRow(ctx, `INSERT INTO sensitive_reads (id, tenant, subject_id, resource, actor, fields, purpose, method)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING read_at`,
		r.ID, r.Tenant, r.Subject, r.Resource, r.Actor, r.Fields, r.Purpose, r.Method).Scan(&r.ReadAt)
	if err != nil {
		return r, fmt.Errorf("audit: record sensitive read: %w", err)
	}
	return r, nil
}

// Filter selects a tenant's reads; zero fields match all.
type Filter struct {
	Tenant  string
	Subject uuid.UUID
	Actor   string
}

// List returns reads matching f, newest first, older than the read with id
// before (uuid.Nil: from the newest), at most limit.
func (l Log) List(ctx context.Context, f Filter, before uuid.UUID, limit int) ([]SensitiveRead, error) {
	rows, err := l.Pool.Query(ctx, `SELECT id, tenant, subject_id, resource, actor, fields, purpose, method, read_at
		FROM sensitive_reads
		WHERE tenant = $1 AND ($2::uuid IS NULL OR subject_id = $2) AND ($3 = '' OR actor = $3)
		  AND ($4::uuid IS NULL OR id < $4)
		ORDER BY id DESC LIMIT $5`, f.Tenant, nullUUID(f.Subject), f.Actor, nullUUID(before), limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list sensitive reads: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SensitiveRead, error) {
		var r SensitiveRead
		err := row.Scan(&r.ID, &r.Tenant, &r.Subject, &r.Resource, &r.Actor, &r.Fields, &r.Purpose, &r.Method, &r.ReadAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: list sensitive reads: %w", err)
	}
	return out, nil
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
