// Package app holds the visits service's use cases, one file per command or
// query: load the aggregate, check what it names against the service's local
// views (persons and households of the beneficiaries register, the tenant's
// villages, card editions, calls), let the domain decide, store what it
// recorded (platform aggregate.Repository). It owns the order of side effects
// that keep notes safe: a data key is stored before anything sealed with it,
// a reveal is audited before data is returned, and the notes of a visit or
// call that names a forgotten person are shredded.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/audit"
	"github.com/doudi-platform/doudi/services/platform/datakeys"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/reference"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

// RoleSensitiveRead is the role that may reveal notes and callers' numbers.
const RoleSensitiveRead = "sensitive:read"

// Caller is who sends a request, as the gateway vouched for them.
type Caller = kit.Caller

// Masked is what a sealed field shows to a caller who may not, or did not
// ask to, see it.
const Masked = "***"

// Errors the ports map to statuses.
var (
	// ErrUnknownTenant: no reference data is configured for the tenant.
	ErrUnknownTenant = reference.ErrUnknownTenant
	// ErrNotCaughtUp: the index did not reflect a consistency token in time.
	ErrNotCaughtUp = errors.New("the list has not caught up with the write yet; retry")
	// ErrRevealNotAllowed: the caller asked for sensitive fields without the permission.
	ErrRevealNotAllowed = errors.New("the caller may not reveal notes or callers' numbers")
)

// ReferenceErrors are fields that name something that does not exist in the
// tenant or may not be named in its state (an exited person, a retired card
// edition): FAILED_PRECONDITION with the fields named, nothing written.
type ReferenceErrors domainkit.FieldErrors

func (e ReferenceErrors) Error() string {
	return "refers to what cannot be used: " + domainkit.FieldErrors(e).Error()
}

func (e *ReferenceErrors) add(field, reason string) {
	*e = append(*e, &domainkit.FieldError{Field: field, Reason: reason})
}

