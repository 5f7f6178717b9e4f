// Package bulkload fills the caseload projection's live tables with a
// synthetic station of any size, with COPY, so that the monitoring queries
// can be measured at 1,000,000 persons without replaying millions of events
// (the issue allows a bulk loader that bypasses the write path).
//
// The rows are what the projection would hold for the same persons; they
// have no event streams behind them, so a projection rebuild removes them.
// The data is deterministic for a seed: a second load of the same spec
// first deletes the tenant's rows and gives the same tables again.
package bulkload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultCategories are DOMAIN.md's 17 default category codes.
var DefaultCategories = []string{
	"DIBAO", "LOW_INCOME", "TEKUN", "EXPENDITURE_HARDSHIP", "TEMPORARY_ASSISTANCE", "ORPHAN",
	"UNSUPPORTED_CHILD", "CHILD_IN_DIFFICULTY", "LEFT_BEHIND_CHILD", "ELDERLY_ALONE", "EMPTY_NEST_ELDERLY",
	"ADVANCED_AGE", "SEVERE_DISABILITY", "DISABILITY", "SERIOUS_ILLNESS", "LEFT_BEHIND_ELDERLY", "OTHER",
}

// Spec describes the synthetic station.
type Spec struct {
	Tenant  string
	Persons int
	// Villages (codes "V01"…) and SocialWorkers (staff ids "sw01"…); each
	// social worker covers one or two villages, as at Shitan.
	Villages, SocialWorkers int
	// Categories defaults to DefaultCategories.
	Categories []string
	// History also fills the tier, status, village and category histories
	// (for the as-of views and station figures); the caseload list does not
	// need them.
	History bool
	Seed    uint64
	// Today anchors registration and contact dates (default: now).
	Today time.Time
}

// Village is the code of village i (0-based): "V01"….
func Village(i int) string { return fmt.Sprintf("V%02d", i+1) }

// SocialWorker is the staff id of social worker i (0-based): "sw01"….
func SocialWorker(i int) string { return fmt.Sprintf("sw%02d", i+1) }

// Load deletes spec.Tenant's rows from the tables in schema (the live
// generation: projection.Runner.ActiveSchema) and loads the station.
func Load(ctx context.Context, pool *pgxpool.Pool, schema string, spec Spec) error {
	if spec.Persons < 1 || spec.Villages < 1 || spec.SocialWorkers < 1 || spec.Tenant == "" {
		return fmt.Errorf("bulkload: need a tenant and at least one person, village and social worker")
	}
	if len(spec.Categories) == 0 {
		spec.Categories = DefaultCategories
	}
	if spec.Today.IsZero() {
		spec.Today = time.Now()
	}
	table := func(name string) pgx.Identifier { return pgx.Identifier{schema, name} }
	for _, t := range []string{"persons", "households", "monthly_updates", "tier_history", "status_history", "village_history", "category_history"} {
		if _, err := pool.Exec(ctx, `DELETE FROM `+table(t).Sanitize()+` WHERE tenant = $1`, spec.Tenant); err != nil {
			return fmt.Errorf("bulkload: clear %s: %w", t, err)
		}
	}

	st := newStation(spec)
	if _, err := pool.CopyFrom(ctx, table("households"), []string{"tenant", "household_id", "village", "registered_on", "version"},
		pgx.CopyFromSlice(len(st.households), func(i int) ([]any, error) {
			h := st.households[i]
			return []any{spec.Tenant, h.id, h.village, h.registeredOn, int64(1)}, nil
		})); err != nil {
		return fmt.Errorf("bulkload: households: %w", err)
	}
	if _, err := pool.CopyFrom(ctx, table("persons"), []string{"tenant", "person_id", "household_id", "village", "categories",
		"tier", "tier_effective_on", "social_worker", "status", "registered_on", "exited_on", "exit_reason",
		"last_monthly_update", "last_contact_at", "last_contact_on", "version"},
		pgx.CopyFromSlice(spec.Persons, func(i int) ([]any, error) {
			p := st.person(i)
			return []any{spec.Tenant, p.id, p.household.id, p.household.village, p.categories, p.tier, p.tierOn,
				p.worker, p.status, p.registeredOn, p.exitedOn, p.exitReason, p.lastMonth, p.lastContact,
				p.lastContact.Truncate(24 * time.Hour), int64(4)}, nil
		})); err != nil {
		return fmt.Errorf("bulkload: persons: %w", err)
	}
	if _, err := pool.CopyFrom(ctx, table("monthly_updates"), []string{"tenant", "person_id", "month", "updated_at"},
		pgx.CopyFromSlice(spec.Persons, func(i int) ([]any, error) {
			p := st.person(i)
			return []any{spec.Tenant, p.id, p.lastMonth, p.lastContact}, nil
		})); err != nil {
		return fmt.Errorf("bulkload: monthly updates: %w", err)
	}
	if spec.History {
		if err := loadHistory(ctx, pool, table, spec, st); err != nil {
			return err
		}
	}
	return nil
}

