package postgres

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
)

// ErrKeyErased is returned for a person or household whose data key was
// deleted (the person was forgotten): what was sealed with it is gone.
var ErrKeyErased = errors.New("data key erased: personal data was forgotten")

// ErrNotSealed is returned by Open for a value that is not in the sealed
// format, or that does not authenticate under the owner's key and field.
var ErrNotSealed = errors.New("value is not sealed with this key")

const sealedPrefix = "v1:"

// Keys is the key store: per-owner (person or household) AES-256-GCM data
// keys, stored wrapped by the master key, and the blind-index key. Keys are
// not cached in memory, so that erasing a key row shreds the data for every
// replica at once.
type Keys struct {
	pool     *pgxpool.Pool
	master   cipher.AEAD
	blindKey []byte
}

// NewKeys returns the key store over pool. masterKey is 32 bytes;
// blindIndexKey at least 32.
func NewKeys(pool *pgxpool.Pool, masterKey, blindIndexKey []byte) (*Keys, error) {
	if len(masterKey) != 32 {
		return nil, fmt.Errorf("keys: master key is %d bytes, want 32", len(masterKey))
	}
	if len(blindIndexKey) < 32 {
		return nil, fmt.Errorf("keys: blind-index key is %d bytes, want at least 32", len(blindIndexKey))
	}
	master, err := newGCM(masterKey)
	if err != nil {
		return nil, err
	}
	return &Keys{pool: pool, master: master, blindKey: append([]byte(nil), blindIndexKey...)}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
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
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	return k.cipher(tenant, owner, raw)
}

func (k *Keys) cipher(tenant string, owner uuid.UUID, raw []byte) (*Cipher, error) {
	aead, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	return &Cipher{keys: k, tenant: tenant, owner: owner, raw: raw, aead: aead}, nil
}

