package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// chinaDay is the SQL date in China of a timestamptz column (UTC+8, no
// daylight saving; written out so that it needs no time zone database).
func chinaDay(col string) string {
	return `((` + col + ` AT TIME ZONE 'UTC') + interval '8 hours')::date`
}

// WorkloadRow is a social worker's persons of one tier and their contacts
// in a month.
type WorkloadRow struct {
	SocialWorker                string
	Tier                        int
	Persons, Contacts           int64
	PersonsContacted            int64
	ContactsDue, ContactsDueMet int64
}

// Workload counts each social worker's active persons by tier, and their
// contacts in [start, end] (a month): contacts made, persons contacted,
// persons whose next contact, reckoned from their last contact before start,
// fell due by end, and how many of those were contacted. A hotline
// follow-up made by a visit is counted as that visit, not twice.
func (v *Views) Workload(ctx context.Context, tenant string, start, end time.Time, socialWorker string) ([]WorkloadRow, error) {
	w := &where{}
	w.add("p.tenant = ?", tenant)
	from, to := w.arg(start), w.arg(end)
	intervals := w.arg(v.policy.SQL())
	w.conds = append(w.conds, "p.status = 'active'")
	if socialWorker != "" {
		w.add("p.social_worker = ?", socialWorker)
	}
	q, err := v.sql(ctx, `WITH p AS (
			SELECT p.person_id, p.household_id, p.social_worker, p.tier, p.registered_on FROM {s}.persons p WHERE `+w.String()+`
		), contacts AS (
			SELECT m.person_id, `+chinaDay("m.updated_at")+` AS day, true AS counted
			FROM {s}.monthly_updates m JOIN p ON p.person_id = m.person_id WHERE m.tenant = $1
			UNION ALL
			SELECT vp.person_id, v.occurred_on, true FROM {f}.visit_persons vp
			JOIN {f}.visits v ON v.tenant = vp.tenant AND v.visit_id = vp.visit_id AND v.status = 'completed'
			JOIN p ON p.person_id = vp.person_id WHERE vp.tenant = $1
			UNION ALL
			SELECT p.person_id, v.occurred_on, true FROM {f}.visits v JOIN p ON p.household_id = v.household_id
			WHERE v.tenant = $1 AND v.status = 'completed' AND v.persons = 0
			UNION ALL
			SELECT h.caller_person_id, h.followed_up_on, h.follow_up_method IS DISTINCT FROM 'visit' FROM {f}.hotline_calls h
			JOIN p ON p.person_id = h.caller_person_id WHERE h.tenant = $1 AND h.followed_up_at IS NOT NULL
		), per_person AS (
			SELECT person_id,
				count(*) FILTER (WHERE counted AND day BETWEEN `+from+` AND `+to+`) AS done,
				max(day) FILTER (WHERE day < `+from+`) AS before
			FROM contacts GROUP BY person_id
		), reckoned AS (
			SELECT p.social_worker, p.tier, coalesce(a.done, 0) AS done,
				p.tier BETWEEN 1 AND 4 AND (coalesce(a.before, p.registered_on) + ((`+intervals+`::text[])[p.tier])::interval)::date <= `+to+` AS due
			FROM p LEFT JOIN per_person a ON a.person_id = p.person_id
		)
		SELECT social_worker, tier, count(*), sum(done)::bigint, count(*) FILTER (WHERE done > 0),
			count(*) FILTER (WHERE due), count(*) FILTER (WHERE due AND done > 0)
		FROM reckoned GROUP BY social_worker, tier ORDER BY social_worker, tier`)
	if err != nil {
		return nil, err
	}
	rows, err := v.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (WorkloadRow, error) {
		var x WorkloadRow
		var tier int16
		err := r.Scan(&x.SocialWorker, &tier, &x.Persons, &x.Contacts, &x.PersonsContacted, &x.ContactsDue, &x.ContactsDueMet)
		x.Tier = int(tier)
		return x, err
	})
}

