package eventstore_test

import (
	"context"
	"testing"

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
