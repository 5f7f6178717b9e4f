package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/monitoring/internal/policy"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// Views answers the monitoring queries from the live generations of the
// caseload and fieldwork projections.
type Views struct {
	pool      *pgxpool.Pool
	caseload  *projection.LiveSchema
	fieldwork *projection.LiveSchema
	policy    policy.TierPolicy
}

// NewViews reads through pool; caseload and fieldwork name the live
// generations' schemas (projection.Runner.ActiveSchema).
func NewViews(pool *pgxpool.Pool, caseload, fieldwork func(context.Context) (string, error), p policy.TierPolicy) *Views {
	return &Views{pool: pool, caseload: projection.NewLiveSchema(caseload), fieldwork: projection.NewLiveSchema(fieldwork), policy: p}
}

// ErrNotFound is returned for a person the view does not know.
var ErrNotFound = errors.New("not found")

type freshKey struct{}

// FreshSchema returns ctx marked so that queries under it look the live
// schema up again instead of reusing the cached name.
func FreshSchema(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

// GenerationGone reports whether err says the tables read were dropped
// (projection.GenerationGone): run the query again under FreshSchema.
func GenerationGone(err error) bool { return projection.GenerationGone(err) }

// sql qualifies the "{s}." (caseload) and "{f}." (fieldwork) table prefixes
// of q with the live schemas.
func (v *Views) sql(ctx context.Context, q string) (string, error) {
	fresh := ctx.Value(freshKey{}) != nil
	for prefix, l := range map[string]*projection.LiveSchema{"{s}.": v.caseload, "{f}.": v.fieldwork} {
		if !strings.Contains(q, prefix) {
			continue
		}
		s, err := l.Get(ctx, fresh)
		if err != nil {
			return "", err
		}
		q = strings.ReplaceAll(q, prefix, pgx.Identifier{s}.Sanitize()+".")
	}
	return q, nil
}

// where builds a WHERE clause with numbered arguments.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; "?" in cond is replaced by the argument's number.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args))))
}

