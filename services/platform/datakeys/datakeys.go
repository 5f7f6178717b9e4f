// Package datakeys seals a service's sensitive fields with per-owner data
// keys (crypto-shredding): every owner — a person, a household, a visit, a
// hotline call — has its own AES-256-GCM key, stored in the service's
// database wrapped by a master key from configuration. Erasing the key row
// makes everything sealed with it unreadable while the events stay.
//
// Keys are not cached in memory, so that erasing a key row shreds the data
// for every replica at once.
package datakeys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/migrate"
)

// ErrKeyErased is returned for an owner whose data key was deleted: what was
// sealed with it is gone.
var ErrKeyErased = errors.New("data key erased: personal data was forgotten")

// ErrNotSealed is returned by Open for a value that is not in the sealed
// format, or that does not authenticate under the owner's key and field.
var ErrNotSealed = errors.New("value is not sealed with this key")

const sealedPrefix = "v1:"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates the data_keys table.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.UpDir(ctx, pool, "datakeys", migrations, "migrations")
}

// Keys is the key store over one database's data_keys table.
type Keys struct {
	pool   *pgxpool.Pool
	master cipher.AEAD
}

// New returns the key store over pool; masterKey is 32 bytes.
func New(pool *pgxpool.Pool, masterKey []byte) (*Keys, error) {
	if len(masterKey) != 32 {
		return nil, fmt.Errorf("datakeys: master key is %d bytes, want 32", len(masterKey))
	}
	master, err := newGCM(masterKey)
	if err != nil {
		return nil, err
	}
	return &Keys{pool: pool, master: master}, nil
}

// ParseMasterKey decodes a master key from configuration: base64 of exactly
// 32 bytes. variable names the setting in the error.
func ParseMasterKey(variable, b64 string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s: must be base64 of exactly 32 bytes", variable)
	}
	return k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Pool is the database the keys are stored in.
func (k *Keys) Pool() *pgxpool.Pool { return k.pool }

// NewCipher makes a fresh data key for owner, in memory only: store it with
// StoreKey (or a service's own statement over Wrap) before anything sealed
// with it is appended.
func (k *Keys) NewCipher(tenant string, owner uuid.UUID) (*Cipher, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	return newCipher(tenant, owner, raw)
}

func newCipher(tenant string, owner uuid.UUID, raw []byte) (*Cipher, error) {
	aead, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	return &Cipher{tenant: tenant, owner: owner, aead: aead, raw: raw}, nil
}

// Wrap is c's key sealed by the master key, as stored in data_keys.
func (k *Keys) Wrap(c *Cipher) []byte {
	nonce := make([]byte, k.master.NonceSize(), k.master.NonceSize()+len(c.raw)+k.master.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k.master.Seal(nonce, nonce, c.raw, wrapAAD(c.owner))
}

// Unwrap opens a stored key of owner.
func (k *Keys) Unwrap(tenant string, owner uuid.UUID, wrapped []byte) (*Cipher, error) {
	n := k.master.NonceSize()
	if len(wrapped) < n {
		return nil, fmt.Errorf("datakeys: wrapped key of %s is too short", owner)
	}
	raw, err := k.master.Open(nil, wrapped[:n], wrapped[n:], wrapAAD(owner))
	if err != nil {
		return nil, fmt.Errorf("datakeys: unwrap key of %s (wrong master key?): %w", owner, err)
	}
	return newCipher(tenant, owner, raw)
}

func wrapAAD(owner uuid.UUID) []byte { return []byte("doudi.data_key." + owner.String()) }

// StoreKey stores c's key unless owner already has one, and returns the
// stored key's cipher (the existing one for a retried creation).
//
// The statement commits without waiting for its WAL flush: the append that
// uses the key commits synchronously after it, and WAL is flushed in order,
// so the key is durable before anything sealed with it.
func (k *Keys) StoreKey(ctx context.Context, c *Cipher) (*Cipher, error) {
	var wrapped []byte
	err := k.pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO data_keys (owner_id, tenant, wrapped_key) VALUES ($1, $2, $3)
			ON CONFLICT (owner_id) DO NOTHING RETURNING wrapped_key)
		SELECT wrapped_key, set_config('synchronous_commit', 'off', true) FROM ins
		UNION ALL SELECT wrapped_key, '' FROM data_keys WHERE owner_id = $1
		LIMIT 1`, c.owner, c.tenant, k.Wrap(c)).Scan(&wrapped, nil)
	if err != nil {
		return nil, fmt.Errorf("datakeys: store key of %s: %w", c.owner, err)
	}
	return k.Unwrap(c.tenant, c.owner, wrapped)
}

// Open returns owner's cipher, or ErrKeyErased when the key was deleted (or
// never stored).
func (k *Keys) Open(ctx context.Context, tenant string, owner uuid.UUID) (*Cipher, error) {
	var wrapped []byte
	err := k.pool.QueryRow(ctx, `SELECT wrapped_key FROM data_keys WHERE owner_id = $1`, owner).Scan(&wrapped)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrKeyErased
	}
	if err != nil {
		return nil, fmt.Errorf("datakeys: read key of %s: %w", owner, err)
	}
	return k.Unwrap(tenant, owner, wrapped)
}

// Erase deletes the owners' keys: crypto-shredding. Erasing twice is fine.
func (k *Keys) Erase(ctx context.Context, owners ...uuid.UUID) error {
	if len(owners) == 0 {
		return nil
	}
	if _, err := k.pool.Exec(ctx, `DELETE FROM data_keys WHERE owner_id = ANY($1)`, owners); err != nil {
		return fmt.Errorf("datakeys: erase keys: %w", err)
	}
	return nil
}

// Cipher seals and opens one owner's fields with the owner's data key. It is
// the domainkit.Sealer of that owner.
type Cipher struct {
	tenant string
	owner  uuid.UUID
	raw    []byte
	aead   cipher.AEAD
}

var _ domainkit.Sealer = (*Cipher)(nil)

// Owner is whom the key belongs to.
func (c *Cipher) Owner() uuid.UUID { return c.owner }

// Tenant is the owner's tenant.
func (c *Cipher) Tenant() string { return c.tenant }

// Seal encrypts plaintext as "v1:" + base64(nonce || ciphertext), binding
// the owner and the field name as associated data, so that a sealed value
// cannot be moved to another owner or field.
func (c *Cipher) Seal(field, plaintext string) (domainkit.Sealed, error) {
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plaintext)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := c.aead.Seal(nonce, nonce, []byte(plaintext), c.aad(field))
	return domainkit.Sealed(sealedPrefix + base64.StdEncoding.EncodeToString(out)), nil
}

// Open decrypts a value Seal returned for field; "" stays "".
func (c *Cipher) Open(field string, sealed domainkit.Sealed) (string, error) {
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