func (e ReferenceErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Deps are what the use cases run on.
type Deps struct {
	Repos postgres.Repositories
	Index postgres.Index
	Keys  *datakeys.Keys
	Audit audit.Log
	// Reference is each tenant's reference data (villages).
	Reference reference.Tenants
	// Hotline is the follow-up policy of calls.
	Hotline hotline.Policy
	// Now is the clock.
	Now func() time.Time
	// ConsistencyWait bounds how long a list waits for a consistency token.
	ConsistencyWait time.Duration
	// PersonWait bounds how long a command waits for a person registered a
	// moment ago to reach the local persons view.
	PersonWait time.Duration
}

// App is the service's use cases over its adapters.
type App struct{ Deps }

// New returns an App with defaults for the zero values.
func New(d Deps) *App {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.ConsistencyWait <= 0 {
		d.ConsistencyWait = 5 * time.Second
	}
	if d.PersonWait <= 0 {
		d.PersonWait = 2 * time.Second
	}
	if d.Hotline == (hotline.Policy{}) {
		d.Hotline = hotline.DefaultPolicy
	}
	return &App{Deps: d}
}

func (a *App) reference(tenant string) (*reference.Data, error) { return a.Reference.Get(tenant) }

// checkVillage adds a reference error when village is not one of tenant's.
// An empty or malformed code is left to the domain's validation.
func (a *App) checkVillage(errs *ReferenceErrors, ref *reference.Data, field, village string) {
	if village == "" {
		return
	}
	if _, err := domainkit.ParseID(village); err != nil {
		return
	}
	for _, v := range ref.Villages {
		if v.Code == village {
			return
		}
	}
	errs.add(field, fmt.Sprintf("is not a village of %s", ref.Tenant))
}

// checkPersons adds a reference error for each person that the local view of
// the register does not know in tenant, or knows as exited or forgotten. A
// person registered a moment ago may not have reached the view yet: unknown
// persons are looked up again until PersonWait has passed.
func (a *App) checkPersons(ctx context.Context, errs *ReferenceErrors, tenant, field string, ids []string, activeOnly bool) error {
	var wanted []string
	for _, id := range ids {
		if _, err := domainkit.ParseID(id); err == nil {
			wanted = append(wanted, id)
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	deadline := time.Now().Add(a.PersonWait)
	for {
		known, err := a.Index.Persons(ctx, tenant, wanted)
		if err != nil {
			return err
		}
		missing := slices.ContainsFunc(wanted, func(id string) bool { _, ok := known[id]; return !ok })
		if !missing || time.Now().After(deadline) {
			for i, id := range ids {
				at := field
				if field == "person_ids" {
					at = field + "[" + strconv.Itoa(i) + "]"
				}
				p, ok := known[id]
				switch {
				case !slices.Contains(wanted, id):
				case !ok || p.Status == postgres.PersonForgotten:
					errs.add(at, "is not a registered person of "+tenant)
				case activeOnly && p.Status == postgres.PersonExited:
					errs.add(at, "has exited the register")
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkHousehold adds a reference error when the household is not known in
// tenant.
func (a *App) checkHousehold(ctx context.Context, errs *ReferenceErrors, tenant, field, id string) error {
	if id == "" {
		return nil
	}
	if _, err := domainkit.ParseID(id); err != nil {
		return nil
	}
	deadline := time.Now().Add(a.PersonWait)
	for {
		_, ok, err := a.Index.Household(ctx, tenant, id)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			errs.add(field, "is not a registered household of "+tenant)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkEditions adds a reference error for each handout of an edition that
// is not published in tenant or not in effect on day.
func (a *App) checkEditions(ctx context.Context, errs *ReferenceErrors, tenant, field string, cards []cardedition.Handout, day domainkit.Date) error {
	for i, h := range cards {
		if h.Edition < 1 || h.Edition > cardedition.MaxRevision {
			continue // the domain names it
		}
		l, err := a.Repos.Editions.Load(ctx, postgres.EditionStream(tenant, h.Edition))
		if err != nil {
			return err
		}
		at := field + "[" + strconv.Itoa(i) + "].edition"
		switch {
		case l.Version == 0:
			errs.add(at, fmt.Sprintf("edition %d is not published", h.Edition))
		case !day.IsZero() && !l.Aggregate.InEffectOn(day):
			errs.add(at, fmt.Sprintf("edition %d was not in effect on %s", h.Edition, day))
		}
	}
	return nil
}

// sealer seals one owner's (visit's or call's) fields, storing the owner's
// data key the first time something is sealed.
type sealer struct {
	ctx    context.Context
	keys   *datakeys.Keys
	tenant string
	owner  uuid.UUID
	c      *datakeys.Cipher
}

func (a *App) sealer(ctx context.Context, tenant string, owner uuid.UUID) *sealer {
	return &sealer{ctx: ctx, keys: a.Keys, tenant: tenant, owner: owner}
}

func (s *sealer) Seal(field, plaintext string) (domainkit.Sealed, error) {
	if s.c == nil {
		// StoreKey keeps a key the owner already has and returns it: one
		// statement whether or not this is the owner's first sealed field.
		c, err := s.keys.NewCipher(s.tenant, s.owner)
		if err == nil {
			c, err = s.keys.StoreKey(s.ctx, c)
		}
		if err != nil {
			return "", err
		}
		s.c = c
	}
	return s.c.Seal(field, plaintext)
}

// Reveal asks for sensitive fields in clear.
type Reveal struct {
	Full    bool   // the caller asked for them
	Purpose string // why; required with Full
	Method  string // the API method, for the audit
}

// opener shows sealed fields of one owner: in clear when revealed, masked
// otherwise, and not at all once shredded.
type opener struct {
	c        *datakeys.Cipher // set when revealing
	masked   bool
	shredded bool
}

func (o opener) show(field string, v domainkit.Sealed) (string, error) {
	switch {
	case v == "" || o.shredded:
		return "", nil
	case o.masked:
		return Masked, nil
	}
	return o.c.Open(field, v)
}

// openFor prepares to show an owner's sealed fields. With persons named it
// first shreds the key if any of them was forgotten. A masked view needs no
// key; a full view is checked against the caller's roles and audited before
// the key is read.
func (a *App) openFor(ctx context.Context, tenant, resource string, owner uuid.UUID, persons []string, r Reveal, c Caller, fields []string) (opener, error) {
	forgotten, err := a.Index.Forgotten(ctx, persons)
	if err != nil {
		return opener{}, err
	}
	if len(forgotten) > 0 {
		return opener{shredded: true}, a.Keys.Erase(ctx, owner)
	}
	if !r.Full {
		return opener{masked: true}, nil
	}
	if !c.HasRole(RoleSensitiveRead) {
		return opener{}, ErrRevealNotAllowed
	}
	purpose, err := domainkit.Text(r.Purpose, domainkit.MaxShort*2, true, false)
	if err != nil {
		return opener{}, domainkit.Invalid("purpose", err)
	}
	if _, err := a.Audit.Record(ctx, audit.SensitiveRead{Tenant: tenant, Subject: owner, Resource: resource,
		Actor: c.Actor, Fields: fields, Purpose: purpose, Method: r.Method}); err != nil {
		return opener{}, err
	}
	key, err := a.Keys.Open(ctx, tenant, owner)
	if errors.Is(err, datakeys.ErrKeyErased) {
		return opener{shredded: true}, nil // shredded by a sweep, or never stored
	}
	if err != nil {
		return opener{}, err
	}
	return opener{c: key}, nil
}

// EraseForgotten shreds the data keys of every visit and call that names a
// person the register has forgotten. The service runs it periodically; reads
// also shred on the spot.
func (a *App) EraseForgotten(ctx context.Context) (int, error) {
	owners, err := a.Index.ForgottenOwners(ctx)
	if err != nil || len(owners) == 0 {
		return 0, err
	}
	return len(owners), a.Keys.Erase(ctx, owners...)
}

// waitFor waits for a consistency token, if one was given.
func (a *App) waitFor(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := a.Index.WaitFor(ctx, token, a.ConsistencyWait)
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrNotCaughtUp
	}
	return err
}

// pageSize applies the API's page sizes: 50 by default, at most 1000.
func pageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, domainkit.FieldErrors{{Field: "page_size", Reason: "must not be negative"}}
	case n == 0:
		return 50, nil
	case n > 1000:
		return 1000, nil
	}
	return int(n), nil
}