func (w *where) arg(a any) string {
	w.args = append(w.args, a)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// lastContact joins to a caseload row p its last contact of any kind, as
// lc.at and lc.day (its date in China): the latest of the monthly file
// update (the caseload's own), a visit or hotline follow-up naming the
// person, and a visit to the person's household as a whole (the fieldwork's).
// Neither projection updates the other's rows, since their streams arrive in
// no order relative to each other: the join is made when read.
const lastContact = `
	LEFT JOIN {f}.person_contacts pc ON pc.tenant = p.tenant AND pc.person_id = p.person_id
	LEFT JOIN {f}.household_contacts hc ON hc.tenant = p.tenant AND hc.household_id = p.household_id
	CROSS JOIN LATERAL (SELECT greatest(p.last_contact_at, pc.last_at, hc.last_at) AS at,
		greatest(p.last_contact_on, pc.last_on, hc.last_on) AS day) lc`

// lastContactKind is the kind of lc's contact, "" when none.
const lastContactKind = `CASE WHEN lc.at IS NULL THEN '' WHEN lc.at = pc.last_at THEN pc.last_kind
	WHEN lc.at = hc.last_at THEN '` + contactVisit + `' ELSE '` + contactMonthlyUpdate + `' END`

// dueExpr is the due date of the next contact, computed at query time: the
// last contact's date (or the registration date, before any contact) plus
// the tier's interval. intervals is the argument holding policy.SQL().
func dueExpr(intervals string) string {
	return `(coalesce(lc.day, p.registered_on) + ((` + intervals + `::text[])[p.tier])::interval)::date`
}

// CaseloadFilter selects and pages the caseload. Empty strings and zero
// values mean "any".
type CaseloadFilter struct {
	Tenant, Village, Category, Status, SocialWorker, HouseholdID string
	Tier                                                         int
	After                                                        string // the last person id of the previous page
	Limit                                                        int
}

// CaseloadRow is one person's current state with the due date computed.
type CaseloadRow struct {
	PersonID, HouseholdID, Village string
	Categories                     []string
	Tier                           int
	TierEffectiveOn                *time.Time
	SocialWorker, Status           string
	RegisteredOn                   time.Time
	LastMonthlyUpdate              *string
	LastContactAt                  *time.Time
	LastContactKind                string
	DueOn                          *time.Time // nil unless active and assessed
}

// Caseload lists persons ordered by id, after f.After, at most f.Limit.
func (v *Views) Caseload(ctx context.Context, f CaseloadFilter) ([]CaseloadRow, error) {
	w := &where{}
	w.add("p.tenant = ?", f.Tenant)
	intervals := w.arg(v.policy.SQL())
	if f.Village != "" {
		w.add("p.village = ?", f.Village)
	}
	if f.Tier != 0 {
		w.add("p.tier = ?", f.Tier)
	}
	if f.Category != "" {
		w.add("? = ANY (p.categories)", f.Category)
	}
	if f.Status != "" {
		w.add("p.status = ?", f.Status)
	}
	if f.SocialWorker != "" {
		w.add("p.social_worker = ?", f.SocialWorker)
	}
	if f.HouseholdID != "" {
		w.add("p.household_id = ?::uuid", f.HouseholdID)
	}
	if f.After != "" {
		w.add("p.person_id > ?::uuid", f.After)
	}
	q, err := v.sql(ctx, `SELECT p.person_id::text, p.household_id::text, p.village, p.categories, p.tier, p.tier_effective_on,
			p.social_worker, p.status, p.registered_on, p.last_monthly_update, lc.at, `+lastContactKind+`,
			CASE WHEN p.status = 'active' AND p.tier BETWEEN 1 AND 4 THEN `+dueExpr(intervals)+` END
		FROM {s}.persons p `+lastContact+` WHERE `+w.String()+` ORDER BY p.person_id LIMIT `+strconv.Itoa(f.Limit))
	if err != nil {
		return nil, err
	}
	rows, err := v.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseloadRow, error) {
		var c CaseloadRow
		var tier int16
		err := r.Scan(&c.PersonID, &c.HouseholdID, &c.Village, &c.Categories, &tier, &c.TierEffectiveOn,
			&c.SocialWorker, &c.Status, &c.RegisteredOn, &c.LastMonthlyUpdate, &c.LastContactAt, &c.LastContactKind, &c.DueOn)
		c.Tier = int(tier)
		return c, err
	})
}

// TierCountFilter narrows the tier counts.
type TierCountFilter struct {
	Tenant, Village, Category, SocialWorker string
	Tier                                    int
}

// TierCountRow is one cell of the tiered monitoring view.
type TierCountRow struct {
	Tier                            int
	Village, Category, SocialWorker string
	Persons                         int64
}