func (k *Keys) wrap(c *Cipher) []byte {
	nonce := make([]byte, k.master.NonceSize(), k.master.NonceSize()+len(c.raw)+k.master.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k.master.Seal(nonce, nonce, c.raw, wrapAAD(c.owner))
}

func (k *Keys) unwrap(tenant string, owner uuid.UUID, wrapped []byte) (*Cipher, error) {
	n := k.master.NonceSize()
	if len(wrapped) < n {
		return nil, fmt.Errorf("keys: wrapped key of %s is too short", owner)
	}
	raw, err := k.master.Open(nil, wrapped[:n], wrapped[n:], wrapAAD(owner))
	if err != nil {
		return nil, fmt.Errorf("keys: unwrap key of %s (wrong master key?): %w", owner, err)
	}
	return k.cipher(tenant, owner, raw)
}

func wrapAAD(owner uuid.UUID) []byte { return []byte("doudi.data_key." + owner.String()) }

// StoreKey stores c's key unless owner already has one, and returns the
// stored key's cipher (the existing one for a retried registration).
//
// Like Reserve, the key's statement commits without waiting for its WAL
// flush: the append that uses the key commits synchronously after it, and WAL
// is flushed in order, so the key is durable before anything sealed with it.
func (k *Keys) StoreKey(ctx context.Context, c *Cipher) (*Cipher, error) {
	var wrapped []byte
	err := k.pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO data_keys (owner_id, tenant, wrapped_key) VALUES ($1, $2, $3)
			ON CONFLICT (owner_id) DO NOTHING RETURNING wrapped_key)
		SELECT wrapped_key, set_config('synchronous_commit', 'off', true) FROM ins
		UNION ALL SELECT wrapped_key, '' FROM data_keys WHERE owner_id = $1
		LIMIT 1`, c.owner, c.tenant, k.wrap(c)).Scan(&wrapped, nil)
	if err != nil {
		return nil, fmt.Errorf("keys: store key of %s: %w", c.owner, err)
	}
	return k.unwrap(c.tenant, c.owner, wrapped)
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
	mine := k.wrap(c)
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
		c.owner, c.tenant, mine, blindIndex).Scan(&wrapped, &holder, &reservedAt, nil)
	if err != nil {
		return Reservation{}, fmt.Errorf("keys: reserve ID number for %s: %w", c.owner, err)
	}
	if wrapped == nil || holder == nil {
		// A concurrent statement committed a row this statement's snapshot
		// cannot see: read again.
		if err := k.pool.QueryRow(ctx, `SELECT (SELECT wrapped_key FROM data_keys WHERE owner_id = $1),
			(SELECT person_id FROM id_index WHERE tenant = $2 AND blind_index = $3),
			(SELECT reserved_at FROM id_index WHERE tenant = $2 AND blind_index = $3)`,
			c.owner, c.tenant, blindIndex).Scan(&wrapped, &holder, &reservedAt); err != nil {
			return Reservation{}, fmt.Errorf("keys: reserve ID number for %s: %w", c.owner, err)
		}
		if wrapped == nil || holder == nil {
			return Reservation{}, fmt.Errorf("keys: reserve ID number for %s: rows vanished; retry", c.owner)
		}
	}
	stored := c
	if !hmac.Equal(wrapped, mine) {
		if stored, err = k.unwrap(c.tenant, c.owner, wrapped); err != nil {
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

// Open returns owner's cipher, or ErrKeyErased when the key was deleted.
func (k *Keys) Open(ctx context.Context, tenant string, owner uuid.UUID) (*Cipher, error) {
	var wrapped []byte
	err := k.pool.QueryRow(ctx, `SELECT wrapped_key FROM data_keys WHERE owner_id = $1`, owner).Scan(&wrapped)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrKeyErased
	}
	if err != nil {
		return nil, fmt.Errorf("keys: read key of %s: %w", owner, err)
	}
	return k.unwrap(tenant, owner, wrapped)
}

// Erase deletes owner's key: crypto-shredding. Erasing twice is fine.
func (k *Keys) Erase(ctx context.Context, owner uuid.UUID) error {
	if _, err := k.pool.Exec(ctx, `DELETE FROM data_keys WHERE owner_id = $1`, owner); err != nil {
		return fmt.Errorf("keys: erase key of %s: %w", owner, err)
	}
	return nil
}

// Cipher seals and opens one owner's fields with the owner's data key. It is
// the domain.Sealer of that person or household.
type Cipher struct {
	keys   *Keys
	tenant string
	owner  uuid.UUID
	raw    []byte
	aead   cipher.AEAD
}

var _ domain.Sealer = (*Cipher)(nil)

// Owner is the person or household the key belongs to.
func (c *Cipher) Owner() uuid.UUID { return c.owner }

// Seal encrypts plaintext as "v1:" + base64(nonce || ciphertext), binding
// the owner and the field name as associated data, so that a sealed value
// cannot be moved to another person or field.
func (c *Cipher) Seal(field, plaintext string) (domain.Sealed, error) {
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plaintext)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := c.aead.Seal(nonce, nonce, []byte(plaintext), c.aad(field))
	return domain.Sealed(sealedPrefix + base64.StdEncoding.EncodeToString(out)), nil
}

// Open decrypts a value Seal returned for field; "" stays "".
func (c *Cipher) Open(field string, sealed domain.Sealed) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b64, ok := strings.CutPrefix(string(sealed), sealedPrefix)
	if !ok {
		return "", ErrNotSealed
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	n := c.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", ErrNotSealed
	}
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], c.aad(field))
	if err != nil {
		return "", ErrNotSealed
	}
	return string(plain), nil
}

func (c *Cipher) aad(field string) []byte { return []byte(c.owner.String() + "\x00" + field) }

// BlindIndex is the tenant's blind index of idNumber.
func (c *Cipher) BlindIndex(idNumber string) string { return c.keys.BlindIndex(c.tenant, idNumber) }
