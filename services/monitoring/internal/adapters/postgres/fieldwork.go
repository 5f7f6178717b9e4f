package postgres

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	visitsv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/policy"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// FieldworkProjectionName names the fieldwork projection's schemas and
// consumers: the station's work in the field (visits, publicity events,
// hotline calls, social workers' villages and station days), projected from
// the visits stream.
//
// It is a projection of its own, not a second source of the caseload's:
// each rebuilds from its own stream, the caseload keeps running before the
// visits service has created its stream, and adding it needed no change to
// the caseload's live tables. Queries join the two generations' schemas.
const FieldworkProjectionName = "fieldwork"

// FieldworkSourceService is the service whose stream the fieldwork
// projection reads.
const FieldworkSourceService = "visits"

// Wire types of the visits events the fieldwork projection applies
// (contracts/EVENTS.md). Themes and card editions feed no view yet and are
// skipped, as are types added later.
const (
	typeVisitScheduled        = "visits.visit.scheduled"
	typeVisitCompleted        = "visits.visit.completed"
	typeVisitAddendumRecorded = "visits.visit.addendum_recorded"
	typeVisitCancelled        = "visits.visit.cancelled"
	typeVisitMissed           = "visits.visit.missed"
	typeOutreachRecorded      = "visits.outreach.recorded"
	typeOutreachCorrected     = "visits.outreach.corrected"
	typeHotlineCallReceived   = "visits.hotline_call.received"
	typeHotlineCallTriaged    = "visits.hotline_call.triaged"
	typeHotlineCallFollowedUp = "visits.hotline_call.followed_up"
	typeVillageAssigned       = "visits.assignment.village_assigned"
	typeVillageReleased       = "visits.assignment.village_released"
	typeStationDayScheduled   = "visits.assignment.station_day_scheduled"
)

// Kinds of contact with a person, as ListDueFollowUps reports the last one.
const (
	contactVisit           = "visit"
	contactHotlineFollowUp = "hotline_follow_up"
	contactMonthlyUpdate   = "monthly_update"
)

//go:embed fieldwork.sql
var fieldworkSQL string

// FieldworkProjection is the fieldwork read model over the visits stream.
func FieldworkProjection() projection.Projection {
	return projection.Projection{
		Name:    FieldworkProjectionName,
		Sources: []projection.Source{{Service: FieldworkSourceService}},
		Setup: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, fieldworkSQL)
			return err
		},
	}.Queueing(queueFieldwork)
}

// instant is a payload instant, or the event's business time when absent.
func instant(ts *timestamppb.Timestamp, ev wire.Event) time.Time {
	if ts == nil {
		return ev.Time
	}
	return ts.AsTime()
}

// chinaDate is t's date in China, as "YYYY-MM-DD".
func chinaDate(t time.Time) string { return policy.DateOf(t).Format(time.DateOnly) }

// dayOr is dateOr checked to be a date, for a caller that needs its month.
func dayOr(s string, ev wire.Event) (string, error) {
	on := dateOr(s, ev)
	if _, err := time.Parse(time.DateOnly, on); err != nil {
		return "", fmt.Errorf("date %q: want YYYY-MM-DD", on)
	}
	return on, nil
}

