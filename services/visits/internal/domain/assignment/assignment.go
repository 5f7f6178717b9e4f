// Package assignment is a social worker's village assignments (一社工多村居):
// the villages or communities a social worker is responsible for, with the
// dates each assignment took effect and ended, and the day each month the
// social worker is stationed in each village.
//
// A social worker holds 1 or 2 villages; a third or more only with a reason
// on record, so that an overload is a decision someone owns. Changes are kept
// in effective-date order (a change cannot take effect before the previous
// one), which lets VillagesOn answer "which villages did sw-07 hold on date
// D" by a scan. Assignments may be planned ahead: an effective date may be in
// the future.
//
// The aggregate is keyed by tenant and social worker (Key). That a village
// has one social worker at a time spans aggregates; the app layer checks it
// against its view of who holds which village.
package assignment

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// MaxVillages is how many villages a social worker holds without a recorded
// reason.
const MaxVillages = 2

// Key is the assignments' natural key within the service,
// "<tenant>-<social worker>", from which the adapters name the stream.
func Key(tenant, socialWorker string) string { return tenant + "-" + socialWorker }

// Change is one change of one village's assignment.
type Change struct {
	Village     string
	Assigned    bool // false: released
	EffectiveOn domainkit.Date
	Reason      string
}

type villageMonth struct {
	village string
	month   domainkit.Month
}

// Assignment is the state rebuilt from a social worker's assignment events.
type Assignment struct {
	tenant       string
	socialWorker string
	changes      []Change // in effective-date order
	stationDays  map[villageMonth]domainkit.Date

	domainkit.Versioned[Event]
}

// Replay rebuilds a social worker's assignments from their stored history.
func Replay(history []Event) (*Assignment, error) {
	return domainkit.Replay(&Assignment{}, history)
}

