package host_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
)

// The pool's uuid codec stores and reads github.com/google/uuid values as
// the same ids PostgreSQL shows, alone, in arrays and as NULLs.
func TestPoolStoresAndReadsUUIDs(t *testing.T) {
	ctx := context.Background()
	pool, err := host.OpenPool(ctx, pgtest.NewSchema(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE ids (id uuid PRIMARY KEY, others uuid[], maybe uuid)`); err != nil {
		t.Fatal(err)
	}
	id, other := uuid.New(), uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO ids VALUES ($1, $2, $3)`, id, []uuid.UUID{other, id}, nil); err != nil {
		t.Fatal(err)
	}

	var text string
	if err := pool.QueryRow(ctx, `SELECT id::text FROM ids WHERE id = $1`, id).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if text != id.String() {
		t.Fatalf("stored %s, PostgreSQL shows %s", id, text)
	}
	var got uuid.UUID
	var others []uuid.UUID
	var maybe *uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT id, others, maybe FROM ids`).Scan(&got, &others, &maybe); err != nil {
		t.Fatal(err)
	}
	if got != id || len(others) != 2 || others[0] != other || others[1] != id || maybe != nil {
		t.Fatalf("read back %s %v %v, want %s [%s %s] <nil>", got, others, maybe, id, other, id)
	}
	if err := pool.QueryRow(ctx, `SELECT maybe FROM ids`).Scan(&got); err == nil {
		t.Fatal("a NULL uuid scanned into a uuid.UUID without error")
	}
}
