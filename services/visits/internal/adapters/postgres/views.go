package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/wire"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// BeneficiariesService is the stream the persons view reads.
const BeneficiariesService = "beneficiaries"

// Wire types of the beneficiaries events the persons view applies
// (contracts/EVENTS.md); the others change nothing it keeps.
const (
	typeHouseholdRegistered = "beneficiaries.household.registered"
	typePersonRegistered    = "beneficiaries.person.registered"
	typeMovedHousehold      = "beneficiaries.person.moved_household"
	typeExited              = "beneficiaries.person.exited"
	typeReinstated          = "beneficiaries.person.reinstated"
	typeForgotten           = "beneficiaries.person.forgotten"
)

// Person statuses in the persons view.
const (
	PersonActive    = "active"
	PersonExited    = "exited"
	PersonForgotten = "forgotten"
)

// RegisterProjection is the service's local view of the beneficiaries
// register: the persons and households that visits and calls are checked
// against, with their village and status (no names, no personal data).
func RegisterProjection() projection.Projection {
	return projection.Projection{
		Name:    "visits_register",
		Sources: []projection.Source{{Service: BeneficiariesService}},
		Setup: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `
				CREATE TABLE households (
					household_id text PRIMARY KEY,
					tenant       text NOT NULL,
					village      text NOT NULL);
				CREATE TABLE persons (
					person_id    text PRIMARY KEY,
					tenant       text NOT NULL,
					household_id text NOT NULL,
					village      text NOT NULL,
					status       text NOT NULL);`)
			return err
		},
	}.Queueing(queueIndex)
}

// IndexProjection is the read model of the service's own events: one row
// per visit, outreach event, card edition and hotline call with the columns
// lists filter on. Lists read ids here and load the aggregates from the
// event store. It does not wait for the beneficiaries stream.
func IndexProjection() projection.Projection {
	return projection.Projection{
		Name:    "visits_index",
		Sources: []projection.Source{{Service: ServiceName}},
		Setup: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `
				CREATE TABLE visits (
					visit_id      uuid PRIMARY KEY,
					tenant        text NOT NULL,
					kind          text NOT NULL,
					village       text NOT NULL,
					person_ids    text[] NOT NULL,
					household_id  text NOT NULL,
					social_worker text NOT NULL,
					state         text NOT NULL,
					month         text NOT NULL DEFAULT '',
					created       bigint NOT NULL);
				CREATE INDEX visits_by_tenant ON visits (tenant, created);
				CREATE INDEX visits_by_person ON visits USING gin (person_ids);
				CREATE TABLE outreach (
					event_id uuid PRIMARY KEY,
					tenant   text NOT NULL,
					village  text NOT NULL,
					held_on  date NOT NULL,
					created  bigint NOT NULL);
				CREATE INDEX outreach_by_tenant ON outreach (tenant, created);
				CREATE TABLE editions (
					tenant   text NOT NULL,
					revision int  NOT NULL,
					PRIMARY KEY (tenant, revision));
				CREATE TABLE calls (
					call_id       uuid PRIMARY KEY,
					tenant        text NOT NULL,
					state         text NOT NULL,
					owner         text NOT NULL DEFAULT '',
					caller_person text NOT NULL DEFAULT '',
					created       bigint NOT NULL);
				CREATE INDEX calls_by_tenant ON calls (tenant, created);`)
			return err
		},
	}.Queueing(queueIndex)
}

// beneficiariesEvent holds the fields of the beneficiaries events the view
// keeps; the payloads carry more (contracts/EVENTS.md).
type beneficiariesEvent struct {
	PersonID    string `json:"person_id"`
	HouseholdID string `json:"household_id"`
	ToHousehold string `json:"to_household_id"`
	Tenant      string `json:"tenant"`
	Village     string `json:"village"`
}

