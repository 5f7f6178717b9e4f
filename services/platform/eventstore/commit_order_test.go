package eventstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/doudi-platform/doudi/services/platform/pgtest"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// A writer whose transaction commits late must not be overtaken: the reader
// stops before it until it commits, then reads it, so a cursor that moved on
// can never have skipped it.
func TestReadCommittedWaitsForALateCommit(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()

	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	if _, err := slow.Exec(ctx, `INSERT INTO events (event_id, stream_id, version, event_type, schema_version, data, metadata, occurred_at)
		VALUES (gen_random_uuid(), 'slow-1', 1, $1, 1, '{}', '{"tenant":"shitan"}', now())`, noteAdded); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := store.Append(ctx, "fast-1", eventstore.Any, note("fast", eventstore.Metadata{})); err != nil {
			t.Fatal(err)
		}
	}

	before, err := eventstore.ReadCommitted(ctx, pool, eventstore.Cursor{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 0 {
		t.Fatalf("read %d events while an older transaction is open; reading past it could skip it later", len(before))
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := eventstore.ReadCommitted(ctx, pool, eventstore.Cursor{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 4 || after[0].StreamID != "slow-1" {
		t.Fatalf("after the late commit read %d events starting with %v, want 4 starting with slow-1", len(after), after)
	}
	for i, want := range []eventstore.Version{1, 2, 3} {
		if after[i+1].StreamID != "fast-1" || after[i+1].Version != want {
			t.Fatalf("event %d = %s@%d, want fast-1@%d", i+1, after[i+1].StreamID, after[i+1].Version, want)
		}
	}
	cursor := eventstore.Cursor{TxID: after[3].TxID, Position: after[3].Position}
	rest, err := eventstore.ReadCommitted(ctx, pool, cursor, 100)
	if err != nil || len(rest) != 0 {
		t.Fatalf("after the last cursor: %d events, %v", len(rest), err)
	}
}

// A long writing transaction in another database of the same server (another
// service's bulk load, another test package) must not hold this store's
// readers back: only this database's transactions can write its events.
func TestReadCommittedIgnoresOtherDatabasesTransactions(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()
	other, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // takes a transaction id
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "visit-elsewhere", eventstore.NoStream, note("x", eventstore.Metadata{})); err != nil {
		t.Fatal(err)
	}
	got, err := eventstore.ReadCommitted(ctx, pool, eventstore.Cursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("read %d events while another database's transaction is open, want 1", len(got))
	}
}

// A transaction of the same database that writes something other than
// events (a projection's batch, a key store's insert) must not hold the
// relay back: it can never add an event before the cursor.
func TestReadCommittedIgnoresTransactionsThatWriteNoEvents(t *testing.T) {
	store, pool := openStore(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE read_model (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	batch, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Rollback(ctx)
	if _, err := batch.Exec(ctx, `INSERT INTO read_model VALUES (1)`); err != nil { // takes a transaction id
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, "visit-1", eventstore.NoStream, note("x", eventstore.Metadata{})); err != nil {
		t.Fatal(err)
	}
	got, err := eventstore.ReadCommitted(ctx, pool, eventstore.Cursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("read %d events while a transaction that writes no events is open, want 1", len(got))
	}
}
