// Package auth authenticates the gateway's callers by API key and decides
// what each may call. Keys are configured hashed (SHA-256, hex), each with a
// name, which the services see as the actor, and a role, which grants a fixed
// set of permissions.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Permissions. The services check sensitive:read themselves (it decides
// whether a VIEW_FULL read reveals anything); the gateway checks the others
// before a call leaves it.
const (
	BeneficiariesRead  = "beneficiaries:read"
	BeneficiariesWrite = "beneficiaries:write"
	MonitoringRead     = "monitoring:read"
	VisitsRead         = "visits:read"
	VisitsWrite        = "visits:write"
	SensitiveRead      = "sensitive:read"
	AuditRead          = "audit:read"
)

// Roles maps each role to the permissions it grants:
//
//	station_manager  everything: reads, writes, sensitive fields, the reveal audit log
//	social_worker    reads, writes, sensitive fields
//	partner          reads and writes, sensitive fields masked (a partner app);
//	                 visits, themes, cards, outreach, hotline and assignments
//	                 read only: that is the station's own fieldwork
//	civil_affairs    reads only, sensitive fields masked (the civil-affairs bureau's systems)
var Roles = map[string][]string{
	"station_manager": {BeneficiariesRead, BeneficiariesWrite, MonitoringRead, VisitsRead, VisitsWrite, SensitiveRead, AuditRead},
	"social_worker":   {BeneficiariesRead, BeneficiariesWrite, MonitoringRead, VisitsRead, VisitsWrite, SensitiveRead},
	"partner":         {BeneficiariesRead, BeneficiariesWrite, MonitoringRead, VisitsRead},
	"civil_affairs":   {BeneficiariesRead, MonitoringRead, VisitsRead},
}

// Principal is an authenticated caller.
type Principal struct {
	// Name is the key's name; the services record it as the actor.
	Name string
	// Role is the key's role, a key of Roles.
	Role string
}

// Permissions are the principal's role's permissions.
func (p Principal) Permissions() []string { return Roles[p.Role] }

// Can reports whether the principal holds permission.
func (p Principal) Can(permission string) bool {
	return slices.Contains(Roles[p.Role], permission)
}

// RolesMetadata is the value of the x-doudi-roles metadata: the role and its
// permissions, comma-separated ("social_worker,beneficiaries:read,…").
func (p Principal) RolesMetadata() string {
	return strings.Join(append([]string{p.Role}, p.Permissions()...), ",")
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal authenticated for ctx's request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Key is one configured API key.
type Key struct {
	Name string
	Role string
	hash [sha256.Size]byte
}

var keyName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$`)

// ParseKeys reads GATEWAY_API_KEYS entries, each "name:role:sha256hex".
func ParseKeys(entries []string) ([]Key, error) {
	var (
		keys  []Key
		errs  []error
		names = map[string]bool{}
		seen  = map[[sha256.Size]byte]bool{}
	)
	for i, e := range entries {
		parts := strings.Split(e, ":")
		if len(parts) != 3 {
			errs = append(errs, fmt.Errorf("entry %d: want name:role:sha256hex", i+1))
			continue
		}
		name, role, hexHash := parts[0], parts[1], strings.ToLower(parts[2])
		var k Key
		switch raw, err := hex.DecodeString(hexHash); {
		case !keyName.MatchString(name):
			errs = append(errs, fmt.Errorf("entry %d: name %q: 1–100 of A–Z a–z 0–9 . _ @ -", i+1, name))
		case Roles[role] == nil:
			errs = append(errs, fmt.Errorf("entry %d (%s): unknown role %q; roles are %s", i+1, name, role, strings.Join(RoleNames(), ", ")))
		case err != nil || len(raw) != sha256.Size:
			errs = append(errs, fmt.Errorf("entry %d (%s): the hash must be 64 hex digits (SHA-256 of the key; see `gateway hashkey`)", i+1, name))
		default:
			k = Key{Name: name, Role: role}
			copy(k.hash[:], raw)
			if names[name] {
				errs = append(errs, fmt.Errorf("entry %d: name %q is used twice", i+1, name))
			}
			if seen[k.hash] {
				errs = append(errs, fmt.Errorf("entry %d (%s): the same key is configured twice", i+1, name))
			}
			names[name], seen[k.hash] = true, true
			keys = append(keys, k)
		}
	}
	return keys, errors.Join(errs...)
}

// RoleNames lists the roles, sorted.
func RoleNames() []string {
	var out []string
	for r := range Roles {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// HashKey returns the hex SHA-256 of a key, as GATEWAY_API_KEYS holds it.
// A key is high-entropy random text (NewKey), so a plain hash suffices: a
// slow password hash would only slow down every request.
func HashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// NewKey returns a fresh random key: "doudi_" and 26 base32 characters
// (130 bits).
func NewKey() string { return "doudi_" + rand.Text() }

// Authenticator checks presented keys against the configured ones.
type Authenticator struct{ keys []Key }

// NewAuthenticator returns an authenticator for keys.
func NewAuthenticator(keys []Key) *Authenticator { return &Authenticator{keys: keys} }

// ErrNoKey and ErrBadKey are why a request is not authenticated.
var (
	ErrNoKey  = errors.New("an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>")
	ErrBadKey = errors.New("the API key is not valid")
)

// Authenticate finds the principal for a request's key, from
// "Authorization: Bearer <key>" or "X-API-Key: <key>".
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	key := r.Header.Get("X-API-Key")
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return Principal{}, ErrBadKey
		}
		key = strings.TrimSpace(token)
	}
	if key == "" {
		return Principal{}, ErrNoKey
	}
	return a.lookup(key)
}

// lookup compares the key's hash with every configured hash in constant
// time, without stopping at a match, so timing tells nothing about which
// keys exist.
func (a *Authenticator) lookup(key string) (Principal, error) {
	h := sha256.Sum256([]byte(key))
	found := -1
	for i := range a.keys {
		if subtle.ConstantTimeCompare(h[:], a.keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Principal{}, ErrBadKey
	}
	return Principal{Name: a.keys[found].Name, Role: a.keys[found].Role}, nil
}

// overrides are the methods whose permission is not their area's read or
// write.
var overrides = map[string]string{
	"/doudi.beneficiaries.v1.BeneficiariesService/ListSensitiveReads": AuditRead,
}

// Required is the permission a gRPC method needs, from its full name
// ("/doudi.beneficiaries.v1.BeneficiariesService/CreatePerson"): the
// area's ("beneficiaries") read permission for Get…, List… and Find…
// methods, its write permission for the others, unless overridden.
func Required(fullMethod string) string {
	if p, ok := overrides[fullMethod]; ok {
		return p
	}
	service, method, _ := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	parts := strings.Split(service, ".")
	area := "unknown"
	if len(parts) >= 3 && parts[0] == "doudi" {
		area = parts[1]
	}
	for _, read := range []string{"Get", "List", "Find"} {
		if strings.HasPrefix(method, read) {
			return area + ":read"
		}
	}
	return area + ":write"
}
