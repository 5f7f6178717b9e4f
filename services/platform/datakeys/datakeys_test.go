package datakeys_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/datakeys"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newKeys(t *testing.T, master []byte) *datakeys.Keys {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := datakeys.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	k, err := datakeys.New(pool, master)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var master = bytes.Repeat([]byte{7}, 32)

func TestSealedValuesOpenOnlyForTheirOwnerAndFieldUntilErased(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, master)
	owner, other := uuid.New(), uuid.New()
	c, err := k.NewCipher("shitan", owner)
	if err != nil {
		t.Fatal(err)
	}
	if c, err = k.StoreKey(ctx, c); err != nil {
		t.Fatal(err)
	}
	sealed, err := c.Seal("notes", "lives alone, knee pain")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains([]byte(sealed), []byte("knee")) {
		t.Fatalf("sealed value shows the plaintext: %s", sealed)
	}

	opened, err := k.Open(ctx, "shitan", owner)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := opened.Open("notes", sealed); err != nil || got != "lives alone, knee pain" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := opened.Open("phone", sealed); !errors.Is(err, datakeys.ErrNotSealed) {
		t.Fatalf("opened as another field: %v", err)
	}
	oc, _ := k.NewCipher("shitan", other)
	if _, err := oc.Open("notes", sealed); !errors.Is(err, datakeys.ErrNotSealed) {
		t.Fatalf("opened with another owner's key: %v", err)
	}

	if err := k.Erase(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open(ctx, "shitan", owner); !errors.Is(err, datakeys.ErrKeyErased) {
		t.Fatalf("after Erase, Open = %v, want ErrKeyErased", err)
	}
}

func TestStoringAKeyTwiceKeepsTheFirst(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, master)
	owner := uuid.New()
	first, _ := k.NewCipher("shitan", owner)
	first, err := k.StoreKey(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := first.Seal("notes", "x")
	retry, _ := k.NewCipher("shitan", owner)
	stored, err := k.StoreKey(ctx, retry)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := stored.Open("notes", sealed); err != nil || got != "x" {
		t.Fatalf("a retried StoreKey replaced the key: %q, %v", got, err)
	}
}

func TestAnotherMasterKeyCannotUnwrap(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, master)
	owner := uuid.New()
	c, _ := k.NewCipher("shitan", owner)
	if _, err := k.StoreKey(ctx, c); err != nil {
		t.Fatal(err)
	}
	wrong, err := datakeys.New(k.Pool(), bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Open(ctx, "shitan", owner); err == nil {
		t.Fatal("a wrong master key unwrapped the data key")
	}
}