// CoverageRow is a village's coverage in a month.
type CoverageRow struct {
	Village                string
	StationDay             *time.Time
	StationDayWorker       string
	Visits, OutreachEvents int64
	SocialWorkers          []string
}

// VillageCoverage lists the villages (of the caseload, of assignments, and
// any with a station day, completed visit or publicity event in the month)
// with their station day, completed visits and publicity events of the
// month [start, end], and the social workers responsible on end.
func (v *Views) VillageCoverage(ctx context.Context, tenant, month string, start, end time.Time) ([]CoverageRow, error) {
	q, err := v.sql(ctx, `WITH villages AS (
			SELECT DISTINCT village FROM {s}.persons WHERE tenant = $1
			UNION SELECT village FROM {f}.village_assignments WHERE tenant = $1
			UNION SELECT village FROM {f}.station_days WHERE tenant = $1 AND month = $2
			UNION SELECT village FROM {f}.visits WHERE tenant = $1 AND status = 'completed' AND month = $2
			UNION SELECT village FROM {f}.outreach_events WHERE tenant = $1 AND held_on BETWEEN $3 AND $4
		), assigned AS (
			SELECT DISTINCT ON (social_worker, village) social_worker, village, assigned FROM {f}.village_assignments
			WHERE tenant = $1 AND effective_on <= $4
			ORDER BY social_worker, village, effective_on DESC, version DESC
		)
		SELECT v.village, sd.day, coalesce(sd.social_worker, ''),
			(SELECT count(*) FROM {f}.visits x
			 WHERE x.tenant = $1 AND x.status = 'completed' AND x.month = $2 AND x.village = v.village),
			(SELECT count(*) FROM {f}.outreach_events o
			 WHERE o.tenant = $1 AND o.village = v.village AND o.held_on BETWEEN $3 AND $4),
			coalesce((SELECT array_agg(a.social_worker ORDER BY a.social_worker) FROM assigned a
			 WHERE a.village = v.village AND a.assigned), '{}')
		FROM villages v
		LEFT JOIN {f}.station_days sd ON sd.tenant = $1 AND sd.village = v.village AND sd.month = $2
		ORDER BY v.village`)
	if err != nil {
		return nil, err
	}
	rows, err := v.pool.Query(ctx, q, tenant, month, start, end)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CoverageRow, error) {
		var c CoverageRow
		err := r.Scan(&c.Village, &c.StationDay, &c.StationDayWorker, &c.Visits, &c.OutreachEvents, &c.SocialWorkers)
		return c, err
	})
}

// CardRow is the cards of one edition handed out in one village.
type CardRow struct {
	Edition            int
	Village            string
	OnVisits, Outreach int64
}

// OutreachRow is the publicity events of one village.
type OutreachRow struct {
	Village            string
	Events, Attendance int64
}

