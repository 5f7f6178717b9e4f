package eventstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what ReadCommitted needs: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Cursor is a place in commit-safe order: after every event of transactions
// before TxID, and after the events of TxID up to Position.
type Cursor struct {
	TxID     uint64
	Position Position
}

// ReadCommitted returns up to limit events after cursor in commit-safe order.
// (ORDER BY names events.txid: a bare "txid" would mean the select list's
// txid::text::bigint, which no index serves, and every read would sort the
// whole remaining table.)
//
// Positions are allocated when a transaction inserts, not when it commits, so
// reading by position alone skips an event whose transaction commits late.
// Instead events are ordered by (writing transaction id, position) and only
// transactions older than every transaction still in progress
// (pg_snapshot_xmin) are read: those have all finished, so nothing can ever be
// inserted before the cursor. A slow writer holds the reader back; it is never
// overtaken. Within one stream the order is the version order, because a
// stream's next version is only written after the previous one committed.
func ReadCommitted(ctx context.Context, q Querier, after Cursor, limit int) ([]Recorded, error) {
	horizon, err := commitHorizon(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+selectColumns+` FROM events
		WHERE (txid, position) > ($1::text::xid8, $2)
		  AND txid < $4::text::xid8
		ORDER BY events.txid, events.position
		LIMIT $3`, fmt.Sprint(after.TxID), int64(after.Position), limit, horizon)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read committed: %w", err)
	}
	defer rows.Close()
	out := make([]Recorded, 0, limit)
	for rows.Next() {
		r, err := scanRecorded(rows)
		if err != nil {
			return nil, fmt.Errorf("eventstore: read committed: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("eventstore: read committed: %w", err)
	}
	return out, nil
}

// ReadFrom returns up to limit events at or after position from, in
// commit-safe order, for repairs (republish): it ignores the relay's cursor.
func ReadFrom(ctx context.Context, q Querier, from Position, after Cursor, limit int) ([]Recorded, error) {
	horizon, err := commitHorizon(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+selectColumns+` FROM events
		WHERE position >= $1
		  AND (txid, position) > ($2::text::xid8, $3)
		  AND txid < $5::text::xid8
		ORDER BY events.txid, events.position
		LIMIT $4`, int64(from), fmt.Sprint(after.TxID), int64(after.Position), limit, horizon)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read from %d: %w", from, err)
	}
	defer rows.Close()
	var out []Recorded
	for rows.Next() {
		r, err := scanRecorded(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// commitHorizon returns the oldest transaction id that may still write to
// this events table: every transaction below it that wrote events has
// finished.
//
// pg_snapshot_xmin alone would do, but it counts every transaction of the
// server: a long writing transaction in another database (a bulk load,
// another service's migration, another test package) or a projection's
// batch in this one would hold the relay back, and a relay held behind a
// projection's batch delays the very events that projection waits for. So
// the horizon is the oldest of the snapshot's in-progress transactions that
// hold a write lock on this events table (pg_locks, joined to
// pg_stat_activity for their ids), or the snapshot's xmax when there are
// none.
//
// Why that is enough: an append is one statement, and a statement locks
// every table it names before it writes anything, so a transaction has an
// id from writing events only while it holds that lock; the lock is kept
// until it ends. The locks are read after the snapshot was taken, so an
// in-progress transaction of the snapshot that is missing from them either
// writes no events or had already finished; the events are then read in a
// new statement, whose later snapshot sees what it wrote. Transactions that
// get an id later get one at or above xmax. (Only this package writes
// events, and only with single-statement appends: keep it so.)
func commitHorizon(ctx context.Context, q Querier) (string, error) {
	rows, err := q.Query(ctx, `
		SELECT coalesce(
		    (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
		     WHERE (x::text::bigint % 4294967296) IN (
		         SELECT a.backend_xid::text::bigint
		         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		         WHERE l.locktype = 'relation' AND l.relation = 'events'::regclass
		           AND l.mode = 'RowExclusiveLock' AND l.granted
		           AND a.backend_xid IS NOT NULL)),
		    pg_snapshot_xmax(pg_current_snapshot()))::text`)
	if err != nil {
		return "", fmt.Errorf("eventstore: commit horizon: %w", err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("eventstore: commit horizon: %w", err)
	}
	return h, nil
}

// HeadPosition returns the highest position written (0 when empty).
func HeadPosition(ctx context.Context, q Querier) (Position, error) {
	rows, err := q.Query(ctx, `SELECT coalesce(max(position), 0) FROM events`)
	if err != nil {
		return 0, err
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
	return Position(p), err
}
