package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// RegisterPerson registers a person in a household.
type RegisterPerson struct {
	Tenant       string
	PersonID     string // optional
	HouseholdID  string
	Name         string
	Gender       string
	BirthDate    string
	IDNumber     string
	Phone        string
	Address      string
	HealthNotes  string
	Relationship string
	Categories   []string
	RegisteredOn string
	Caller       Caller
}

// staleReservation is how old a reservation of an ID number must be, with no
// registration behind it, before another registration may take it over: a
// younger one may belong to a registration still in flight.
const staleReservation = 30 * time.Second

// RegisterPerson validates and seals the person with a fresh data key, then
// stores the key and reserves the ID number's blind index (one statement),
// then appends the registration. A duplicate ID number is refused naming
// the person who holds it; a failed append releases the reservation.
func (a *App) RegisterPerson(ctx context.Context, cmd RegisterPerson) (PersonResult, error) {
	ref, err := a.reference(cmd.Tenant)
	if err != nil {
		return PersonResult{}, err
	}
	var errs domain.FieldErrors
	id, err := idFor(cmd.PersonID, "person_id", cmd.Tenant, cmd.Caller)
	errs.Add("person_id", err)
	hid, err := idFor(cmd.HouseholdID, "household_id", cmd.Tenant, Caller{})
	if cmd.HouseholdID == "" {
		err = domain.FieldErrors{{Field: "household_id", Reason: "is required"}}
	}
	errs.Add("household_id", err)
	var village string
	if err == nil {
		village, err = a.village(ctx, cmd.Tenant, hid)
		if errors.Is(err, household.ErrNotRegistered) {
			errs.Add("household_id", errors.New("is not a household of this tenant"))
		} else if err != nil {
			return PersonResult{}, err
		}
	}
	if err := errs.Err(); err != nil {
		return PersonResult{}, err
	}
	c, err := a.Keys.NewCipher(cmd.Tenant, id)
	if err != nil {
		return PersonResult{}, err
	}
	dc := person.RegisterPerson{
		PersonID: id, HouseholdID: hid, Village: village, Name: cmd.Name, Gender: cmd.Gender,
		BirthDate: cmd.BirthDate, IDNumber: cmd.IDNumber, Phone: cmd.Phone, Address: cmd.Address,
		HealthNotes: cmd.HealthNotes, Relationship: cmd.Relationship, Categories: cmd.Categories,
		RegisteredOn: cmd.RegisteredOn,
	}
	now := a.Now()
	p, err := person.Register(dc, ref, c, now)
	if err != nil {
		return PersonResult{}, err
	}
	index := p.IDNumberIndex()
	res, err := a.Keys.Reserve(ctx, c, index)
	if err != nil {
		return PersonResult{}, err
	}
	if res.Cipher != c {
		// A retry of a registration whose key is stored: seal with that key.
		c = res.Cipher
		if p, err = person.Register(dc, ref, c, now); err != nil {
			return PersonResult{}, err
		}
	}
	if res.Holder != id {
		took, err := a.takeOverIfStale(ctx, cmd.Tenant, index, res, id)
		if err != nil {
			return PersonResult{}, err
		}
		if !took {
			return PersonResult{}, &DuplicateIDNumberError{Tenant: cmd.Tenant, PersonID: res.Holder}
		}
	}
	stream := postgres.PersonStream(id)
	app, err := a.Persons.Save(ctx, p, eventstore.NoStream, a.metadata(cmd.Tenant, cmd.Caller))
	if err != nil {
		var conflict *eventstore.ConflictError
		if errors.As(err, &conflict) {
			// The person id is taken. The reservation is ours only if that
			// person does not hold this ID number: leave it to them if so.
			if existing, _, lerr := a.Persons.Load(ctx, id); lerr == nil && existing.IDNumberIndex() == index {
				return PersonResult{}, &DuplicateIDNumberError{Tenant: cmd.Tenant, PersonID: id}
			}
			a.release(ctx, cmd.Tenant, index, id)
			return PersonResult{}, &ExistsError{Resource: "tenants/" + cmd.Tenant + "/persons/" + id.String()}
		}
		a.release(ctx, cmd.Tenant, index, id)
		return PersonResult{}, err
	}
	if app.Replayed {
		return a.readPerson(ctx, cmd.Tenant, id)
	}
	t := postgres.Times{Created: app.RecordedAt, Updated: app.RecordedAt}
	// Build the reply from the recorded state: no need to read it back.
	fresh, err := person.Replay(p.Uncommitted())
	if err != nil {
		return PersonResult{}, err
	}
	d, err := details(fresh, t, c, false)
	return PersonResult{Person: d, ConsistencyToken: Token(stream, int64(app.Version))}, err
}

// takeOverIfStale moves a reservation whose holder never registered (its
// registration failed after reserving, and could not release) to id.
func (a *App) takeOverIfStale(ctx context.Context, tenant, index string, res postgres.Reservation, id uuid.UUID) (bool, error) {
	head, err := a.Store.Head(ctx, postgres.PersonStream(res.Holder))
	if err != nil || head > 0 || a.Now().Sub(res.ReservedAt) < staleReservation {
		return false, err
	}
	return a.Keys.TakeOver(ctx, tenant, index, res.Holder, id)
}

// release gives up a reservation after a failed append; if even that fails,
// the reservation goes stale and a later registration takes it over.
func (a *App) release(ctx context.Context, tenant, index string, id uuid.UUID) {
	_ = a.Keys.Release(context.WithoutCancel(ctx), tenant, index, id)
}
