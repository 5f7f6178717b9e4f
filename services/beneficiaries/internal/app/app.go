// Package app holds the beneficiaries service's use cases, one file per
// command or query: load the aggregate, let the domain decide, store what it
// recorded. It owns the order of side effects that keep personal data safe:
// keys are stored before events that need them, ID numbers are reserved
// before a registration is appended, reads are audited before data is
// returned, and a forgotten person's key is erased before Forgotten is stored.
package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/audit"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/reference"
)

// RoleSensitiveRead is the role that may reveal sensitive fields.
const RoleSensitiveRead = "sensitive:read"

// Caller is who sends a request, as the gateway vouched for them.
type Caller = kit.Caller

// Errors the ports map to statuses.
var (
	// ErrUnknownTenant: no reference data is configured for the tenant.
	ErrUnknownTenant = reference.ErrUnknownTenant
	// ErrNotCaughtUp: the read model did not reflect a consistency token in time.
	ErrNotCaughtUp = errors.New("the list has not caught up with the write yet; retry")
)

// DuplicateIDNumberError: the tenant has a person with the ID number already.
type DuplicateIDNumberError struct {
	Tenant   string
	PersonID uuid.UUID
}

func (e *DuplicateIDNumberError) Error() string {
	return fmt.Sprintf("a person with this ID number is already registered: tenants/%s/persons/%s", e.Tenant, e.PersonID)
}

// ExistsError: a resource with the client-chosen id exists already.
type ExistsError struct{ Resource string }

func (e *ExistsError) Error() string { return e.Resource + " already exists" }

// Deps are what the use cases run on.
type Deps struct {
	Store      *eventstore.Store
	Persons    postgres.Persons
	Households postgres.Households
	Keys       *postgres.Keys
	Audit      audit.Log
	Requests   postgres.Requests
	View       postgres.PersonsView
	// Reference is each tenant's reference data.
	Reference reference.Tenants
	// Now is the clock.
	Now func() time.Time
	// ConsistencyWait bounds how long a list waits for a consistency token.
	ConsistencyWait time.Duration
}

// App is the service's use cases over its adapters.
type App struct {
	Deps

	// villages caches each household's village: a household never changes
	// village, so the cache cannot go stale.
	villages sync.Map // uuid.UUID → string
}

// New returns an App; Now defaults to time.Now, ConsistencyWait to 5s.
func New(d Deps) *App {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.ConsistencyWait <= 0 {
		d.ConsistencyWait = 5 * time.Second
	}
	return &App{Deps: d}
}

func (a *App) reference(tenant string) (*reference.Data, error) { return a.Reference.Get(tenant) }

func (a *App) metadata(tenant string, c Caller) eventstore.Metadata { return c.Metadata(tenant) }

// Token is the consistency token of a write to stream at version.
func Token(stream eventstore.StreamID, version int64) string {
	return projection.Token{Service: postgres.ServiceName, Stream: string(stream), Version: version}.String()
}

// idFor is the id of a new resource (aggregate.NewID).
func idFor(given, field, tenant string, c Caller) (uuid.UUID, error) {
	return aggregate.NewID(given, field, tenant, c.RequestID)
}

// expectation turns a client's etag into the version the write must find.
func expectation(etag string, stream eventstore.StreamID, loaded int64) error {
	return aggregate.CheckEtag(etag, stream, loaded)
}

// ---------------------------------------------------------------------------
// What reads return
// ---------------------------------------------------------------------------

// PersonDetails is a person as a read or a write returns them.
type PersonDetails struct {
	ID           uuid.UUID
	Tenant       string
	HouseholdID  uuid.UUID
	Village      string
	Name         string
	Gender       identity.Gender
	BirthDate    string
	IDNumber     string // masked unless Revealed
	Phone        string
	Address      string
	HealthNotes  string
	Relationship person.Relationship
	Categories   []string
	RegisteredOn string
	Tier         *person.Assessment
	Status       person.Status
	SocialWorker string
	Revealed     bool
	Version      int64
	Created      time.Time
	Updated      time.Time
}