func loadHistory(ctx context.Context, pool *pgxpool.Pool, table func(string) pgx.Identifier, spec Spec, st *station) error {
	copyPersons := func(name string, cols []string, row func(p *synthetic) []any) error {
		_, err := pool.CopyFrom(ctx, table(name), cols, pgx.CopyFromSlice(spec.Persons, func(i int) ([]any, error) {
			return row(st.person(i)), nil
		}))
		if err != nil {
			return fmt.Errorf("bulkload: %s: %w", name, err)
		}
		return nil
	}
	if err := copyPersons("tier_history", []string{"tenant", "person_id", "version", "tier", "effective_on"}, func(p *synthetic) []any {
		return []any{spec.Tenant, p.id, int64(2), p.tier, p.tierOn}
	}); err != nil {
		return err
	}
	if err := copyPersons("village_history", []string{"tenant", "person_id", "version", "household_id", "village", "effective_on"}, func(p *synthetic) []any {
		return []any{spec.Tenant, p.id, int64(1), p.household.id, p.household.village, p.registeredOn}
	}); err != nil {
		return err
	}
	if err := copyPersons("status_history", []string{"tenant", "person_id", "version", "status", "reason", "effective_on"}, func(p *synthetic) []any {
		return []any{spec.Tenant, p.id, int64(1), "active", "", p.registeredOn}
	}); err != nil {
		return err
	}
	// Exits and categories: a second pass over the persons that have them.
	var exits, cats [][]any
	for i := range spec.Persons {
		p := st.person(i)
		if p.exitedOn != nil {
			exits = append(exits, []any{spec.Tenant, p.id, int64(5), "exited", *p.exitReason, *p.exitedOn})
		}
		for _, c := range p.categories {
			cats = append(cats, []any{spec.Tenant, p.id, int64(1), c, true, p.registeredOn})
		}
	}
	if _, err := pool.CopyFrom(ctx, table("status_history"), []string{"tenant", "person_id", "version", "status", "reason", "effective_on"},
		pgx.CopyFromRows(exits)); err != nil {
		return fmt.Errorf("bulkload: exits: %w", err)
	}
	if _, err := pool.CopyFrom(ctx, table("category_history"), []string{"tenant", "person_id", "version", "category", "held", "effective_on"},
		pgx.CopyFromRows(cats)); err != nil {
		return fmt.Errorf("bulkload: categories: %w", err)
	}
	return nil
}

type household struct {
	id           pgtype.UUID
	village      string
	registeredOn time.Time
}

type synthetic struct {
	id                   pgtype.UUID
	household            *household
	categories           []string
	tier                 int16
	tierOn, registeredOn time.Time
	worker, status       string
	exitedOn             *time.Time
	exitReason           *string
	lastMonth            string
	lastContact          time.Time
}

// station generates persons on demand from the seed, so that a million of
// them are never all in memory.
type station struct {
	spec       Spec
	households []household
	workers    [][]string // social workers per village
}

// The Shitan ratio: 1,426 households for 1,912 persons.
const householdsPer1912 = 1426

func newStation(spec Spec) *station {
	r := rand.New(rand.NewPCG(spec.Seed, 0x646f756469))
	st := &station{spec: spec}
	n := max(1, spec.Persons*householdsPer1912/1912)
	st.households = make([]household, n)
	today := spec.Today.UTC().Truncate(24 * time.Hour)
	for i := range st.households {
		st.households[i] = household{id: uuidFrom(r), village: Village(i % spec.Villages),
			registeredOn: today.AddDate(0, 0, -r.IntN(8*365))}
	}
	// Social worker w covers villages w and w+SocialWorkers, … (1–2 each
	// for 26 villages and 20 workers).
	st.workers = make([][]string, spec.Villages)
	for v := range spec.Villages {
		st.workers[v] = []string{SocialWorker(v % spec.SocialWorkers)}
	}
	return st
}

var exitReasons = []string{"deceased", "moved_away", "no_longer_eligible", "other"}

// person is synthetic person i; the same i always gives the same person.
func (st *station) person(i int) *synthetic {
	r := rand.New(rand.NewPCG(st.spec.Seed^uint64(i)*0x9e3779b97f4a7c15, uint64(i)))
	h := &st.households[i*len(st.households)/st.spec.Persons]
	village := 0
	fmt.Sscanf(h.village, "V%d", &village)
	today := st.spec.Today.UTC().Truncate(24 * time.Hour)
	p := &synthetic{id: uuidFrom(r), household: h, registeredOn: h.registeredOn,
		tier: int16(1 + r.IntN(4)), worker: st.workers[village-1][0], status: "active"}
	cats := st.spec.Categories
	p.categories = []string{cats[r.IntN(len(cats))]}
	if c := cats[r.IntN(len(cats))]; r.IntN(3) == 0 && c != p.categories[0] {
		p.categories = append(p.categories, c)
	}
	p.tierOn = p.registeredOn.AddDate(0, 0, r.IntN(30))
	p.lastContact = today.AddDate(0, 0, -r.IntN(100)).Add(time.Duration(r.IntN(10*3600)) * time.Second)
	p.lastMonth = p.lastContact.Format("2006-01")
	if r.IntN(100) < 3 {
		on := today.AddDate(0, 0, -r.IntN(365))
		reason := exitReasons[r.IntN(len(exitReasons))]
		p.status, p.exitedOn, p.exitReason = "exited", &on, &reason
	}
	return p
}

// uuidFrom draws a version-4 UUID from r.
func uuidFrom(r *rand.Rand) pgtype.UUID {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return pgtype.UUID{Bytes: b, Valid: true}
}