// TierCounts counts active persons by tier, village, category and social
// worker, and the distinct persons matching f.
func (v *Views) TierCounts(ctx context.Context, f TierCountFilter) ([]TierCountRow, int64, error) {
	w := &where{}
	w.add("p.tenant = ?", f.Tenant)
	w.conds = append(w.conds, "p.status = 'active'")
	if f.Village != "" {
		w.add("p.village = ?", f.Village)
	}
	if f.Tier != 0 {
		w.add("p.tier = ?", f.Tier)
	}
	if f.SocialWorker != "" {
		w.add("p.social_worker = ?", f.SocialWorker)
	}
	if f.Category != "" {
		w.add("? = ANY (p.categories)", f.Category)
	}
	cells, cat := w.String(), "true"
	if f.Category != "" {
		cat = "c.category = $" + strconv.Itoa(len(w.args))
	}
	q, err := v.sql(ctx, `SELECT p.tier, p.village, c.category, p.social_worker, count(*)
		FROM {s}.persons p CROSS JOIN LATERAL unnest(p.categories) AS c(category)
		WHERE `+cells+` AND `+cat+`
		GROUP BY p.tier, p.village, c.category, p.social_worker
		ORDER BY p.tier, p.village, c.category, p.social_worker`)
	if err != nil {
		return nil, 0, err
	}
	rows, err := v.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, 0, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TierCountRow, error) {
		var t TierCountRow
		var tier int16
		err := r.Scan(&tier, &t.Village, &t.Category, &t.SocialWorker, &t.Persons)
		t.Tier = int(tier)
		return t, err
	})
	if err != nil {
		return nil, 0, err
	}
	tq, err := v.sql(ctx, `SELECT count(*) FROM {s}.persons p WHERE `+cells)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := v.pool.QueryRow(ctx, tq, w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// MissingKey is a position in the missing-updates list.
type MissingKey struct {
	Village, SocialWorker, PersonID string
}

// MissingRow is a person missing the month's update, with their group's
// count and the total.
type MissingRow struct {
	MissingKey
	GroupCount, Total int64
}

// MissingMonthlyUpdates lists persons active at monthEnd, registered by
// then and not forgotten since, with no update for month; ordered by
// village, social worker and person id, after the key when given.
func (v *Views) MissingMonthlyUpdates(ctx context.Context, tenant, month string, monthEnd time.Time,
	village, socialWorker string, after *MissingKey, limit int) ([]MissingRow, error) {
	w := &where{}
	w.add("p.tenant = ?", tenant)
	end := w.arg(monthEnd)
	mon := w.arg(month)
	w.conds = append(w.conds, "p.status <> 'forgotten'", "p.registered_on <= "+end)
	if village != "" {
		w.add("p.village = ?", village)
	}
	if socialWorker != "" {
		w.add("p.social_worker = ?", socialWorker)
	}
	page := "true"
	if after != nil {
		page = "(village, social_worker, person_id) > (" + w.arg(after.Village) + "::text, " +
			w.arg(after.SocialWorker) + "::text, " + w.arg(after.PersonID) + "::uuid)"
	}
	q, err := v.sql(ctx, `WITH missing AS (
			SELECT p.village, p.social_worker, p.person_id FROM {s}.persons p
			WHERE `+w.String()+`
			  AND (SELECT s.status FROM {s}.status_history s
			       WHERE s.tenant = p.tenant AND s.person_id = p.person_id AND s.effective_on <= `+end+`
			       ORDER BY s.effective_on DESC, s.version DESC LIMIT 1) = 'active'
			  AND NOT EXISTS (SELECT 1 FROM {s}.monthly_updates m
			       WHERE m.tenant = p.tenant AND m.person_id = p.person_id AND m.month = `+mon+`)
		), counted AS (
			SELECT village, social_worker, person_id,
				count(*) OVER (PARTITION BY village, social_worker) AS n, count(*) OVER () AS total
			FROM missing
		)
		SELECT village, social_worker, person_id::text, n, total FROM counted
		WHERE `+page+` ORDER BY village, social_worker, person_id LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	rows, err := v.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MissingRow, error) {
		var m MissingRow
		err := r.Scan(&m.Village, &m.SocialWorker, &m.PersonID, &m.GroupCount, &m.Total)
		return m, err
	})
}

// DueFilter selects due follow-ups: contacts due on or before Until.
type DueFilter struct {
	Tenant, Village, SocialWorker string
	Tier                          int
	Until                         time.Time
	AfterDue                      *time.Time // with AfterPerson: the last item of the previous page
	AfterPerson                   string
	Limit                         int
}

// DueRow is a person whose contact is due.
type DueRow struct {
	PersonID, HouseholdID, Village, SocialWorker string
	Tier                                         int
	LastContactAt                                *time.Time
	LastContactKind                              string
	DueOn                                        time.Time
}

// DueFollowUps lists active, assessed persons whose next contact is due by
// f.Until, ordered by due date and person id.
func (v *Views) DueFollowUps(ctx context.Context, f DueFilter) ([]DueRow, error) {
	w := &where{}
	w.add("p.tenant = ?", f.Tenant)
	intervals := w.arg(v.policy.SQL())
	w.conds = append(w.conds, "p.status = 'active'", "p.tier BETWEEN 1 AND 4")
	if f.Village != "" {
		w.add("p.village = ?", f.Village)
	}
	if f.SocialWorker != "" {
		w.add("p.social_worker = ?", f.SocialWorker)
	}
	if f.Tier != 0 {
		w.add("p.tier = ?", f.Tier)
	}
	outer := "d.due <= " + w.arg(f.Until)
	if f.AfterDue != nil {
		outer += " AND (d.due, d.person_id) > (" + w.arg(*f.AfterDue) + "::date, " + w.arg(f.AfterPerson) + "::uuid)"
	}
	q, err := v.sql(ctx, `SELECT d.person_id::text, d.household_id::text, d.village, d.social_worker, d.tier, d.last_at, d.last_kind, d.due
		FROM (SELECT p.person_id, p.household_id, p.village, p.social_worker, p.tier, lc.at AS last_at,
		             `+lastContactKind+` AS last_kind, `+dueExpr(intervals)+` AS due
		      FROM {s}.persons p `+lastContact+` WHERE `+w.String()+`) d
		WHERE `+outer+` ORDER BY d.due, d.person_id LIMIT `+strconv.Itoa(f.Limit))
	if err != nil {
		return nil, err
	}
	rows, err := v.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DueRow, error) {
		var d DueRow
		var tier int16
		err := r.Scan(&d.PersonID, &d.HouseholdID, &d.Village, &d.SocialWorker, &tier, &d.LastContactAt, &d.LastContactKind, &d.DueOn)
		d.Tier = int(tier)
		return d, err
	})
}

// TierAsOf is the person's tier on date and the date it took effect; tier
// 0 when none had by then. ErrNotFound for an unknown person.
func (v *Views) TierAsOf(ctx context.Context, tenant, personID string, date time.Time) (int, *time.Time, error) {
	q, err := v.sql(ctx, `SELECT t.tier, t.effective_on FROM {s}.persons p
		LEFT JOIN LATERAL (SELECT h.tier, h.effective_on FROM {s}.tier_history h
			WHERE h.tenant = p.tenant AND h.person_id = p.person_id AND h.effective_on <= $3
			ORDER BY h.effective_on DESC, h.version DESC LIMIT 1) t ON true
		WHERE p.tenant = $1 AND p.person_id = $2::uuid`)
	if err != nil {
		return 0, nil, err
	}
	var tier *int16
	var on *time.Time
	err = v.pool.QueryRow(ctx, q, tenant, personID, date).Scan(&tier, &on)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	if err != nil || tier == nil {
		return 0, nil, err
	}
	return int(*tier), on, nil
}

// asOfPersons is a CTE list "a" of the persons active on $2 with their
// household, village and tier ("0" when not assessed) of that date; $1 is
// the tenant.
const asOfPersons = `v AS (
		SELECT DISTINCT ON (person_id) person_id, household_id, village FROM {s}.village_history
		WHERE tenant = $1 AND effective_on <= $2
		ORDER BY person_id, effective_on DESC, version DESC
	), a AS (
		SELECT v.person_id, v.household_id, v.village, coalesce(t.tier, 0) AS tier FROM v
		JOIN LATERAL (SELECT s.status FROM {s}.status_history s
			WHERE s.tenant = $1 AND s.person_id = v.person_id AND s.effective_on <= $2
			ORDER BY s.effective_on DESC, s.version DESC LIMIT 1) s ON s.status = 'active'
		LEFT JOIN LATERAL (SELECT h.tier FROM {s}.tier_history h
			WHERE h.tenant = $1 AND h.person_id = v.person_id AND h.effective_on <= $2
			ORDER BY h.effective_on DESC, h.version DESC LIMIT 1) t ON true
	)`

// TierCount is a number of persons at a tier.
type TierCount struct {
	Tier    int
	Persons int64
}

// VillageTierDistribution counts the persons active in village on date by
// their tier on that date.
func (v *Views) VillageTierDistribution(ctx context.Context, tenant, village string, date time.Time) ([]TierCount, error) {
	q, err := v.sql(ctx, `WITH `+asOfPersons+`
		SELECT tier, count(*) FROM a WHERE village = $3 GROUP BY tier ORDER BY tier`)
	if err != nil {
		return nil, err
	}
	rows, err := v.pool.Query(ctx, q, tenant, date, village)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TierCount, error) {
		var t TierCount
		var tier int16
		err := r.Scan(&tier, &t.Persons)
		t.Tier = int(tier)
		return t, err
	})
}

// FigureRow is one line of a breakdown.
type FigureRow struct {
	Key                 string
	Persons, Households int64
}

// Figures are a station's figures for a period.
type Figures struct {
	Persons, Households           int64
	ByCategory, ByTier, ByVillage []FigureRow
	NewPersons, NewHouseholds     int64
	Exits                         []FigureRow // Key is the reason; Households unused
	ExitsTotal                    int64
	Visits                        *VisitFigures
}

// StationFigures computes the figures for [start, end] from one snapshot.
func (v *Views) StationFigures(ctx context.Context, tenant string, start, end time.Time) (*Figures, error) {
	breakdown, err := v.sql(ctx, `WITH `+asOfPersons+`, c AS (
			SELECT DISTINCT ON (person_id, category) person_id, category, held FROM {s}.category_history
			WHERE tenant = $1 AND effective_on <= $2
			ORDER BY person_id, category, effective_on DESC, version DESC
		)
		SELECT 'total', '', count(*), count(DISTINCT household_id) FROM a
		UNION ALL
		SELECT 'category', c.category, count(*), count(DISTINCT a.household_id)
			FROM a JOIN c ON c.person_id = a.person_id AND c.held GROUP BY c.category
		UNION ALL
		SELECT 'tier', a.tier::text, count(*), count(DISTINCT a.household_id) FROM a GROUP BY a.tier
		UNION ALL
		SELECT 'village', a.village, count(*), count(DISTINCT a.household_id) FROM a GROUP BY a.village
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	period, err := v.sql(ctx, `SELECT 'persons', '', count(*) FROM {s}.persons WHERE tenant = $1 AND registered_on BETWEEN $2 AND $3
		UNION ALL
		SELECT 'households', '', count(*) FROM {s}.households WHERE tenant = $1 AND registered_on BETWEEN $2 AND $3
		UNION ALL
		(SELECT 'exit', reason, count(*) FROM {s}.status_history
			WHERE tenant = $1 AND status = 'exited' AND effective_on BETWEEN $2 AND $3 GROUP BY reason ORDER BY reason)`)
	if err != nil {
		return nil, err
	}
	visits, err := v.sql(ctx, visitFiguresSQL)
	if err != nil {
		return nil, err
	}
	out := &Figures{}
	// One snapshot, so the breakdowns and the period counts agree.
	err = pgx.BeginTxFunc(ctx, v.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, breakdown, tenant, end)
		if err != nil {
			return err
		}
		var kind, key string
		var persons, households int64
		_, err = pgx.ForEachRow(rows, []any{&kind, &key, &persons, &households}, func() error {
			row := FigureRow{Key: key, Persons: persons, Households: households}
			switch kind {
			case "total":
				out.Persons, out.Households = persons, households
			case "category":
				out.ByCategory = append(out.ByCategory, row)
			case "tier":
				out.ByTier = append(out.ByTier, row)
			case "village":
				out.ByVillage = append(out.ByVillage, row)
			default:
				return fmt.Errorf("station figures: unexpected row kind %q", kind)
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, period, tenant, start, end)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&kind, &key, &persons}, func() error {
			switch kind {
			case "persons":
				out.NewPersons = persons
			case "households":
				out.NewHouseholds = persons
			case "exit":
				out.Exits = append(out.Exits, FigureRow{Key: key, Persons: persons})
				out.ExitsTotal += persons
			}
			return nil
		})
		if err != nil {
			return err
		}
		out.Visits, err = scanVisitFigures(ctx, tx, visits, tenant, start, end)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