// PersonResult is what a write to a person returns.
type PersonResult struct {
	Person           PersonDetails
	ConsistencyToken string
}

// sensitiveFields are the fields a reveal returns in clear.
var sensitiveFields = []string{"id_number", "phone", "address", "health_notes"}

// details builds a person's details; with c (the person's cipher) the
// sensitive fields are opened, and revealed or masked. A forgotten person
// has none.
func details(p *person.Person, t postgres.Times, c *postgres.Cipher, reveal bool) (PersonDetails, error) {
	d := PersonDetails{
		ID: p.ID(), Tenant: p.Tenant(), HouseholdID: p.HouseholdID(), Village: p.Village(), Name: p.Name(),
		Gender: p.Gender(), Relationship: p.Relationship(), Categories: p.Categories(),
		RegisteredOn: p.RegisteredOn().String(), Status: p.Status(), SocialWorker: p.SocialWorker(),
		Version: p.Version(), Created: t.Created, Updated: t.Updated,
	}
	if !p.BirthDate().IsZero() {
		d.BirthDate = p.BirthDate().String()
	}
	if a, ok := p.Tier(); ok {
		d.Tier = &a
	}
	if p.Status() == person.StatusForgotten || c == nil {
		return d, nil
	}
	s := p.Sensitive()
	var err error
	open := func(field string, v domain.Sealed) string {
		if err != nil {
			return ""
		}
		var plain string
		plain, err = c.Open(field, v)
		return plain
	}
	id, phone, address, notes := open("id_number", s.IDNumber), open("phone", s.Phone), open("address", s.Address), open("health_notes", s.HealthNotes)
	if err != nil {
		return d, fmt.Errorf("open personal data of %s: %w", p.ID(), err)
	}
	if reveal {
		d.IDNumber, d.Phone, d.Address, d.HealthNotes, d.Revealed = id, phone, address, notes, true
		return d, nil
	}
	d.IDNumber, d.Phone, d.Address, d.HealthNotes = identity.MaskIDNumber(id), identity.MaskPhone(phone), maskText(address), maskText(notes)
	return d, nil
}

// maskText hides free text entirely: its shape says too much.
func maskText(s string) string {
	if s == "" {
		return ""
	}
	return "***"
}

// openCipher returns the person's cipher, or nil for a forgotten person.
func (a *App) openCipher(ctx context.Context, p *person.Person) (*postgres.Cipher, error) {
	if p.Status() == person.StatusForgotten {
		return nil, nil
	}
	c, err := a.Keys.Open(ctx, p.Tenant(), p.ID())
	if errors.Is(err, postgres.ErrKeyErased) {
		// Forget erased the key but did not get to store Forgotten: the
		// person is forgotten in all but name.
		return nil, person.ErrPersonForgotten
	}
	return c, err
}

// loadPerson loads a person of tenant; another tenant's person is not found.
func (a *App) loadPerson(ctx context.Context, tenant string, id uuid.UUID) (*person.Person, postgres.Times, error) {
	p, t, err := a.Persons.Load(ctx, id)
	if err != nil {
		return nil, t, err
	}
	if p.Tenant() != tenant {
		return nil, t, person.ErrNotRegistered
	}
	return p, t, nil
}

// PersonCommand names the person a command is for, and how to write.
type PersonCommand struct {
	Tenant   string
	PersonID uuid.UUID
	Etag     string
	Caller   Caller
}