func queueIndex(b *pgx.Batch, ev wire.Event) error {
	if ev.Service == BeneficiariesService {
		var e beneficiariesEvent
		switch ev.Type {
		case typeHouseholdRegistered, typePersonRegistered, typeMovedHousehold, typeExited, typeReinstated, typeForgotten:
			if err := json.Unmarshal(ev.Data, &e); err != nil {
				return err
			}
		default:
			return nil
		}
		switch ev.Type {
		case typeHouseholdRegistered:
			b.Queue(`INSERT INTO households VALUES ($1, $2, $3) ON CONFLICT (household_id) DO NOTHING`, e.HouseholdID, e.Tenant, e.Village)
		case typePersonRegistered:
			b.Queue(`INSERT INTO persons VALUES ($1, $2, $3, $4, 'active') ON CONFLICT (person_id) DO NOTHING`,
				e.PersonID, e.Tenant, e.HouseholdID, e.Village)
		case typeMovedHousehold:
			b.Queue(`UPDATE persons SET household_id = $2, village = $3 WHERE person_id = $1`, e.PersonID, e.ToHousehold, e.Village)
		case typeExited:
			b.Queue(`UPDATE persons SET status = 'exited' WHERE person_id = $1 AND status <> 'forgotten'`, e.PersonID)
		case typeReinstated:
			b.Queue(`UPDATE persons SET status = 'active' WHERE person_id = $1 AND status <> 'forgotten'`, e.PersonID)
		case typeForgotten:
			b.Queue(`UPDATE persons SET status = 'forgotten' WHERE person_id = $1`, e.PersonID)
		}
		return nil
	}
	switch ev.Type {
	case visit.TypeScheduled, visit.TypeCompleted:
		var d struct {
			visit.Details
			Month domainkit.Month `json:"month"`
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		state, month := string(visit.StatusScheduled), ""
		if ev.Type == visit.TypeCompleted {
			state, month = string(visit.StatusCompleted), d.Month.String()
		}
		persons := d.PersonIDs
		if persons == nil {
			persons = []string{}
		}
		b.Queue(`INSERT INTO visits VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (visit_id) DO UPDATE SET state = excluded.state, month = excluded.month`,
			d.VisitID, d.Tenant, string(d.Kind), d.Village, persons, d.HouseholdID, d.SocialWorker, state, month, int64(ev.Position))
	case visit.TypeCancelled, visit.TypeMissed:
		var e struct {
			VisitID uuid.UUID `json:"visit_id"`
		}
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		state := visit.StatusCancelled
		if ev.Type == visit.TypeMissed {
			state = visit.StatusMissed
		}
		b.Queue(`UPDATE visits SET state = $2 WHERE visit_id = $1`, e.VisitID, string(state))
	case cardedition.TypePublished:
		var e cardedition.Published
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO editions VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.Tenant, e.Revision)
	case outreach.TypeRecorded:
		var e outreach.Recorded
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO outreach VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING`,
			e.EventID, e.Tenant, e.Village, e.HeldOn.String(), int64(ev.Position))
	case hotline.TypeReceived:
		var e hotline.Received
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO calls VALUES ($1, $2, 'received', '', $3, $4) ON CONFLICT (call_id) DO NOTHING`,
			e.CallID, e.Tenant, e.Caller.PersonID, int64(ev.Position))
	case hotline.TypeTriaged:
		var e hotline.Triaged
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		b.Queue(`UPDATE calls SET state = 'triaged', owner = $2 WHERE call_id = $1`, e.CallID, e.Owner)
	case hotline.TypeFollowedUp:
		var e hotline.FollowedUp
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		b.Queue(`UPDATE calls SET state = 'closed' WHERE call_id = $1`, e.CallID)
	}
	return nil
}

// Index queries the live generations of the two views.
type Index struct {
	Pool *pgxpool.Pool
	// Runner applies the service's own events; Register the beneficiaries'.
	Runner, Register *projection.Runner

	own, register *projection.LiveSchema
}

// NewIndex reads the two projections' live generations through pool.
func NewIndex(pool *pgxpool.Pool, runner, register *projection.Runner) Index {
	return Index{Pool: pool, Runner: runner, Register: register,
		own: projection.NewLiveSchema(runner.ActiveSchema), register: projection.NewLiveSchema(register.ActiveSchema)}
}

// Person is a person as the local view of the beneficiaries register has them.
type Person struct {
	ID, Tenant, HouseholdID, Village, Status string
}

