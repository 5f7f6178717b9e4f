package postgres

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/platform/datakeys"
)

// ErrKeyErased is returned for a person or household whose data key was
// deleted (the person was forgotten): what was sealed with it is gone.
var ErrKeyErased = datakeys.ErrKeyErased

// ErrNotSealed is returned by Open for a value that is not in the sealed
// format, or that does not authenticate under the owner's key and field.
var ErrNotSealed = datakeys.ErrNotSealed

// Keys is the beneficiaries' key store: the platform's per-owner data keys
// (persons and households), plus the blind-index key and the reservations of
// ID numbers under it.
type Keys struct {
	*datakeys.Keys
	pool     *pgxpool.Pool
	blindKey []byte
}

// NewKeys returns the key store over pool. masterKey is 32 bytes;
// blindIndexKey at least 32.
func NewKeys(pool *pgxpool.Pool, masterKey, blindIndexKey []byte) (*Keys, error) {
	if len(blindIndexKey) < 32 {
		return nil, fmt.Errorf("keys: blind-index key is %d bytes, want at least 32", len(blindIndexKey))
	}
	dk, err := datakeys.New(pool, masterKey)
	if err != nil {
		return nil, err
	}
	return &Keys{Keys: dk, pool: pool, blindKey: append([]byte(nil), blindIndexKey...)}, nil
}

// BlindIndex is the keyed hash under which tenant's ID number is found:
// HMAC-SHA256 of the tenant and the normalised number, in hex.
func (k *Keys) BlindIndex(tenant, idNumber string) string {
	mac := hmac.New(sha256.New, k.blindKey)
	mac.Write([]byte(tenant))
	mac.Write([]byte{0})
	mac.Write([]byte(strings.ToUpper(strings.TrimSpace(idNumber))))
	return hex.EncodeToString(mac.Sum(nil))
}

// NewCipher makes a fresh data key for owner, in memory only: store it with
// Reserve or StoreKey before anything sealed with it is appended.
func (k *Keys) NewCipher(tenant string, owner uuid.UUID) (*Cipher, error) {
	c, err := k.Keys.NewCipher(tenant, owner)
	return k.bind(c, err)
}

func (k *Keys) bind(c *datakeys.Cipher, err error) (*Cipher, error) {
	if err != nil {
		return nil, err
	}
	return &Cipher{Cipher: c, keys: k}, nil
}

// StoreKey stores c's key unless owner already has one, and returns the
// stored key's cipher (the existing one for a retried registration).
func (k *Keys) StoreKey(ctx context.Context, c *Cipher) (*Cipher, error) {
	return k.bind(k.Keys.StoreKey(ctx, c.Cipher))
}

// Open returns owner's cipher, or ErrKeyErased when the key was deleted.
func (k *Keys) Open(ctx context.Context, tenant string, owner uuid.UUID) (*Cipher, error) {
	return k.bind(k.Keys.Open(ctx, tenant, owner))
}

// Reservation is the outcome of Reserve.
type Reservation struct {
	// Cipher is the stored key: c itself, or the key stored by an earlier
	// attempt to register the same person.
	Cipher *Cipher
	// Holder is the person the ID number is reserved for: c's owner when the
	// reservation is ours.
	Holder     uuid.UUID
	ReservedAt time.Time
}