// nullable is s, or SQL NULL when empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// queueFieldwork adds the statements that apply ev to b.
func queueFieldwork(b *pgx.Batch, ev wire.Event) error {
	t, v := ev.Tenant, int64(ev.StreamVersion)
	switch ev.Type {
	case typeVisitScheduled:
		var e visitsv1.VisitScheduled
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO visits (tenant, visit_id, kind, village, household_id, persons, social_worker, status, planned_on, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8::date, $9)
			ON CONFLICT (tenant, visit_id) DO NOTHING`,
			t, e.GetVisitId(), e.GetKind(), e.GetVillage(), nullable(e.GetHouseholdId()), len(e.GetPersonIds()),
			e.GetSocialWorker(), nullable(e.GetPlannedOn()), v)

	case typeVisitCompleted:
		var e visitsv1.VisitCompleted
		if err := decode(ev, &e); err != nil {
			return err
		}
		at := instant(e.GetOccurredAt(), ev)
		on := chinaDate(at)
		month := e.GetMonth()
		if month == "" {
			month = on[:7] // on is always a full date
		}
		// The completion repeats the visit's details: they replace the
		// schedule's, and a visit recorded without one starts here.
		b.Queue(`INSERT INTO visits (tenant, visit_id, kind, village, household_id, persons, social_worker, status,
				occurred_at, occurred_on, month, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'completed', $8, $9::date, $10, $11)
			ON CONFLICT (tenant, visit_id) DO UPDATE SET kind = excluded.kind, village = excluded.village,
				household_id = excluded.household_id, persons = excluded.persons, social_worker = excluded.social_worker,
				status = 'completed', occurred_at = excluded.occurred_at, occurred_on = excluded.occurred_on,
				month = excluded.month, version = excluded.version`,
			t, e.GetVisitId(), e.GetKind(), e.GetVillage(), nullable(e.GetHouseholdId()), len(e.GetPersonIds()),
			e.GetSocialWorker(), at, on, month, v)
		b.Queue(`INSERT INTO visit_persons (tenant, visit_id, person_id)
			SELECT $1, $2, p FROM unnest($3::uuid[]) AS p ON CONFLICT DO NOTHING`, t, e.GetVisitId(), nonNil(e.GetPersonIds()))
		if len(e.GetPersonIds()) > 0 {
			b.Queue(`INSERT INTO person_contacts (tenant, person_id, last_at, last_on, last_kind)
				SELECT DISTINCT $1, p, $3::timestamptz, $4::date, $5 FROM unnest($2::uuid[]) AS p`+upsertContact,
				t, e.GetPersonIds(), at, on, contactVisit)
		} else if e.GetHouseholdId() != "" {
			b.Queue(`INSERT INTO household_contacts (tenant, household_id, last_at, last_on) VALUES ($1, $2, $3, $4::date)
				ON CONFLICT (tenant, household_id) DO UPDATE SET
					last_at = greatest(household_contacts.last_at, excluded.last_at),
					last_on = greatest(household_contacts.last_on, excluded.last_on)`,
				t, e.GetHouseholdId(), at, on)
		}
		queueReport(b, t, e.GetVisitId(), e.GetReportId(), e.GetServices(), e.GetCards())

	case typeVisitAddendumRecorded:
		var e visitsv1.VisitAddendumRecorded
		if err := decode(ev, &e); err != nil {
			return err
		}
		// Not a second contact or visit: only its services and cards count.
		queueReport(b, t, e.GetVisitId(), e.GetReportId(), e.GetServices(), e.GetCards())

	case typeVisitCancelled, typeVisitMissed:
		var e visitsv1.VisitCancelled // the missed payload has the same fields
		if err := decode(ev, &e); err != nil {
			return err
		}
		status := "cancelled"
		if ev.Type == typeVisitMissed {
			status = "missed"
		}
		b.Queue(`UPDATE visits SET status = $3, version = $4
			WHERE tenant = $1 AND visit_id = $2 AND status = 'scheduled'`, t, e.GetVisitId(), status, v)

	case typeOutreachRecorded:
		var e visitsv1.OutreachRecorded
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO outreach_events (tenant, event_id, village, held_on, organiser, attendance)
			VALUES ($1, $2, $3, $4::date, $5, $6) ON CONFLICT (tenant, event_id) DO NOTHING`,
			t, e.GetEventId(), e.GetVillage(), dateOr(e.GetHeldOn(), ev), e.GetOrganiser(), e.GetAttendance())
		queueOutreachCards(b, t, e.GetEventId(), e.GetCards())

	case typeOutreachCorrected:
		var e visitsv1.OutreachCorrected
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`UPDATE outreach_events SET attendance = $3 WHERE tenant = $1 AND event_id = $2`,
			t, e.GetEventId(), e.GetAttendance())
		queueOutreachCards(b, t, e.GetEventId(), e.GetCards())

	case typeHotlineCallReceived:
		var e visitsv1.HotlineCallReceived
		if err := decode(ev, &e); err != nil {
			return err
		}
		received := instant(e.GetReceivedAt(), ev)
		due := received
		if e.GetDueAt() != nil {
			due = e.GetDueAt().AsTime()
		}
		b.Queue(`INSERT INTO hotline_calls (tenant, call_id, line, urgency, caller_person_id, received_at, due_at)
			VALUES ($1, $2, $3, $4, $5::uuid, $6, $7) ON CONFLICT (tenant, call_id) DO NOTHING`,
			t, e.GetCallId(), e.GetLine(), e.GetUrgency(), nullable(e.GetCaller().GetPersonId()), received, due)

	case typeHotlineCallTriaged:
		var e visitsv1.HotlineCallTriaged
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`UPDATE hotline_calls SET owner = $3, urgency = coalesce(nullif($4, ''), urgency),
				due_at = coalesce($5, due_at)
			WHERE tenant = $1 AND call_id = $2`,
			t, e.GetCallId(), e.GetOwner(), e.GetUrgency(), timeOrNil(e.GetDueAt()))

	case typeHotlineCallFollowedUp:
		var e visitsv1.HotlineCallFollowedUp
		if err := decode(ev, &e); err != nil {
			return err
		}
		at := instant(e.GetFollowedUpAt(), ev)
		b.Queue(`UPDATE hotline_calls SET followed_up_at = $3, followed_up_on = $4::date, follow_up_method = $5
			WHERE tenant = $1 AND call_id = $2`, t, e.GetCallId(), at, chinaDate(at), e.GetMethod())
		// The follow-up is a contact with the caller, whom only the
		// call's receipt (earlier in this stream, so already applied) names.
		b.Queue(`INSERT INTO person_contacts (tenant, person_id, last_at, last_on, last_kind)
			SELECT tenant, caller_person_id, $3, $4::date, $5 FROM hotline_calls
			WHERE tenant = $1 AND call_id = $2 AND caller_person_id IS NOT NULL`+upsertContact,
			t, e.GetCallId(), at, chinaDate(at), contactHotlineFollowUp)

	case typeVillageAssigned, typeVillageReleased:
		var e visitsv1.VillageAssigned // the release's payload has the same fields
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO village_assignments (tenant, social_worker, version, village, assigned, effective_on)
			VALUES ($1, $2, $3, $4, $5, $6::date) ON CONFLICT DO NOTHING`,
			t, e.GetSocialWorker(), v, e.GetVillage(), ev.Type == typeVillageAssigned, dateOr(e.GetEffectiveOn(), ev))

	case typeStationDayScheduled:
		var e visitsv1.StationDayScheduled
		if err := decode(ev, &e); err != nil {
			return err
		}
		on, err := dayOr(e.GetOn(), ev)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO station_days (tenant, village, month, day, social_worker) VALUES ($1, $2, $3, $4::date, $5)
			ON CONFLICT (tenant, village, month) DO UPDATE SET day = excluded.day, social_worker = excluded.social_worker`,
			t, e.GetVillage(), on[:7], on, e.GetSocialWorker())
	}
	return nil
}

