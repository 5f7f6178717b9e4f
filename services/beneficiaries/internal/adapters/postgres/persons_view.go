package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// ServiceName is the service whose stream the persons view reads: its own.
const ServiceName = "beneficiaries"

// PersonsProjection is the read model behind ListPersons: one row per
// person with the fields the list filters on. It holds no sensitive data
// (no ID number, phone, address or notes), as the design requires of
// projections.
func PersonsProjection() projection.Projection {
	return projection.Projection{
		Name:    "persons",
		Sources: []projection.Source{{Service: ServiceName}},
		Setup: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `
				CREATE TABLE persons (
					person_id     uuid        PRIMARY KEY,
					tenant        text        NOT NULL,
					household_id  uuid        NOT NULL,
					name          text        NOT NULL,
					village       text        NOT NULL,
					categories    text[]      NOT NULL,
					tier          int         NOT NULL DEFAULT 0,
					status        text        NOT NULL,
					social_worker text        NOT NULL DEFAULT '',
					registered_on date        NOT NULL,
					registered_at timestamptz NOT NULL,
					version       bigint      NOT NULL,
					updated_at    timestamptz NOT NULL);
				CREATE INDEX persons_by_tenant  ON persons (tenant, person_id);
				CREATE INDEX persons_by_village ON persons (tenant, village, person_id);
				CREATE INDEX persons_by_tier    ON persons (tenant, tier, person_id);
				CREATE INDEX persons_by_status  ON persons (tenant, status, person_id);
				CREATE INDEX persons_by_worker  ON persons (tenant, social_worker, person_id);
				CREATE INDEX persons_by_category ON persons USING gin (categories);`)
			return err
		},
	}.Queueing(func(b *pgx.Batch, ev wire.Event) error {
		sql, args, err := personRowChange(ev)
		if err == nil && sql != "" {
			b.Queue(sql, args...)
		}
		return err
	})
}

// personRowChange is the statement that applies ev to the persons table, or
// "" for events the view does not show (households, monthly files).
func personRowChange(ev wire.Event) (string, []any, error) {
	if !strings.HasPrefix(ev.Type, "beneficiaries.person.") {
		return "", nil, nil
	}
	e, err := DecodePerson(ev.Type, ev.Data)
	if err != nil {
		return "", nil, err
	}
	v, at := int64(ev.StreamVersion), ev.RecordedTime
	const set = `, version = $2, updated_at = $3 WHERE person_id = $1`
	// Nothing the view shows changed; the version still moves on.
	const touch = `UPDATE persons SET version = $2, updated_at = $3 WHERE person_id = $1`
	switch e := e.(type) {
	case person.Registered:
		cats := slices.Clone(e.Categories)
		slices.Sort(cats)
		return `INSERT INTO persons (person_id, tenant, household_id, name, village, categories, status,
				registered_on, registered_at, version, updated_at)
			VALUES ($1, $4, $5, $6, $7, $8, 'active', $9, $3, $2, $3)`,
			[]any{e.PersonID, v, at, e.Tenant, e.HouseholdID, e.Name, e.Village, cats, e.RegisteredOn.String()}, nil
	case person.MovedHousehold:
		return `UPDATE persons SET household_id = $4, village = $5` + set, []any{e.PersonID, v, at, e.ToHousehold, e.Village}, nil
	case person.CategoryAdded:
		return `UPDATE persons SET categories = (SELECT array_agg(DISTINCT c ORDER BY c) FROM unnest(array_append(categories, $4)) c)` + set,
			[]any{e.PersonID, v, at, e.Category}, nil
	case person.CategoryRemoved:
		return `UPDATE persons SET categories = array_remove(categories, $4)` + set, []any{e.PersonID, v, at, e.Category}, nil
	case person.TierAssessed:
		return `UPDATE persons SET tier = $4` + set, []any{e.PersonID, v, at, int(e.Tier)}, nil
	case person.SocialWorkerAssigned:
		return `UPDATE persons SET social_worker = $4` + set, []any{e.PersonID, v, at, e.SocialWorker}, nil
	case person.Exited:
		return `UPDATE persons SET status = 'exited'` + set, []any{e.PersonID, v, at}, nil
	case person.Reinstated:
		return `UPDATE persons SET status = 'active'` + set, []any{e.PersonID, v, at}, nil
	case person.Forgotten:
		return `UPDATE persons SET status = 'forgotten', name = ''` + set, []any{e.PersonID, v, at}, nil
	case person.ContactDetailsChanged:
		return touch, []any{e.PersonID, v, at}, nil
	case person.HealthNotesChanged:
		return touch, []any{e.PersonID, v, at}, nil
	case person.MonthlyFileUpdated:
		return touch, []any{e.PersonID, v, at}, nil
	}
	return "", nil, nil
}

// PersonRow is one row of the persons view.
type PersonRow struct {
	PersonID     uuid.UUID
	Tenant       string
	HouseholdID  uuid.UUID
	Name         string
	Village      string
	Categories   []string
	Tier         int
	Status       string
	SocialWorker string
	RegisteredOn time.Time
	Version      int64
}

// PersonFilter selects rows of one tenant; empty or zero fields match all.
type PersonFilter struct {
	Tenant       string
	Village      string
	Category     string
	Tier         int
	Status       string
	SocialWorker string
}

// PersonsView queries the persons projection's live generation.
type PersonsView struct {
	Pool   *pgxpool.Pool
	Runner *projection.Runner
}

// List returns up to limit rows matching f with person_id after after, in
// person_id order (keyset pagination).
func (v PersonsView) List(ctx context.Context, f PersonFilter, after uuid.UUID, limit int) ([]PersonRow, error) {
	schema, err := v.Runner.ActiveSchema(ctx)
	if err != nil {
		return nil, err
	}
	where := []string{"tenant = $1", "person_id > $2"}
	args := []any{f.Tenant, after}
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Village != "" {
		add("village = $%d", f.Village)
	}
	if f.Category != "" {
		add("categories @> ARRAY[$%d::text]", f.Category)
	}
	if f.Tier != 0 {
		add("tier = $%d", f.Tier)
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.SocialWorker != "" {
		add("social_worker = $%d", f.SocialWorker)
	}
	args = append(args, limit)
	rows, err := v.Pool.Query(ctx, `SELECT person_id, tenant, household_id, name, village, categories, tier, status,
			social_worker, registered_on, version
		FROM `+pgx.Identifier{schema, "persons"}.Sanitize()+` WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY person_id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("persons view: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PersonRow, error) {
		var r PersonRow
		err := row.Scan(&r.PersonID, &r.Tenant, &r.HouseholdID, &r.Name, &r.Village, &r.Categories, &r.Tier, &r.Status,
			&r.SocialWorker, &r.RegisteredOn, &r.Version)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("persons view: %w", err)
	}
	return out, nil
}
