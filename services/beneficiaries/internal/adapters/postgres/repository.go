package postgres

import (
	"context"
	"embed"
	"fmt"
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
	return migrate.UpDir(ctx, pool, "beneficiaries", migrations, "migrations")
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
	h, err := eventstore.LoadHistory(ctx, r.Store, PersonStream(id), DecodePerson)
	t := Times{Created: h.Created, Updated: h.Updated}
	if err != nil {
		return nil, t, err
	}
	if len(h.Events) == 0 {
		return nil, t, person.ErrNotRegistered
	}
	p, err := person.Replay(h.Events)
	if err != nil {
		return nil, t, fmt.Errorf("replay person %s: %w", id, err)
	}
	return p, t, nil
}

// Save appends the person's uncommitted events if the stream is still at
// expected (a *eventstore.ConflictError otherwise).
func (r Persons) Save(ctx context.Context, p *person.Person, expected eventstore.Expected, md eventstore.Metadata) (eventstore.AppendResult, error) {
	envs, err := eventstore.Encode(p.Uncommitted(), md)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return r.Store.Append(ctx, PersonStream(p.ID()), expected, envs...)
}

// Households loads and saves household aggregates in the event store.
type Households struct{ Store *eventstore.Store }

// Load replays a household's events; household.ErrNotRegistered if none.
func (r Households) Load(ctx context.Context, id uuid.UUID) (*household.Household, Times, error) {
	hist, err := eventstore.LoadHistory(ctx, r.Store, HouseholdStream(id), DecodeHousehold)
	t := Times{Created: hist.Created, Updated: hist.Updated}
	if err != nil {
		return nil, t, err
	}
	if len(hist.Events) == 0 {
		return nil, t, household.ErrNotRegistered
	}
	h, err := household.Replay(hist.Events)
	if err != nil {
		return nil, t, fmt.Errorf("replay household %s: %w", id, err)
	}
	return h, t, nil
}

// Save appends the household's uncommitted events if the stream is at expected.
func (r Households) Save(ctx context.Context, h *household.Household, expected eventstore.Expected, md eventstore.Metadata) (eventstore.AppendResult, error) {
	envs, err := eventstore.Encode(h.Uncommitted(), md)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return r.Store.Append(ctx, HouseholdStream(h.ID()), expected, envs...)
}