// Apply applies one stored event and advances the version.
func (a *Assignment) Apply(e Event) error {
	return a.Applied(a.when, e)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (a *Assignment) record(e Event) {
	a.Versioned.Record(a.when, e)
}

func (a *Assignment) when(e Event) error {
	if _, ok := e.(VillageAssigned); !ok && !a.started() {
		return fmt.Errorf("assignment: %T before any village was assigned: %w", e, ErrNoAssignments)
	}
	switch e := e.(type) {
	case VillageAssigned:
		if !a.started() {
			a.tenant, a.socialWorker = e.Tenant, e.SocialWorker
			a.stationDays = map[villageMonth]domainkit.Date{}
		}
		a.changes = append(a.changes, Change{e.Village, true, e.EffectiveOn, e.Reason})
	case VillageReleased:
		a.changes = append(a.changes, Change{e.Village, false, e.EffectiveOn, e.Reason})
	case StationDayScheduled:
		a.stationDays[villageMonth{e.Village, e.On.YearMonth()}] = e.On
	default:
		return fmt.Errorf("assignment: cannot apply %T", e)
	}
	return nil
}

func (a *Assignment) started() bool { return a.socialWorker != "" }

// AssignVillage makes a social worker responsible for a village from
// EffectiveOn ("YYYY-MM-DD", empty for today).
type AssignVillage struct {
	Tenant       string
	SocialWorker string // staff id
	Village      string // village code; the app layer checks it is the tenant's
	EffectiveOn  string
	Reason       string // required for a village beyond MaxVillages
}

// Assign validates cmd and records VillageAssigned. The first assignment
// starts the social worker's history; later ones must name the same tenant
// and social worker.
func (a *Assignment) Assign(cmd AssignVillage, now time.Time) error {
	var errs domainkit.FieldErrors
	tenant, err := domainkit.ParseID(cmd.Tenant)
	errs.Add("tenant", err)
	worker, err := domainkit.ParseID(cmd.SocialWorker)
	errs.Add("social_worker", err)
	village, on, reason, err := a.parseChange(cmd.Village, cmd.EffectiveOn, cmd.Reason, now)
	errs.Add("", err)
	held := a.Villages()
	if err == nil && !slices.Contains(held, village) && len(held) >= MaxVillages && reason == "" {
		errs.Add("reason", ErrReasonRequired)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if a.started() && (tenant != a.tenant || worker != a.socialWorker) {
		return fmt.Errorf("%w: %s/%s, not %s/%s", ErrOtherSocialWorker, tenant, worker, a.tenant, a.socialWorker)
	}
	if slices.Contains(held, village) {
		return fmt.Errorf("%w: %s", ErrVillageHeld, village)
	}
	a.record(VillageAssigned{Tenant: tenant, SocialWorker: worker, Village: village, EffectiveOn: on, Reason: reason})
	return nil
}

// ReleaseVillage ends a social worker's responsibility for a village from
// EffectiveOn ("YYYY-MM-DD", empty for today).
type ReleaseVillage struct {
	Village     string
	EffectiveOn string
	Reason      string // optional
}

// Release validates cmd and records VillageReleased. A social worker may
// release their last village (they leave, or change roles).
func (a *Assignment) Release(cmd ReleaseVillage, now time.Time) error {
	if !a.started() {
		return ErrNoAssignments
	}
	village, on, reason, err := a.parseChange(cmd.Village, cmd.EffectiveOn, cmd.Reason, now)
	if err != nil {
		return err
	}
	if !slices.Contains(a.Villages(), village) {
		return fmt.Errorf("%w: %s", ErrVillageNotHeld, village)
	}
	a.record(VillageReleased{Tenant: a.tenant, SocialWorker: a.socialWorker, Village: village, EffectiveOn: on, Reason: reason})
	return nil
}

func (a *Assignment) parseChange(village, effectiveOn, reason string, now time.Time) (string, domainkit.Date, string, error) {
	var errs domainkit.FieldErrors
	village, err := domainkit.ParseID(village)
	errs.Add("village", err)
	on, err := domainkit.PlannedDate(effectiveOn, domainkit.Today(now))
	if n := len(a.changes); err == nil && n > 0 && on.Before(a.changes[n-1].EffectiveOn) {
		err = fmt.Errorf("%w (%s)", ErrOutOfOrder, a.changes[n-1].EffectiveOn)
	}
	errs.Add("effective_on", err)
	reason, err = domainkit.Text(reason, domainkit.MaxReason, false, true)
	errs.Add("reason", err)
	return village, on, reason, errs.Err()
}

// ScheduleStationDay sets the day of a month the social worker is stationed
// in a village (驻点日). A village has one station day a month; to move it,
// send the new date with Reschedule set.
type ScheduleStationDay struct {
	Village    string
	On         string // "YYYY-MM-DD"
	Reschedule bool
}

// ScheduleStationDay validates cmd and records StationDayScheduled. The
// social worker must hold the village on that day.
func (a *Assignment) ScheduleStationDay(cmd ScheduleStationDay) error {
	if !a.started() {
		return ErrNoAssignments
	}
	var errs domainkit.FieldErrors
	village, err := domainkit.ParseID(cmd.Village)
	errs.Add("village", err)
	on, err := domainkit.ParseDate(cmd.On)
	errs.Add("on", err)
	if err := errs.Err(); err != nil {
		return err
	}
	if !slices.Contains(a.VillagesOn(on), village) {
		return fmt.Errorf("%w on %s: %s", ErrVillageNotHeld, on, village)
	}
	previous, scheduled := a.StationDay(village, on.YearMonth())
	switch {
	case scheduled && !cmd.Reschedule:
		return fmt.Errorf("%w: %s in %s is on %s", ErrStationDayExists, village, on.YearMonth(), previous)
	case !scheduled && cmd.Reschedule:
		return fmt.Errorf("%w: %s in %s", ErrNoStationDay, village, on.YearMonth())
	case previous == on:
		return nil
	}
	a.record(StationDayScheduled{
		Tenant: a.tenant, SocialWorker: a.socialWorker, Village: village, On: on, Previous: previous,
	})
	return nil
}

// Tenant is the station or town the social worker works for.
func (a *Assignment) Tenant() string { return a.tenant }

// SocialWorker is the social worker's staff id.
func (a *Assignment) SocialWorker() string { return a.socialWorker }

// Villages are the codes of the villages held after every recorded change
// (including any planned ahead), sorted.
func (a *Assignment) Villages() []string { return a.held(nil) }

// VillagesOn are the codes of the villages held on date d, sorted.
func (a *Assignment) VillagesOn(d domainkit.Date) []string { return a.held(&d) }

func (a *Assignment) held(d *domainkit.Date) []string {
	in := map[string]bool{}
	for _, c := range a.changes {
		if d == nil || !c.EffectiveOn.After(*d) {
			in[c.Village] = c.Assigned
		}
	}
	var out []string
	for v, held := range in {
		if held {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// History returns a copy of the changes, oldest first, for an audit view.
func (a *Assignment) History() []Change { return slices.Clone(a.changes) }

// StationDay is the village's station day in month m; false if none is
// scheduled.
func (a *Assignment) StationDay(village string, m domainkit.Month) (domainkit.Date, bool) {
	d, ok := a.stationDays[villageMonth{village, m}]
	return d, ok
}

// Version is the number of stored events the assignments were rebuilt from:

// StationDayOn is one station day: the village and the date.
type StationDayOn struct {
	Village string
	On      domainkit.Date
}

// StationDays lists every station day on record, by date, then village.
func (a *Assignment) StationDays() []StationDayOn {
	out := make([]StationDayOn, 0, len(a.stationDays))
	for vm, on := range a.stationDays {
		out = append(out, StationDayOn{Village: vm.village, On: on})
	}
	slices.SortFunc(out, func(x, y StationDayOn) int {
		if c := x.On.Compare(y.On); c != 0 {
			return c
		}
		return strings.Compare(x.Village, y.Village)
	})
	return out
}
