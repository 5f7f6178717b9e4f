// Package leader elects one active worker among a service's replicas with a
// PostgreSQL session advisory lock: the relay and each projection runner must
// have exactly one active instance, and the others stand by.
//
// The lock lives as long as the dedicated connection that took it. When the
// leader's process dies or its connection breaks, PostgreSQL releases the lock
// and a standby takes it on its next try. Work that must be fenced (advancing
// the relay cursor) runs on Conn, so a leader that lost its connection can no
// longer write.
package leader

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Lock is a held leadership.
type Lock struct {
	name string
	conn *pgxpool.Conn
}

// TryAcquire takes the named lock if it is free. The name is scoped to the
// connection's current schema so that tests in separate schemas never contend.
func TryAcquire(ctx context.Context, pool *pgxpool.Pool, name string) (*Lock, bool, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("leader %s: %w", name, err)
	}
	var ok bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('doudi.leader.' || current_schema() || '.' || $1, 0))`, name).Scan(&ok)
	if err != nil || !ok {
		conn.Release()
		if err != nil {
			return nil, false, fmt.Errorf("leader %s: %w", name, err)
		}
		return nil, false, nil
	}
	return &Lock{name: name, conn: conn}, true, nil
}

// Campaign waits until it holds the named lock, trying every interval.
func Campaign(ctx context.Context, pool *pgxpool.Pool, name string, interval time.Duration) (*Lock, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		l, ok, err := TryAcquire(ctx, pool, name)
		if ok {
			return l, nil
		}
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// Conn is the connection that holds the lock.
func (l *Lock) Conn() *pgxpool.Conn { return l.conn }

// Check verifies the lock is still held (the connection is alive).
func (l *Lock) Check(ctx context.Context) error {
	return l.conn.Ping(ctx)
}

// Release gives up leadership. The connection is closed rather than returned
// to the pool so that the lock cannot outlive the release.
func (l *Lock) Release() {
	if l == nil || l.conn == nil {
		return
	}
	_ = l.conn.Conn().Close(context.Background())
	l.conn.Release()
	l.conn = nil
}