// Reserve stores c's data key (unless its owner has one) and reserves the
// blind index for c's owner, in one statement. When another person holds the
// index, Holder names them and nothing is reserved.
func (k *Keys) Reserve(ctx context.Context, c *Cipher, blindIndex string) (Reservation, error) {
	mine := k.Wrap(c.Cipher)
	var wrapped []byte
	var holder *uuid.UUID
	var reservedAt *time.Time
	// The outer SELECTs see the rows as they were before the statement: the
	// stored key or holder when an INSERT did nothing.
	//
	// The statement commits without waiting for its WAL flush
	// (synchronous_commit off, for this transaction only): the registration
	// appended next commits synchronously, and PostgreSQL flushes WAL in
	// order, so once the registration is durable the key and reservation are
	// too. If the server crashes before that, both may be lost together with
	// a registration that was never acknowledged: harmless. This saves one
	// fsync per registration.
	err := k.pool.QueryRow(ctx, `
		WITH k AS (
			INSERT INTO data_keys (owner_id, tenant, wrapped_key) VALUES ($1, $2, $3)
			ON CONFLICT (owner_id) DO NOTHING RETURNING wrapped_key
		), r AS (
			INSERT INTO id_index (tenant, blind_index, person_id) VALUES ($2, $4, $1)
			ON CONFLICT (tenant, blind_index) DO NOTHING RETURNING person_id, reserved_at
		)
		SELECT coalesce((SELECT wrapped_key FROM k), (SELECT wrapped_key FROM data_keys WHERE owner_id = $1)),
		       coalesce((SELECT person_id FROM r), (SELECT person_id FROM id_index WHERE tenant = $2 AND blind_index = $4)),
		       coalesce((SELECT reserved_at FROM r), (SELECT reserved_at FROM id_index WHERE tenant = $2 AND blind_index = $4)),
		       set_config('synchronous_commit', 'off', true)`,
		c.Owner(), c.Tenant(), mine, blindIndex).Scan(&wrapped, &holder, &reservedAt, nil)
	if err != nil {
		return Reservation{}, fmt.Errorf("keys: reserve ID number for %s: %w", c.Owner(), err)
	}
	if wrapped == nil || holder == nil {
		// A concurrent statement committed a row this statement's snapshot
		// cannot see: read again.
		if err := k.pool.QueryRow(ctx, `SELECT (SELECT wrapped_key FROM data_keys WHERE owner_id = $1),
			(SELECT person_id FROM id_index WHERE tenant = $2 AND blind_index = $3),
			(SELECT reserved_at FROM id_index WHERE tenant = $2 AND blind_index = $3)`,
			c.Owner(), c.Tenant(), blindIndex).Scan(&wrapped, &holder, &reservedAt); err != nil {
			return Reservation{}, fmt.Errorf("keys: reserve ID number for %s: %w", c.Owner(), err)
		}
		if wrapped == nil || holder == nil {
			return Reservation{}, fmt.Errorf("keys: reserve ID number for %s: rows vanished; retry", c.Owner())
		}
	}
	stored := c
	if !hmac.Equal(wrapped, mine) {
		if stored, err = k.bind(k.Unwrap(c.Tenant(), c.Owner(), wrapped)); err != nil {
			return Reservation{}, err
		}
	}
	res := Reservation{Cipher: stored, Holder: *holder}
	if reservedAt != nil {
		res.ReservedAt = *reservedAt
	}
	return res, nil
}

// TakeOver moves a stale reservation (its holder never registered) from
// stale to owner; false if someone else changed it first.
func (k *Keys) TakeOver(ctx context.Context, tenant, blindIndex string, stale, owner uuid.UUID) (bool, error) {
	tag, err := k.pool.Exec(ctx, `UPDATE id_index SET person_id = $4, reserved_at = now()
		WHERE tenant = $1 AND blind_index = $2 AND person_id = $3`, tenant, blindIndex, stale, owner)
	if err != nil {
		return false, fmt.Errorf("keys: take over reservation: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release deletes holder's reservation of blindIndex (a failed registration).
func (k *Keys) Release(ctx context.Context, tenant, blindIndex string, holder uuid.UUID) error {
	_, err := k.pool.Exec(ctx, `DELETE FROM id_index WHERE tenant = $1 AND blind_index = $2 AND person_id = $3`,
		tenant, blindIndex, holder)
	if err != nil {
		return fmt.Errorf("keys: release reservation: %w", err)
	}
	return nil
}

// ReleasePerson deletes every reservation of a person (after forgetting them,
// so that the ID number can be registered anew).
func (k *Keys) ReleasePerson(ctx context.Context, tenant string, personID uuid.UUID) error {
	_, err := k.pool.Exec(ctx, `DELETE FROM id_index WHERE tenant = $1 AND person_id = $2`, tenant, personID)
	if err != nil {
		return fmt.Errorf("keys: release reservations of %s: %w", personID, err)
	}
	return nil
}

// Lookup finds who holds blindIndex in tenant.
func (k *Keys) Lookup(ctx context.Context, tenant, blindIndex string) (uuid.UUID, bool, error) {
	var id uuid.UUID
	err := k.pool.QueryRow(ctx, `SELECT person_id FROM id_index WHERE tenant = $1 AND blind_index = $2`,
		tenant, blindIndex).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("keys: look up ID number: %w", err)
	}
	return id, true, nil
}

// Cipher seals and opens one person's or household's fields with their data
// key, and computes the tenant's blind index: the domain.Sealer of that owner.
type Cipher struct {
	*datakeys.Cipher
	keys *Keys
}

var _ domain.Sealer = (*Cipher)(nil)

// BlindIndex is the tenant's blind index of idNumber.
func (c *Cipher) BlindIndex(idNumber string) string { return c.keys.BlindIndex(c.Tenant(), idNumber) }