// Persons returns the persons of tenant among ids that the view knows.
func (x Index) Persons(ctx context.Context, tenant string, ids []string) (map[string]Person, error) {
	out := map[string]Person{}
	if len(ids) == 0 {
		return out, nil
	}
	err := x.query(ctx, func(ctx context.Context, tx tables) error {
		rows, err := tx.Query(ctx, `SELECT person_id, tenant, household_id, village, status FROM {r}.persons
			WHERE person_id = ANY($1) AND tenant = $2`, ids, tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p Person
			if err := rows.Scan(&p.ID, &p.Tenant, &p.HouseholdID, &p.Village, &p.Status); err != nil {
				return err
			}
			out[p.ID] = p
		}
		return rows.Err()
	})
	return out, err
}

// Household returns a household's village; false if the view does not know
// it in tenant.
func (x Index) Household(ctx context.Context, tenant, id string) (string, bool, error) {
	var village string
	err := x.query(ctx, func(ctx context.Context, tx tables) error {
		return tx.QueryRow(ctx, `SELECT village FROM {r}.households WHERE household_id = $1 AND tenant = $2`, id, tenant).Scan(&village)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return village, err == nil, err
}

// Forgotten returns which of ids the view knows as forgotten.
func (x Index) Forgotten(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	if len(ids) == 0 {
		return nil, nil
	}
	err := x.query(ctx, func(ctx context.Context, tx tables) error {
		rows, err := tx.Query(ctx, `SELECT person_id FROM {r}.persons WHERE person_id = ANY($1) AND status = 'forgotten'`, ids)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}

// ForgottenOwners are the visits and calls that name a forgotten person:
// their data keys are to be erased.
func (x Index) ForgottenOwners(ctx context.Context) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := x.query(ctx, func(ctx context.Context, tx tables) error {
		rows, err := tx.Query(ctx, `
			SELECT v.visit_id FROM {i}.visits v JOIN {r}.persons p ON p.person_id = ANY(v.person_ids) WHERE p.status = 'forgotten'
			UNION SELECT c.call_id FROM {i}.calls c JOIN {r}.persons p ON p.person_id = c.caller_person WHERE p.status = 'forgotten'`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	return out, err
}

// EditionRevisions lists the revisions of tenant's published card editions,
// newest first.
func (x Index) EditionRevisions(ctx context.Context, tenant string) ([]int, error) {
	var out []int
	err := x.query(ctx, func(ctx context.Context, tx tables) error {
		rows, err := tx.Query(ctx, `SELECT revision FROM {i}.editions WHERE tenant = $1 ORDER BY revision DESC`, tenant)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[int])
		return err
	})
	return out, err
}

// VisitFilter selects visits; empty fields do not filter.
type VisitFilter struct {
	Tenant, Village, Person, SocialWorker, Kind, State, Month string
}

// OutreachFilter selects outreach events held in [From, To].
type OutreachFilter struct {
	Tenant, Village string
	From, To        string // "YYYY-MM-DD" or empty
}

// CallFilter selects hotline calls.
type CallFilter struct {
	Tenant, State, Owner, CallerPerson string
}

// ErrBadPageToken is returned for a page token issued for other filters.
var ErrBadPageToken = errors.New("page token does not belong to this query")

// Page is one page of ids and the token of the next.
type Page struct {
	IDs  []uuid.UUID
	Next string
}

// ListVisits returns a page of visit ids, newest first.
func (x Index) ListVisits(ctx context.Context, f VisitFilter, size int, token string) (Page, error) {
	return x.page(ctx, f, size, token, `SELECT visit_id, created FROM {i}.visits WHERE tenant = $1
		AND ($2 = '' OR village = $2) AND ($3 = '' OR person_ids @> ARRAY[$3]) AND ($4 = '' OR social_worker = $4)
		AND ($5 = '' OR kind = $5) AND ($6 = '' OR state = $6) AND ($7 = '' OR month = $7) AND created < $8
		ORDER BY created DESC LIMIT $9`, f.Tenant, f.Village, f.Person, f.SocialWorker, f.Kind, f.State, f.Month)
}

// ListOutreach returns a page of outreach event ids, newest first.
func (x Index) ListOutreach(ctx context.Context, f OutreachFilter, size int, token string) (Page, error) {
	return x.page(ctx, f, size, token, `SELECT event_id, created FROM {i}.outreach WHERE tenant = $1
		AND ($2 = '' OR village = $2) AND ($3 = '' OR held_on >= $3::date) AND ($4 = '' OR held_on <= $4::date)
		AND created < $5 ORDER BY created DESC LIMIT $6`, f.Tenant, f.Village, f.From, f.To)
}

// ListCalls returns a page of hotline call ids, newest first.
func (x Index) ListCalls(ctx context.Context, f CallFilter, size int, token string) (Page, error) {
	return x.page(ctx, f, size, token, `SELECT call_id, created FROM {i}.calls WHERE tenant = $1
		AND ($2 = '' OR state = $2) AND ($3 = '' OR owner = $3) AND ($4 = '' OR caller_person = $4)
		AND created < $5 ORDER BY created DESC LIMIT $6`, f.Tenant, f.State, f.Owner, f.CallerPerson)
}

type pageToken struct {
	After   int64  `json:"a"` // the position that created the last item of the previous page
	Filters string `json:"f"`
}

// page runs sql with args, then the cursor and the limit; sql selects an id
// and the position that created it, newest first. The next page's token is
// bound to the filters.
func (x Index) page(ctx context.Context, filters any, size int, token string, sql string, args ...any) (Page, error) {
	fj, _ := json.Marshal(filters)
	after := int64(math.MaxInt64)
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		var t pageToken
		if err != nil || json.Unmarshal(raw, &t) != nil || t.Filters != string(fj) {
			return Page{}, ErrBadPageToken
		}
		after = t.After
	}
	type row struct {
		ID      uuid.UUID
		Created int64
	}
	var rows []row
	err := x.query(ctx, func(ctx context.Context, tx tables) error {
		r, err := tx.Query(ctx, sql, append(args, after, size+1)...)
		if err != nil {
			return err
		}
		rows, err = pgx.CollectRows(r, pgx.RowToStructByPos[row])
		return err
	})
	if err != nil {
		return Page{}, err
	}
	var p Page
	for _, r := range rows[:min(len(rows), size)] {
		p.IDs = append(p.IDs, r.ID)
	}
	if len(rows) > size {
		raw, _ := json.Marshal(pageToken{After: rows[size-1].Created, Filters: string(fj)})
		p.Next = base64.RawURLEncoding.EncodeToString(raw)
	}
	return p, nil
}

// tables runs the index's queries with "{i}." (the service's own index) and
// "{r}." (the register) qualified by the live generations' schemas.
type tables struct {
	pool    *pgxpool.Pool
	qualify *strings.Replacer
}

func (t tables) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.pool.Query(ctx, t.qualify.Replace(sql), args...)
}

func (t tables) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.pool.QueryRow(ctx, t.qualify.Replace(sql), args...)
}

// query runs fn over the live generations' tables; when a rebuild dropped
// the generation it read, once more over the new one.
func (x Index) query(ctx context.Context, fn func(context.Context, tables) error) error {
	err := x.queryOnce(ctx, fn, false)
	if projection.GenerationGone(err) {
		err = x.queryOnce(ctx, fn, true)
	}
	return err
}

func (x Index) queryOnce(ctx context.Context, fn func(context.Context, tables) error, fresh bool) error {
	own, err := x.own.Get(ctx, fresh)
	if err != nil {
		return err
	}
	register, err := x.register.Get(ctx, fresh)
	if err != nil {
		return err
	}
	return fn(ctx, tables{pool: x.Pool, qualify: strings.NewReplacer(
		"{i}.", pgx.Identifier{own}.Sanitize()+".", "{r}.", pgx.Identifier{register}.Sanitize()+".")})
}

// WaitFor waits until the view has applied the write of a consistency token
// (of this service or of beneficiaries), at most wait.
func (x Index) WaitFor(ctx context.Context, token string, wait time.Duration) error {
	t, err := projection.ParseToken(token)
	if err != nil {
		return err
	}
	if t.Service != ServiceName && t.Service != BeneficiariesService {
		return fmt.Errorf("%w: %q is not a visits or beneficiaries token", projection.ErrMalformedToken, strings.SplitN(token, "/", 2)[0])
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if t.Service == BeneficiariesService {
		return x.Register.WaitFor(ctx, t)
	}
	return x.Runner.WaitFor(ctx, t)
}
