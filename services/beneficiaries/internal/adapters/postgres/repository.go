package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates the service's own tables (keys, blind index, audit).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return migrate.Up(ctx, pool, "beneficiaries", sub)
}

// PersonStream is the stream of a person's events.
func PersonStream(id uuid.UUID) eventstore.StreamID {
	return eventstore.StreamID("person-" + id.String())
}

// HouseholdStream is the stream of a household's events.
func HouseholdStream(id uuid.UUID) eventstore.StreamID {
	return eventstore.StreamID("household-" + id.String())
}

// Times are when a stream was created and last changed (recorded time).
type Times struct{ Created, Updated time.Time }

// Persons loads and saves person aggregates in the event store.
type Persons struct{ Store *eventstore.Store }

// Load replays a person's events; person.ErrNotRegistered if there are none.
// The aggregate's Version is the stream's version.
func (r Persons) Load(ctx context.Context, id uuid.UUID) (*person.Person, Times, error) {
	var history []person.Event
	var t Times
	for rec, err := range r.Store.Load(ctx, PersonStream(id), 0) {
		if err != nil {
			return nil, t, err
		}
		e, err := DecodePerson(rec.Type, rec.Data)
		if err != nil {
			return nil, t, err
		}
		if len(history) == 0 {
			t.Created = rec.RecordedAt
		}
		t.Updated = rec.RecordedAt
		history = append(history, e)
	}
	if len(history) == 0 {
		return nil, t, person.ErrNotRegistered
	}
	p, err := person.Replay(history)
	if err != nil {
		return nil, t, fmt.Errorf("replay person %s: %w", id, err)
	}
	return p, t, nil
}

// Save appends the person's uncommitted events if the stream is still at
// expected (a *eventstore.ConflictError otherwise).
func (r Persons) Save(ctx context.Context, p *person.Person, expected eventstore.Expected, md eventstore.Metadata) (eventstore.AppendResult, error) {
	envs := make([]eventstore.Envelope, 0, len(p.Uncommitted()))
	for _, e := range p.Uncommitted() {
		env, err := encode(e, md)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		envs = append(envs, env)
	}
	return r.Store.Append(ctx, PersonStream(p.ID()), expected, envs...)
}

// Households loads and saves household aggregates in the event store.
type Households struct{ Store *eventstore.Store }

// Load replays a household's events; household.ErrNotRegistered if none.
func (r Households) Load(ctx context.Context, id uuid.UUID) (*household.Household, Times, error) {
	var history []household.Event
	var t Times
	for rec, err := range r.Store.Load(ctx, HouseholdStream(id), 0) {
		if err != nil {
			return nil, t, err
		}
		e, err := DecodeHousehold(rec.Type, rec.Data)
		if err != nil {
			return nil, t, err
		}
		if len(history) == 0 {
			t.Created = rec.RecordedAt
		}
		t.Updated = rec.RecordedAt
		history = append(history, e)
	}
	if len(history) == 0 {
		return nil, t, household.ErrNotRegistered
	}
	h, err := household.Replay(history)
	if err != nil {
		return nil, t, fmt.Errorf("replay household %s: %w", id, err)
	}
	return h, t, nil
}

// Save appends the household's uncommitted events if the stream is at expected.
func (r Households) Save(ctx context.Context, h *household.Household, expected eventstore.Expected, md eventstore.Metadata) (eventstore.AppendResult, error) {
	envs := make([]eventstore.Envelope, 0, len(h.Uncommitted()))
	for _, e := range h.Uncommitted() {
		env, err := encode(e, md)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		envs = append(envs, env)
	}
	return r.Store.Append(ctx, HouseholdStream(h.ID()), expected, envs...)
}