// upsertContact keeps a person's latest contact: a later one replaces it, an
// earlier one (a visit recorded days after it occurred) does not.
const upsertContact = `
	ON CONFLICT (tenant, person_id) DO UPDATE SET
		last_kind = CASE WHEN excluded.last_at > person_contacts.last_at THEN excluded.last_kind ELSE person_contacts.last_kind END,
		last_at = greatest(person_contacts.last_at, excluded.last_at),
		last_on = greatest(person_contacts.last_on, excluded.last_on)`

// queueReport records one report's services and cards.
func queueReport(b *pgx.Batch, tenant, visitID, reportID string, services []string, cards []*visitsv1.EventCardHandout) {
	b.Queue(`INSERT INTO visit_services (tenant, visit_id, report_id, service)
		SELECT $1, $2, $3, s FROM unnest($4::text[]) AS s ON CONFLICT DO NOTHING`,
		tenant, visitID, reportID, nonNil(services))
	editions, counts := handouts(cards)
	b.Queue(`INSERT INTO visit_cards (tenant, visit_id, report_id, edition, count)
		SELECT $1, $2, $3, e, sum(c) FROM unnest($4::integer[], $5::integer[]) AS h(e, c) GROUP BY e
		ON CONFLICT (tenant, visit_id, report_id, edition) DO UPDATE SET count = visit_cards.count + excluded.count`,
		tenant, visitID, reportID, editions, counts)
}

// queueOutreachCards replaces a publicity event's cards with cards.
func queueOutreachCards(b *pgx.Batch, tenant, eventID string, cards []*visitsv1.EventCardHandout) {
	editions, counts := handouts(cards)
	b.Queue(`DELETE FROM outreach_cards WHERE tenant = $1 AND event_id = $2`, tenant, eventID)
	b.Queue(`INSERT INTO outreach_cards (tenant, event_id, edition, count)
		SELECT $1, $2, e, sum(c) FROM unnest($3::integer[], $4::integer[]) AS h(e, c) GROUP BY e`,
		tenant, eventID, editions, counts)
}

func handouts(cards []*visitsv1.EventCardHandout) (editions, counts []int32) {
	editions, counts = []int32{}, []int32{}
	for _, c := range cards {
		editions = append(editions, c.GetEdition())
		counts = append(counts, c.GetCount())
	}
	return editions, counts
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func timeOrNil(ts *timestamppb.Timestamp) any {
	if ts == nil {
		return nil
	}
	return ts.AsTime()
}