// CardFigures counts the cards handed out in [start, end] by edition and
// village, on completed visits that occurred then (every report's cards) and
// at publicity events held then, and those events by village; village ""
// means every village.
func (v *Views) CardFigures(ctx context.Context, tenant string, start, end time.Time, village string) ([]CardRow, []OutreachRow, error) {
	w := &where{}
	w.add("tenant = ?", tenant)
	from, to := w.arg(start), w.arg(end)
	onlyVisits, onlyOutreach := "true", "true"
	if village != "" {
		p := w.arg(village)
		onlyVisits, onlyOutreach = "v.village = "+p, "o.village = "+p
	}
	cards, err := v.sql(ctx, `WITH c AS (
			SELECT c.edition, v.village, c.count AS on_visits, 0 AS at_outreach FROM {f}.visit_cards c
			JOIN {f}.visits v ON v.tenant = c.tenant AND v.visit_id = c.visit_id AND v.status = 'completed'
			WHERE c.tenant = $1 AND v.occurred_on BETWEEN `+from+` AND `+to+` AND `+onlyVisits+`
			UNION ALL
			SELECT c.edition, o.village, 0, c.count FROM {f}.outreach_cards c
			JOIN {f}.outreach_events o ON o.tenant = c.tenant AND o.event_id = c.event_id
			WHERE c.tenant = $1 AND o.held_on BETWEEN `+from+` AND `+to+` AND `+onlyOutreach+`
		)
		SELECT edition, village, sum(on_visits), sum(at_outreach) FROM c GROUP BY edition, village ORDER BY edition, village`)
	if err != nil {
		return nil, nil, err
	}
	outreach, err := v.sql(ctx, `SELECT o.village, count(*), coalesce(sum(o.attendance), 0) FROM {f}.outreach_events o
		WHERE o.tenant = $1 AND o.held_on BETWEEN `+from+` AND `+to+` AND `+onlyOutreach+`
		GROUP BY o.village ORDER BY o.village`)
	if err != nil {
		return nil, nil, err
	}
	var cardRows []CardRow
	var outreachRows []OutreachRow
	err = pgx.BeginTxFunc(ctx, v.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, cards, w.args...)
		if err != nil {
			return err
		}
		cardRows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CardRow, error) {
			var c CardRow
			var edition int32
			err := r.Scan(&edition, &c.Village, &c.OnVisits, &c.Outreach)
			c.Edition = int(edition)
			return c, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, outreach, w.args...)
		if err != nil {
			return err
		}
		outreachRows, err = pgx.CollectRows(rows, pgx.RowToStructByPos[OutreachRow])
		return err
	})
	return cardRows, outreachRows, err
}

// HotlineFilter selects the hotline figures: calls as they stood at AsOf,
// follow-ups on China dates From to To (nil: unbounded) for the median, and
// a page of the overdue calls after (AfterDue, AfterCall).
type HotlineFilter struct {
	Tenant    string
	AsOf      time.Time
	From, To  *time.Time
	AfterDue  *time.Time
	AfterCall string
	Limit     int
}

// OverdueCallRow is an open call past its due time.
type OverdueCallRow struct {
	CallID            string
	Line              int
	Urgency, Owner    string
	ReceivedAt, DueAt time.Time
}

// HotlineLevels are the hotline's service levels.
type HotlineLevels struct {
	Open, Overdue         int64
	OverdueCalls          []OverdueCallRow
	FollowedUp, Late      int64
	MedianFollowUpSeconds float64
}

// HotlineServiceLevels computes the levels for f from one snapshot. A call
// is open at AsOf when received by then and not followed up by then.
func (v *Views) HotlineServiceLevels(ctx context.Context, f HotlineFilter) (*HotlineLevels, error) {
	const open = `tenant = $1 AND received_at <= $2 AND (followed_up_at IS NULL OR followed_up_at > $2)`
	counts, err := v.sql(ctx, `SELECT count(*), count(*) FILTER (WHERE due_at < $2) FROM {f}.hotline_calls WHERE `+open)
	if err != nil {
		return nil, err
	}
	lw := &where{args: []any{f.Tenant, f.AsOf}}
	page := "true"
	if f.AfterDue != nil {
		page = "(due_at, call_id) > (" + lw.arg(*f.AfterDue) + "::timestamptz, " + lw.arg(f.AfterCall) + "::uuid)"
	}
	list, err := v.sql(ctx, `SELECT call_id::text, line, urgency, owner, received_at, due_at FROM {f}.hotline_calls
		WHERE `+open+` AND due_at < $2 AND `+page+` ORDER BY due_at, call_id LIMIT `+strconv.Itoa(f.Limit))
	if err != nil {
		return nil, err
	}
	mw := &where{args: []any{f.Tenant, f.AsOf}}
	period := "true"
	if f.From != nil {
		period += " AND followed_up_on >= " + mw.arg(*f.From)
	}
	if f.To != nil {
		period += " AND followed_up_on <= " + mw.arg(*f.To)
	}
	median, err := v.sql(ctx, `SELECT count(*), count(*) FILTER (WHERE followed_up_at > due_at),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM followed_up_at - received_at)), 0)
		FROM {f}.hotline_calls WHERE tenant = $1 AND followed_up_at <= $2 AND `+period)
	if err != nil {
		return nil, err
	}
	out := &HotlineLevels{}
	err = pgx.BeginTxFunc(ctx, v.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, counts, f.Tenant, f.AsOf).Scan(&out.Open, &out.Overdue); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, list, lw.args...)
		if err != nil {
			return err
		}
		out.OverdueCalls, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OverdueCallRow, error) {
			var c OverdueCallRow
			var line int16
			err := r.Scan(&c.CallID, &line, &c.Urgency, &c.Owner, &c.ReceivedAt, &c.DueAt)
			c.Line = int(line)
			return c, err
		})
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, median, mw.args...).Scan(&out.FollowedUp, &out.Late, &out.MedianFollowUpSeconds)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VisitFigures are the station figures of the visits and publicity events
// of a period.
type VisitFigures struct {
	Completed                  int64
	ByKind, ByService          []CountRow
	PersonTimes                int64
	Cards                      int64
	OutreachEvents, Attendance int64
}

