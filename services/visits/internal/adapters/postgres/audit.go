package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reveal is one read of sealed fields in clear.
type Reveal struct {
	Tenant   string
	Resource string // e.g. "tenants/shitan/visits/…"
	Actor    string
	Fields   []string
	Purpose  string
	Method   string // the API method
}

// Audit records reveals of sensitive fields.
type Audit struct{ Pool *pgxpool.Pool }

// Record stores r; the caller returns the data only after it succeeded.
func (a Audit) Record(ctx context.Context, r Reveal) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	_, err = a.Pool.Exec(ctx, `INSERT INTO sensitive_reads (id, tenant, resource, actor, fields, purpose, method)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, r.Tenant, r.Resource, r.Actor, r.Fields, r.Purpose, r.Method)
	if err != nil {
		return fmt.Errorf("audit: record reveal of %s: %w", r.Resource, err)
	}
	return nil
}

// Count is how many reveals of resource are on record (tests, operators).
func (a Audit) Count(ctx context.Context, resource string) (int, error) {
	var n int
	err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM sensitive_reads WHERE resource = $1`, resource).Scan(&n)
	return n, err
}
