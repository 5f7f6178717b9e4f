// Package postgres holds the monitoring read models: the caseload projection
// that turns beneficiaries events into tables, the fieldwork projection that
// does the same for visits events, and the queries over both.
//
// The tables hold no sensitive personal data and no names: ids, codes,
// dates and tiers only. Sealed fields are never decoded, and the clear
// identifying fields of PersonRegistered (name, gender, birth date) are not
// kept, so a "forgotten" person leaves nothing to erase here. Of the visits
// events, names of participants, needs, reasons and outcomes are not kept
// either.
package postgres

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	benv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/policy"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// ProjectionName names the caseload projection's schemas and consumers.
const ProjectionName = "caseload"

// SourceService is the service whose stream the projection reads.
const SourceService = "beneficiaries"

// Wire types of the beneficiaries events the projection applies
// (contracts/EVENTS.md). Others (address and contact changes, health notes)
// carry only sealed data and are skipped, as are types added later.
const (
	typeHouseholdRegistered  = "beneficiaries.household.registered"
	typePersonRegistered     = "beneficiaries.person.registered"
	typeMovedHousehold       = "beneficiaries.person.moved_household"
	typeCategoryAdded        = "beneficiaries.person.category_added"
	typeCategoryRemoved      = "beneficiaries.person.category_removed"
	typeTierAssessed         = "beneficiaries.person.tier_assessed"
	typeMonthlyFileUpdated   = "beneficiaries.person.monthly_file_updated"
	typeSocialWorkerAssigned = "beneficiaries.person.social_worker_assigned"
	typeExited               = "beneficiaries.person.exited"
	typeReinstated           = "beneficiaries.person.reinstated"
	typeForgotten            = "beneficiaries.person.forgotten"
)

//go:embed schema.sql
var schemaSQL string

// Projection is the caseload read model over the beneficiaries stream.
func Projection() projection.Projection {
	return projection.Projection{
		Name:    ProjectionName,
		Sources: []projection.Source{{Service: SourceService}},
		Setup: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, schemaSQL)
			return err
		},
	}.Queueing(queue)
}

var decoder = protojson.UnmarshalOptions{DiscardUnknown: true}

func decode(ev wire.Event, m proto.Message) error {
	if err := decoder.Unmarshal(ev.Data, m); err != nil {
		return fmt.Errorf("decode payload: %w", err)
	}
	return nil
}

// dateOr is a payload date, or the event's business date when it is absent.
func dateOr(s string, ev wire.Event) string {
	if s != "" {
		return s
	}
	return policy.DateOf(ev.Time).Format(time.DateOnly)
}