// CountRow is a count under a key.
type CountRow struct {
	Key   string
	Count int64
}

// visitFiguresSQL computes VisitFigures for tenant $1 and the China dates
// $2 to $3, one row per figure: (kind, key, count).
const visitFiguresSQL = `WITH v AS (
		SELECT * FROM {f}.visits WHERE tenant = $1 AND status = 'completed' AND occurred_on BETWEEN $2 AND $3
	), o AS (
		SELECT * FROM {f}.outreach_events WHERE tenant = $1 AND held_on BETWEEN $2 AND $3
	)
	SELECT 'completed', '', count(*) FROM v
	UNION ALL
	(SELECT 'kind', kind, count(*) FROM v GROUP BY kind ORDER BY kind)
	UNION ALL
	(SELECT 'service', s.service, count(*) FROM {f}.visit_services s JOIN v ON v.visit_id = s.visit_id
	 WHERE s.tenant = $1 GROUP BY s.service ORDER BY s.service)
	UNION ALL
	SELECT 'person_times', '', coalesce(sum(CASE WHEN v.persons > 0 THEN v.persons ELSE
		(SELECT count(*) FROM {s}.persons p WHERE p.tenant = $1 AND p.household_id = v.household_id AND p.status = 'active') END), 0)::bigint FROM v
	UNION ALL
	SELECT 'cards', '', (SELECT coalesce(sum(c.count), 0) FROM {f}.visit_cards c JOIN v ON v.visit_id = c.visit_id WHERE c.tenant = $1)
		+ (SELECT coalesce(sum(c.count), 0) FROM {f}.outreach_cards c JOIN o ON o.event_id = c.event_id WHERE c.tenant = $1)
	UNION ALL
	SELECT 'outreach', '', count(*) FROM o
	UNION ALL
	SELECT 'attendance', '', coalesce(sum(attendance), 0)::bigint FROM o`

func scanVisitFigures(ctx context.Context, tx pgx.Tx, q, tenant string, start, end time.Time) (*VisitFigures, error) {
	rows, err := tx.Query(ctx, q, tenant, start, end)
	if err != nil {
		return nil, err
	}
	out := &VisitFigures{}
	var kind, key string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&kind, &key, &n}, func() error {
		switch kind {
		case "completed":
			out.Completed = n
		case "kind":
			out.ByKind = append(out.ByKind, CountRow{key, n})
		case "service":
			out.ByService = append(out.ByService, CountRow{key, n})
		case "person_times":
			out.PersonTimes = n
		case "cards":
			out.Cards = n
		case "outreach":
			out.OutreachEvents = n
		case "attendance":
			out.Attendance = n
		}
		return nil
	})
	return out, err
}