// changePerson runs decide on the person and stores what it recorded. With
// sealing, decide gets the person's cipher. A retried request (same request
// id) returns the person as they are, writing nothing.
func (a *App) changePerson(ctx context.Context, cmd PersonCommand, sealing bool,
	decide func(p *person.Person, c *postgres.Cipher) error) (PersonResult, error) {
	if _, err := a.reference(cmd.Tenant); err != nil {
		return PersonResult{}, err
	}
	stream := postgres.PersonStream(cmd.PersonID)
	if cmd.Caller.RequestID != "" {
		if r, done, err := a.replayed(ctx, cmd, stream); done || err != nil {
			return r, err
		}
	}
	p, t, err := a.loadPerson(ctx, cmd.Tenant, cmd.PersonID)
	if err != nil {
		return PersonResult{}, err
	}
	if err := expectation(cmd.Etag, stream, p.Version()); err != nil {
		return PersonResult{}, err
	}
	var c *postgres.Cipher
	if p.Status() != person.StatusForgotten {
		if c, err = a.openCipher(ctx, p); err != nil {
			return PersonResult{}, err
		}
	}
	if sealing && c == nil {
		// Only a forgotten person has no key; the domain refuses them.
		c, _ = a.Keys.NewCipher(cmd.Tenant, cmd.PersonID)
	}
	if err := decide(p, c); err != nil {
		return PersonResult{}, err
	}
	if len(p.Uncommitted()) == 0 {
		d, err := details(p, t, c, false)
		return PersonResult{Person: d, ConsistencyToken: Token(stream, p.Version())}, err
	}
	res, err := a.Persons.Save(ctx, p, eventstore.Exactly(eventstore.Version(p.Version())), a.metadata(cmd.Tenant, cmd.Caller))
	if err != nil {
		return PersonResult{}, err
	}
	// Reload rather than patch: the stored history is the truth, and a
	// replayed request returns what the first one wrote.
	p, t, err = a.loadPerson(ctx, cmd.Tenant, cmd.PersonID)
	if err != nil {
		return PersonResult{}, err
	}
	if p.Status() == person.StatusForgotten {
		c = nil
	}
	d, err := details(p, t, c, false)
	return PersonResult{Person: d, ConsistencyToken: Token(stream, int64(res.Version))}, err
}

// replayed returns the person as they are when cmd's request id was already
// used for their stream.
func (a *App) replayed(ctx context.Context, cmd PersonCommand, stream eventstore.StreamID) (PersonResult, bool, error) {
	seen, version, ok, err := a.Requests.Seen(ctx, cmd.Caller.RequestID)
	if err != nil || !ok {
		return PersonResult{}, false, err
	}
	if seen != string(stream) {
		return PersonResult{}, true, domain.FieldErrors{{Field: "request_id", Reason: "was already used for another resource"}}
	}
	r, err := a.readPerson(ctx, cmd.Tenant, cmd.PersonID)
	if err != nil {
		return PersonResult{}, true, err
	}
	r.ConsistencyToken = Token(stream, version)
	return r, true, nil
}

// readPerson loads a person with masked sensitive fields.
func (a *App) readPerson(ctx context.Context, tenant string, id uuid.UUID) (PersonResult, error) {
	p, t, err := a.loadPerson(ctx, tenant, id)
	if err != nil {
		return PersonResult{}, err
	}
	c, err := a.openCipher(ctx, p)
	if err != nil && !errors.Is(err, person.ErrPersonForgotten) {
		return PersonResult{}, err
	}
	d, err := details(p, t, c, false)
	return PersonResult{Person: d, ConsistencyToken: Token(postgres.PersonStream(id), p.Version())}, err
}

// village is the village of a household of tenant.
func (a *App) village(ctx context.Context, tenant string, id uuid.UUID) (string, error) {
	if v, ok := a.villages.Load(id); ok {
		tv := v.([2]string)
		if tv[0] == tenant {
			return tv[1], nil
		}
		return "", household.ErrNotRegistered
	}
	h, _, err := a.Households.Load(ctx, id)
	if err != nil {
		return "", err
	}
	a.villages.Store(id, [2]string{h.Tenant(), h.Village()})
	if h.Tenant() != tenant {
		return "", household.ErrNotRegistered
	}
	return h.Village(), nil
}
