package postgres

import (
	"context"
	"fmt"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SensitiveRead is one audited read of decrypted personal data.
type SensitiveRead struct {
	ID       uuid.UUID
	Tenant   string
	PersonID uuid.UUID // the person, or the household whose address was read
	Resource string    // the resource name read
	Actor    string
	Fields   []string
	Purpose  string
	Method   string
	ReadAt   time.Time
}

// Audit records and lists sensitive reads.
type Audit struct{ Pool *pgxpool.Pool }

// Record stores a read; callers return decrypted data only after it succeeded.
func (a Audit) Record(ctx context.Context, r SensitiveRead) (SensitiveRead, error) {
	if r.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return r, err
		}
		r.ID = id
	}
	err := a.Pool.QueryRow(ctx, `INSERT INTO sensitive_reads (id, tenant, person_id, resource, actor, fields, purpose, method)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING read_at`,
		r.ID, r.Tenant, r.PersonID, r.Resource, r.Actor, r.Fields, r.Purpose, r.Method).Scan(&r.ReadAt)
	if err != nil {
		return r, fmt.Errorf("audit: record sensitive read: %w", err)
	}
	return r, nil
}

// ReadFilter selects a tenant's reads; zero fields match all.
type ReadFilter struct {
	Tenant   string
	PersonID uuid.UUID
	Actor    string
}

// List returns reads matching f, newest first, older than the read with id
// before (uuid.Nil: from the newest), at most limit.
func (a Audit) List(ctx context.Context, f ReadFilter, before uuid.UUID, limit int) ([]SensitiveRead, error) {
	rows, err := a.Pool.Query(ctx, `SELECT id, tenant, person_id, resource, actor, fields, purpose, method, read_at
		FROM sensitive_reads
		WHERE tenant = $1 AND ($2::uuid IS NULL OR person_id = $2) AND ($3 = '' OR actor = $3)
		  AND ($4::uuid IS NULL OR id < $4)
		ORDER BY id DESC LIMIT $5`, f.Tenant, nullUUID(f.PersonID), f.Actor, nullUUID(before), limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list sensitive reads: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SensitiveRead, error) {
		var r SensitiveRead
		err := row.Scan(&r.ID, &r.Tenant, &r.PersonID, &r.Resource, &r.Actor, &r.Fields, &r.Purpose, &r.Method, &r.ReadAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: list sensitive reads: %w", err)
	}
	return out, nil
}

// Requests finds appends by request id, so that a retried command returns
// the first result instead of being decided again against the new state.
type Requests struct{ Store *eventstore.Store }

// Seen reports the stream and version an earlier append with requestID wrote.
func (r Requests) Seen(ctx context.Context, requestID string) (stream string, version int64, ok bool, err error) {
	res, ok, err := r.Store.FindRequest(ctx, requestID)
	if err != nil || !ok {
		return "", 0, false, err
	}
	return string(res.StreamID), int64(res.Version), true, nil
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
