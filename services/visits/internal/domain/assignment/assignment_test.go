package assignment_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/scenario"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
)

type assignmentCase = scenario.Case[*assignment.Assignment, assignment.Event]

func run(t *testing.T, cases map[string]assignmentCase) {
	t.Helper()
	scenario.RunAll(t, assignment.Replay, cases)
}

var (
	// 09:00 on 15 June 2025 in China.
	now = time.Date(2025, 6, 15, 1, 0, 0, 0, time.UTC)

	v03 = assigned("V03", "2025-01-01", "")
	v07 = assigned("V07", "2025-03-01", "")
	v11 = assigned("V11", "2025-05-01", "V11's social worker is on maternity leave")
	rel = assignment.VillageReleased{Tenant: "shitan", SocialWorker: "sw-07", Village: "V03", EffectiveOn: date("2025-06-01")}
	sd  = assignment.StationDayScheduled{Tenant: "shitan", SocialWorker: "sw-07", Village: "V07", On: date("2025-06-10")}
)

func assigned(village, on, reason string) assignment.VillageAssigned {
	return assignment.VillageAssigned{Tenant: "shitan", SocialWorker: "sw-07", Village: village, EffectiveOn: date(on), Reason: reason}
}

func date(s string) domainkit.Date {
	d, err := domainkit.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func field(name string) error { return &domainkit.FieldError{Field: name} }

func given(events ...assignment.Event) []assignment.Event { return events }

func TestAssign(t *testing.T) {
	t.Parallel()
	assign := func(village, on, reason string) func(*assignment.Assignment) error {
		return func(a *assignment.Assignment) error {
			return a.Assign(assignment.AssignVillage{Tenant: "shitan", SocialWorker: "sw-07", Village: village, EffectiveOn: on, Reason: reason}, now)
		}
	}
	run(t, map[string]assignmentCase{
		"a first village starts the history": {When: assign("V03", "2025-01-01", ""), Then: []assignment.Event{v03}},
		"today by default":                   {When: assign("V03", "", ""), Then: []assignment.Event{assigned("V03", "2025-06-15", "")}},
		"planned ahead":                      {When: assign("V03", "2025-07-01", ""), Then: []assignment.Event{assigned("V03", "2025-07-01", "")}},
		"a second village":                   {Given: given(v03), When: assign("V07", "2025-03-01", ""), Then: []assignment.Event{v07}},
		"a third village without a reason": {
			Given: given(v03, v07), When: assign("V11", "2025-05-01", ""),
			ThenErr: &domainkit.FieldError{Field: "reason", Reason: assignment.ErrReasonRequired.Error()},
		},
		"a third village with a reason": {
			Given: given(v03, v07), When: assign("V11", "2025-05-01", "V11's social worker is on maternity leave"),
			Then: []assignment.Event{v11},
		},
		"a third village after releasing one needs no reason": {
			Given: given(v03, v07, rel), When: assign("V11", "2025-06-01", ""),
			Then: []assignment.Event{assigned("V11", "2025-06-01", "")},
		},
		"a village held already": {Given: given(v03), When: assign("V03", "2025-02-01", ""), ThenErr: assignment.ErrVillageHeld},
		"a village held already, with two others": {
			Given: given(v03, v07), When: assign("V03", "2025-04-01", ""), ThenErr: assignment.ErrVillageHeld,
		},
		"before the last change": {
			Given: given(v03, v07), When: assign("V11", "2025-02-01", "x"),
			ThenErr: &domainkit.FieldError{Field: "effective_on", Reason: "is before the assignments' last change (2025-03-01)"},
		},
		"no village":  {When: assign("", "", ""), ThenErr: field("village")},
		"bad date":    {When: assign("V03", "2025-02-29", ""), ThenErr: field("effective_on")},
		"long reason": {When: assign("V03", "", strings.Repeat("因", 501)), ThenErr: field("reason")},
		"another social worker's stream": {
			Given: given(v03),
			When: func(a *assignment.Assignment) error {
				return a.Assign(assignment.AssignVillage{Tenant: "shitan", SocialWorker: "sw-08", Village: "V07"}, now)
			},
			ThenErr: assignment.ErrOtherSocialWorker,
		},
		"no social worker": {
			When: func(a *assignment.Assignment) error {
				return a.Assign(assignment.AssignVillage{Tenant: "shitan", Village: "V07"}, now)
			},
			ThenErr: field("social_worker"),
		},
	})
}

func TestRelease(t *testing.T) {
	t.Parallel()
	release := func(village, on string) func(*assignment.Assignment) error {
		return func(a *assignment.Assignment) error {
			return a.Release(assignment.ReleaseVillage{Village: village, EffectiveOn: on}, now)
		}
	}
	run(t, map[string]assignmentCase{
		"releases":               {Given: given(v03, v07), When: release("V03", "2025-06-01"), Then: []assignment.Event{rel}},
		"the last village":       {Given: given(v03), When: release("V03", "2025-06-01"), Then: []assignment.Event{rel}},
		"a village not held":     {Given: given(v03), When: release("V07", ""), ThenErr: assignment.ErrVillageNotHeld},
		"a village released":     {Given: given(v03, v07, rel), When: release("V03", ""), ThenErr: assignment.ErrVillageNotHeld},
		"never assigned":         {When: release("V03", ""), ThenErr: assignment.ErrNoAssignments},
		"before the last change": {Given: given(v03, v07), When: release("V03", "2025-02-01"), ThenErr: field("effective_on")},
	})
}

func TestScheduleStationDay(t *testing.T) {
	t.Parallel()
	schedule := func(village, on string, again bool) func(*assignment.Assignment) error {
		return func(a *assignment.Assignment) error {
			return a.ScheduleStationDay(assignment.ScheduleStationDay{Village: village, On: on, Reschedule: again})
		}
	}
	run(t, map[string]assignmentCase{
		"schedules":          {Given: given(v03, v07), When: schedule("V07", "2025-06-10", false), Then: []assignment.Event{sd}},
		"the next month too": {Given: given(v03, v07, sd), When: schedule("V07", "2025-07-08", false), Then: []assignment.Event{func() assignment.StationDayScheduled { e := sd; e.On = date("2025-07-08"); return e }()}},
		"twice in a month":   {Given: given(v03, v07, sd), When: schedule("V07", "2025-06-20", false), ThenErr: assignment.ErrStationDayExists},
		"rescheduled": {
			Given: given(v03, v07, sd), When: schedule("V07", "2025-06-20", true),
			Then: []assignment.Event{assignment.StationDayScheduled{Tenant: "shitan", SocialWorker: "sw-07", Village: "V07",
				On: date("2025-06-20"), Previous: date("2025-06-10")}},
		},
		"rescheduled to the same day records nothing": {Given: given(v03, v07, sd), When: schedule("V07", "2025-06-10", true)},
		"rescheduling nothing":                        {Given: given(v03, v07), When: schedule("V07", "2025-06-10", true), ThenErr: assignment.ErrNoStationDay},
		"a village not held":                          {Given: given(v03, v07), When: schedule("V11", "2025-06-10", false), ThenErr: assignment.ErrVillageNotHeld},
		"before the village was held": {
			Given: given(v03, v07), When: schedule("V07", "2025-02-10", false), ThenErr: assignment.ErrVillageNotHeld,
		},
		"after the village was released": {
			Given: given(v03, v07, rel), When: schedule("V03", "2025-06-02", false), ThenErr: assignment.ErrVillageNotHeld,
		},
		"bad date":       {Given: given(v03), When: schedule("V03", "June 10", false), ThenErr: field("on")},
		"never assigned": {When: schedule("V03", "2025-06-10", false), ThenErr: assignment.ErrNoAssignments},
	})
}

func TestHistory(t *testing.T) {
	t.Parallel()
	a, err := assignment.Replay(given(v03, v07, v11, rel, sd))
	if err != nil {
		t.Fatal(err)
	}
	for on, want := range map[string][]string{
		"2024-12-31": nil,
		"2025-01-01": {"V03"},
		"2025-03-15": {"V03", "V07"},
		"2025-05-01": {"V03", "V07", "V11"},
		"2025-06-01": {"V07", "V11"},
	} {
		if got := a.VillagesOn(date(on)); !slices.Equal(got, want) {
			t.Errorf("VillagesOn(%s) = %v, want %v", on, got, want)
		}
	}
	if got := a.Villages(); !slices.Equal(got, []string{"V07", "V11"}) {
		t.Errorf("Villages = %v", got)
	}
	h := a.History()
	if len(h) != 4 || h[2].Reason != v11.Reason || h[3].Assigned {
		t.Errorf("History = %+v", h)
	}
	if d, ok := a.StationDay("V07", domainkit.Month{Year: 2025, Month: 6}); !ok || d != sd.On {
		t.Errorf("StationDay = %v, %v", d, ok)
	}
	if _, ok := a.StationDay("V11", domainkit.Month{Year: 2025, Month: 6}); ok {
		t.Error("V11 has a station day")
	}
	if a.Version() != 5 || a.SocialWorker() != "sw-07" || a.Tenant() != "shitan" {
		t.Errorf("version %d, %s/%s", a.Version(), a.Tenant(), a.SocialWorker())
	}
	if _, err := assignment.Replay(given(rel)); !errors.Is(err, assignment.ErrNoAssignments) {
		t.Errorf("Replay of a release alone = %v", err)
	}
	if got := assignment.Key("shitan", "sw-07"); got != "shitan-sw-07" {
		t.Errorf("Key = %q", got)
	}
}

func TestStationDaysAreListedByDate(t *testing.T) {
	a, err := assignment.Replay([]assignment.Event{
		assigned("V01", "2026-01-01", ""), assigned("V02", "2026-01-01", ""),
		assignment.StationDayScheduled{Tenant: "shitan", SocialWorker: "sw-07", Village: "V02", On: date("2026-03-04")},
		assignment.StationDayScheduled{Tenant: "shitan", SocialWorker: "sw-07", Village: "V01", On: date("2026-03-02")},
		assignment.StationDayScheduled{Tenant: "shitan", SocialWorker: "sw-07", Village: "V01", On: date("2026-04-01")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := a.StationDays()
	want := []assignment.StationDayOn{{"V01", date("2026-03-02")}, {"V02", date("2026-03-04")}, {"V01", date("2026-04-01")}}
	if len(got) != len(want) {
		t.Fatalf("StationDays = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("StationDays = %v, want %v", got, want)
		}
	}
}