// queue adds the statements that apply ev to b.
func queue(b *pgx.Batch, ev wire.Event) error {
	t, v := ev.Tenant, int64(ev.StreamVersion)
	switch ev.Type {
	case typeHouseholdRegistered:
		var e benv1.HouseholdRegistered
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`INSERT INTO households (tenant, household_id, village, registered_on, version)
			VALUES ($1, $2, $3, $4::date, $5) ON CONFLICT (tenant, household_id) DO NOTHING`,
			t, e.GetHouseholdId(), e.GetVillage(), dateOr(e.GetRegisteredOn(), ev), v)

	case typePersonRegistered:
		var e benv1.PersonRegistered
		if err := decode(ev, &e); err != nil {
			return err
		}
		on := dateOr(e.GetRegisteredOn(), ev)
		cats := e.GetCategories()
		if cats == nil {
			cats = []string{}
		}
		b.Queue(`INSERT INTO persons (tenant, person_id, household_id, village, categories, status, registered_on, version)
			VALUES ($1, $2, $3, $4, $5, 'active', $6::date, $7) ON CONFLICT (tenant, person_id) DO NOTHING`,
			t, e.GetPersonId(), e.GetHouseholdId(), e.GetVillage(), cats, on, v)
		b.Queue(`INSERT INTO status_history (tenant, person_id, version, status, reason, effective_on)
			VALUES ($1, $2, $3, 'active', '', $4::date)`, t, e.GetPersonId(), v, on)
		b.Queue(`INSERT INTO village_history (tenant, person_id, version, household_id, village, effective_on)
			VALUES ($1, $2, $3, $4, $5, $6::date)`, t, e.GetPersonId(), v, e.GetHouseholdId(), e.GetVillage(), on)
		b.Queue(`INSERT INTO category_history (tenant, person_id, version, category, held, effective_on)
			SELECT $1, $2, $3, c, true, $5::date FROM unnest($4::text[]) AS c ON CONFLICT DO NOTHING`,
			t, e.GetPersonId(), v, cats, on)

	case typeMovedHousehold:
		var e benv1.PersonMovedHousehold
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`UPDATE persons SET household_id = $3, village = $4, version = $5 WHERE tenant = $1 AND person_id = $2`,
			t, e.GetPersonId(), e.GetToHouseholdId(), e.GetVillage(), v)
		b.Queue(`INSERT INTO village_history (tenant, person_id, version, household_id, village, effective_on)
			VALUES ($1, $2, $3, $4, $5, $6::date)`,
			t, e.GetPersonId(), v, e.GetToHouseholdId(), e.GetVillage(), dateOr(e.GetEffectiveOn(), ev))

	case typeCategoryAdded, typeCategoryRemoved:
		held := ev.Type == typeCategoryAdded
		var e benv1.PersonCategoryAdded // the removal's payload has the same fields
		if err := decode(ev, &e); err != nil {
			return err
		}
		if held {
			b.Queue(`UPDATE persons SET categories = CASE WHEN $3 = ANY (categories) THEN categories
					ELSE array_append(categories, $3) END, version = $4
				WHERE tenant = $1 AND person_id = $2`, t, e.GetPersonId(), e.GetCategory(), v)
		} else {
			b.Queue(`UPDATE persons SET categories = array_remove(categories, $3), version = $4
				WHERE tenant = $1 AND person_id = $2`, t, e.GetPersonId(), e.GetCategory(), v)
		}
		b.Queue(`INSERT INTO category_history (tenant, person_id, version, category, held, effective_on)
			VALUES ($1, $2, $3, $4, $5, $6::date)`,
			t, e.GetPersonId(), v, e.GetCategory(), held, dateOr(e.GetEffectiveOn(), ev))

	case typeTierAssessed:
		var e benv1.PersonTierAssessed
		if err := decode(ev, &e); err != nil {
			return err
		}
		on := dateOr(e.GetEffectiveOn(), ev)
		// A backdated assessment enters the history but does not replace a
		// current tier that took effect later.
		b.Queue(`UPDATE persons SET tier = $3, tier_effective_on = $4::date, version = $5
			WHERE tenant = $1 AND person_id = $2 AND (tier_effective_on IS NULL OR tier_effective_on <= $4::date)`,
			t, e.GetPersonId(), e.GetTier(), on, v)
		b.Queue(`INSERT INTO tier_history (tenant, person_id, version, tier, effective_on)
			VALUES ($1, $2, $3, $4, $5::date)`, t, e.GetPersonId(), v, e.GetTier(), on)

	case typeMonthlyFileUpdated:
		var e benv1.PersonMonthlyFileUpdated
		if err := decode(ev, &e); err != nil {
			return err
		}
		// An amendment replaces the month's update: the month stays updated.
		// The update counts as a contact at its business time.
		b.Queue(`INSERT INTO monthly_updates (tenant, person_id, month, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant, person_id, month) DO UPDATE SET updated_at = greatest(monthly_updates.updated_at, excluded.updated_at)`,
			t, e.GetPersonId(), e.GetMonth(), ev.Time)
		b.Queue(`UPDATE persons SET
				last_monthly_update = CASE WHEN last_monthly_update IS NULL OR last_monthly_update < $3 THEN $3 ELSE last_monthly_update END,
				last_contact_at = greatest(last_contact_at, $4),
				last_contact_on = greatest(last_contact_on, $5::date),
				version = $6
			WHERE tenant = $1 AND person_id = $2`,
			t, e.GetPersonId(), e.GetMonth(), ev.Time, policy.DateOf(ev.Time).Format(time.DateOnly), v)

	case typeSocialWorkerAssigned:
		var e benv1.PersonSocialWorkerAssigned
		if err := decode(ev, &e); err != nil {
			return err
		}
		b.Queue(`UPDATE persons SET social_worker = $3, version = $4 WHERE tenant = $1 AND person_id = $2`,
			t, e.GetPersonId(), e.GetSocialWorker(), v)

	case typeExited:
		var e benv1.PersonExited
		if err := decode(ev, &e); err != nil {
			return err
		}
		on := dateOr(e.GetEffectiveOn(), ev)
		b.Queue(`UPDATE persons SET status = 'exited', exited_on = $3::date, exit_reason = $4, version = $5
			WHERE tenant = $1 AND person_id = $2`, t, e.GetPersonId(), on, e.GetReason(), v)
		b.Queue(`INSERT INTO status_history (tenant, person_id, version, status, reason, effective_on)
			VALUES ($1, $2, $3, 'exited', $4, $5::date)`, t, e.GetPersonId(), v, e.GetReason(), on)

	case typeReinstated:
		var e benv1.PersonReinstated
		if err := decode(ev, &e); err != nil {
			return err
		}
		on := dateOr(e.GetEffectiveOn(), ev)
		b.Queue(`UPDATE persons SET status = 'active', exited_on = NULL, exit_reason = NULL, version = $3
			WHERE tenant = $1 AND person_id = $2`, t, e.GetPersonId(), v)
		b.Queue(`INSERT INTO status_history (tenant, person_id, version, status, reason, effective_on)
			VALUES ($1, $2, $3, 'active', '', $4::date)`, t, e.GetPersonId(), v, on)

	case typeForgotten:
		var e benv1.PersonForgotten
		if err := decode(ev, &e); err != nil {
			return err
		}
		on := dateOr(e.GetOn(), ev)
		b.Queue(`UPDATE persons SET status = 'forgotten', version = $3 WHERE tenant = $1 AND person_id = $2`,
			t, e.GetPersonId(), v)
		b.Queue(`INSERT INTO status_history (tenant, person_id, version, status, reason, effective_on)
			VALUES ($1, $2, $3, 'forgotten', '', $4::date)`, t, e.GetPersonId(), v, on)
	}
	return nil
}
