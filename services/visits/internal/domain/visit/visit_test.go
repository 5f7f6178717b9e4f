package visit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/domainkit/domainkittest"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

func TestSchedule(t *testing.T) {
	t.Parallel()
	schedule := func(on string, change func(*visit.VisitDetails)) func(*visit.Visit) error {
		return func(v *visit.Visit) error {
			return v.Schedule(visit.ScheduleVisit{VisitDetails: withDetails(change), PlannedOn: on}, now)
		}
	}
	followUp := details
	followUp.Kind, followUp.HotlineCallID = visit.HotlineFollowUp, cid
	household := details
	household.PersonIDs, household.HouseholdID = nil, "0190c7e2-0000-7000-8000-0000000000b1"
	run(t, map[string]visitCase{
		"schedules for today": {When: schedule("2025-06-02", nil), Then: []visit.Event{scheduled}},
		"a hotline follow-up names its call": {
			When: schedule("2025-06-03", func(d *visit.VisitDetails) { d.Kind, d.HotlineCallID = "hotline_follow_up", cid }),
			Then: []visit.Event{visit.Scheduled{Details: followUp, PlannedOn: date("2025-06-03")}},
		},
		"a household as a whole": {
			When: schedule("2025-06-02", func(d *visit.VisitDetails) {
				d.PersonIDs, d.HouseholdID = nil, "0190c7e2-0000-7000-8000-0000000000b1"
			}),
			Then: []visit.Event{visit.Scheduled{Details: household, PlannedOn: date("2025-06-02")}},
		},
		"twice":            {Given: given(scheduled), When: schedule("2025-06-02", nil), ThenErr: visit.ErrAlreadyExists},
		"over a record":    {Given: given(completed), When: schedule("2025-06-02", nil), ThenErr: visit.ErrAlreadyExists},
		"for yesterday":    {When: schedule("2025-06-01", nil), ThenErr: &domainkit.FieldError{Field: "planned_on", Reason: "is in the past"}},
		"without a date":   {When: schedule("", nil), ThenErr: field("planned_on")},
		"nobody to visit":  {When: schedule("2025-06-02", func(d *visit.VisitDetails) { d.PersonIDs = nil }), ThenErr: field("person_ids")},
		"a person twice":   {When: schedule("2025-06-02", func(d *visit.VisitDetails) { d.PersonIDs = append(d.PersonIDs, pid) }), ThenErr: field("person_ids[1]")},
		"a bad person id":  {When: schedule("2025-06-02", func(d *visit.VisitDetails) { d.PersonIDs[0] = "p/1" }), ThenErr: field("person_ids[0]")},
		"a bad household":  {When: schedule("2025-06-02", func(d *visit.VisitDetails) { d.HouseholdID = "户 1" }), ThenErr: field("household_id")},
		"unknown kind":     {When: schedule("2025-06-02", func(d *visit.VisitDetails) { d.Kind = "inspection" }), ThenErr: field("kind")},
		"no social worker": {When: schedule("2025-06-02", func(d *visit.VisitDetails) { d.SocialWorker = "" }), ThenErr: field("social_worker")},
		"a follow-up without its call": {
			When:    schedule("2025-06-02", func(d *visit.VisitDetails) { d.Kind = "hotline_follow_up" }),
			ThenErr: &domainkit.FieldError{Field: "hotline_call_id", Reason: visit.ErrCallRequired.Error()},
		},
		"a call on a routine visit": {
			When:    schedule("2025-06-02", func(d *visit.VisitDetails) { d.HotlineCallID = cid }),
			ThenErr: &domainkit.FieldError{Field: "hotline_call_id", Reason: visit.ErrCallNotAllowed.Error()},
		},
		"too many persons": {
			When: schedule("2025-06-02", func(d *visit.VisitDetails) {
				for i := range 21 {
					d.PersonIDs = append(d.PersonIDs, "p-"+string(rune('a'+i)))
				}
			}),
			ThenErr: field("person_ids"),
		},
	})
}

func TestComplete(t *testing.T) {
	t.Parallel()
	complete := func(r visit.ReportVisit) func(*visit.Visit) error {
		return func(v *visit.Visit) error { return v.Complete(r, seal, now) }
	}
	lateReport := report
	lateReport.OccurredAt, lateReport.Month = threeDaysAgo, domainkit.Month{Year: 2025, Month: 5}
	run(t, map[string]visitCase{
		"completes, sealing the notes": {Given: given(scheduled), When: complete(reportCmd), Then: []visit.Event{completed}},
		"three days late, it counts for the month it took place in": {
			Given: given(scheduled),
			When:  complete(withReport(func(r *visit.ReportVisit) { r.OccurredAt = threeDaysAgo.In(domainkit.China) })),
			Then:  []visit.Event{visit.Completed{Details: details, Report: lateReport}},
		},
		"a visit marked missed, by a report that arrived late": {
			Given: given(scheduled, missed), When: complete(reportCmd),
			Then: []visit.Event{visit.Completed{Details: details, Report: report, WasMissed: true}},
		},
		"a second report is refused, naming the first": {
			Given: given(scheduled, completed), When: complete(secondReportCmd),
			ThenErr: visit.ErrAlreadyCompleted,
		},
		"the same report again records nothing": {Given: given(scheduled, completed), When: complete(reportCmd)},
		"the report of an addendum again records nothing": {
			Given: given(scheduled, completed, addendum), When: complete(secondReportCmd),
		},
		"a cancelled visit": {Given: given(scheduled, cancelled), When: complete(reportCmd), ThenErr: visit.ErrVisitCancelled},
		"an unknown visit":  {When: complete(reportCmd), ThenErr: visit.ErrUnknownVisit},
		"sealing fails": {
			Given: given(scheduled),
			When: func(v *visit.Visit) error {
				return v.Complete(reportCmd, domainkittest.FailingSealer{Err: errKeys}, now)
			},
			ThenErr: errKeys,
		},
		"without notes, nothing is sealed": {
			Given: given(scheduled),
			When: func(v *visit.Visit) error {
				return v.Complete(withReport(func(r *visit.ReportVisit) { r.Notes = "" }), domainkittest.FailingSealer{Err: errKeys}, now)
			},
			Then: []visit.Event{func() visit.Completed { c := completed; c.Notes = ""; return c }()},
		},
	})
}

func TestSecondCompletionSaysWhatToDo(t *testing.T) {
	t.Parallel()
	v, err := visit.Replay(given(scheduled, completed))
	if err != nil {
		t.Fatal(err)
	}
	err = v.Complete(secondReportCmd, seal, now)
	want := "visit is already completed by report r-tablet-1, which says it took place at 2025-06-02 08:00:00; send this report as an addendum"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// TestBadReports names the field of each bad report and records nothing.
func TestBadReports(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		change func(*visit.ReportVisit)
		field  string
	}{
		"no report id":           {func(r *visit.ReportVisit) { r.ReportID = "" }, "report_id"},
		"report id with a slash": {func(r *visit.ReportVisit) { r.ReportID = "r/1" }, "report_id"},
		"no time":                {func(r *visit.ReportVisit) { r.OccurredAt = time.Time{} }, "occurred_at"},
		"tomorrow":               {func(r *visit.ReportVisit) { r.OccurredAt = now.Add(24 * time.Hour) }, "occurred_at"},
		"a year ago":             {func(r *visit.ReportVisit) { r.OccurredAt = now.AddDate(-1, 0, 0) }, "occurred_at"},
		"nobody took part":       {func(r *visit.ReportVisit) { r.Participants = nil }, "participants"},
		"no staff took part":     {func(r *visit.ReportVisit) { r.Participants = r.Participants[2:] }, "participants"},
		"unknown role":           {func(r *visit.ReportVisit) { r.Participants[2].Role = "neighbour" }, "participants[2].role"},
		"staff without a staff id": {func(r *visit.ReportVisit) {
			r.Participants[0] = visit.Participant{Role: "social_worker", Name: "张社工"}
		}, "participants[0].id"},
		"volunteer without a name": {func(r *visit.ReportVisit) { r.Participants[2].Name = "" }, "participants[2].name"},
		"participant's long name":  {func(r *visit.ReportVisit) { r.Participants[2].Name = strings.Repeat("名", 51) }, "participants[2].name"},
		"participant's bad id":     {func(r *visit.ReportVisit) { r.Participants[1].ID = "mz 02" }, "participants[1].id"},
		"participant twice": {func(r *visit.ReportVisit) {
			r.Participants = append(r.Participants, visit.Participant{Role: "social_worker", ID: "sw-07"})
		}, "participants[4]"},
		"volunteer twice, by name": {func(r *visit.ReportVisit) {
			r.Participants = append(r.Participants, visit.Participant{Role: "volunteer", Name: "王小红"})
		}, "participants[4]"},
		"no services":                {func(r *visit.ReportVisit) { r.Services = nil }, "services"},
		"unknown service":            {func(r *visit.ReportVisit) { r.Services[1] = "haircut" }, "services[1]"},
		"service twice":              {func(r *visit.ReportVisit) { r.Services[1] = "policy_explanation" }, "services[1]"},
		"empty need":                 {func(r *visit.ReportVisit) { r.Needs[0] = " " }, "needs[0]"},
		"risk twice":                 {func(r *visit.ReportVisit) { r.Risks[1] = "独居" }, "risks[1]"},
		"21 risks":                   {func(r *visit.ReportVisit) { r.Risks = strings.Split(strings.Repeat("r,", 20)+"r", ",") }, "risks"},
		"tier 5":                     {func(r *visit.ReportVisit) { r.TierRecommendation = 5 }, "tier_recommendation"},
		"tier without a reason":      {func(r *visit.ReportVisit) { r.TierReason = "" }, "tier_reason"},
		"reason without a tier":      {func(r *visit.ReportVisit) { r.TierRecommendation = 0 }, "tier_reason"},
		"cards of edition 0":         {func(r *visit.ReportVisit) { r.Cards[0].Edition = 0 }, "cards[0].edition"},
		"51 cards":                   {func(r *visit.ReportVisit) { r.Cards[0].Count = 51 }, "cards[0].count"},
		"notes with a NUL":           {func(r *visit.ReportVisit) { r.Notes = "a\x00" }, "notes"},
		"notes over 2000 characters": {func(r *visit.ReportVisit) { r.Notes = strings.Repeat("记", 2001) }, "notes"},
	}
	tests := map[string]visitCase{}
	for name, c := range cases {
		r := withReport(c.change)
		tests["complete: "+name] = visitCase{
			Given:   given(scheduled),
			When:    func(v *visit.Visit) error { return v.Complete(r, seal, now) },
			ThenErr: field(c.field),
		}
		tests["addendum: "+name] = visitCase{
			Given: given(scheduled, completed),
			When: func(v *visit.Visit) error {
				r := r
				r.ReportID += "-2"
				if c.field == "report_id" {
					r.ReportID = withReport(c.change).ReportID
				}
				return v.AddAddendum(r, seal, now)
			},
			ThenErr: field(c.field),
		}
	}
	run(t, tests)
}

func TestRecord(t *testing.T) {
	t.Parallel()
	record := func(d visit.VisitDetails, r visit.ReportVisit) func(*visit.Visit) error {
		return func(v *visit.Visit) error { return v.Record(visit.RecordVisit{VisitDetails: d, Report: r}, seal, now) }
	}
	holiday := details
	holiday.Kind = visit.HolidayCare
	run(t, map[string]visitCase{
		"records an unscheduled visit": {
			When: record(withDetails(func(d *visit.VisitDetails) { d.Kind = "holiday_care" }), reportCmd),
			Then: []visit.Event{visit.Completed{Details: holiday, Report: report}},
		},
		"over a scheduled visit": {Given: given(scheduled), When: record(detailsCmd, reportCmd), ThenErr: visit.ErrAlreadyExists},
		"bad details":            {When: record(withDetails(func(d *visit.VisitDetails) { d.Village = "" }), reportCmd), ThenErr: field("village")},
		"bad report":             {When: record(detailsCmd, withReport(func(r *visit.ReportVisit) { r.Services = nil })), ThenErr: field("services")},
		"no visit id":            {When: record(withDetails(func(d *visit.VisitDetails) { d.VisitID = uuid.Nil }), reportCmd), ThenErr: field("visit_id")},
	})
}

func TestRecordReportsEveryBadField(t *testing.T) {
	t.Parallel()
	_, err := visit.Record(visit.RecordVisit{
		VisitDetails: visit.VisitDetails{VisitID: vid, Tenant: "shitan", Kind: "hotline_follow_up", Village: "V03", SocialWorker: "sw-07"},
		Report: visit.ReportVisit{ReportID: "r-1", OccurredAt: now,
			Participants: []visit.Participant{{Role: "volunteer", Name: "王小红"}}, Services: []string{"medical"}, TierRecommendation: 9},
	}, seal, now)
	var errs domainkit.FieldErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, " "), "person_ids hotline_call_id participants tier_reason tier_recommendation"; got != want {
		t.Errorf("fields %q, want %q\n%v", got, want, err)
	}
}

func TestAddAddendum(t *testing.T) {
	t.Parallel()
	add := func(r visit.ReportVisit) func(*visit.Visit) error {
		return func(v *visit.Visit) error { return v.AddAddendum(r, seal, now) }
	}
	run(t, map[string]visitCase{
		"records the second report beside the first": {
			Given: given(scheduled, completed), When: add(secondReportCmd), Then: []visit.Event{addendum},
		},
		"to an unscheduled visit": {
			Given: given(completed), When: add(secondReportCmd), Then: []visit.Event{addendum},
		},
		"the same addendum again records nothing":     {Given: given(scheduled, completed, addendum), When: add(secondReportCmd)},
		"the completing report again records nothing": {Given: given(scheduled, completed), When: add(reportCmd)},
		"a scheduled visit":                           {Given: given(scheduled), When: add(secondReportCmd), ThenErr: visit.ErrNotCompleted},
		"a cancelled visit":                           {Given: given(scheduled, cancelled), When: add(secondReportCmd), ThenErr: visit.ErrNotCompleted},
		"an unknown visit":                            {When: add(secondReportCmd), ThenErr: visit.ErrUnknownVisit},
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	cancel := func(reason string) func(*visit.Visit) error {
		return func(v *visit.Visit) error { return v.Cancel(visit.CancelVisit{Reason: reason}, now) }
	}
	run(t, map[string]visitCase{
		"cancels":          {Given: given(scheduled), When: cancel("老人住院"), Then: []visit.Event{cancelled}},
		"without a reason": {Given: given(scheduled), When: cancel(""), ThenErr: field("reason")},
		"twice":            {Given: given(scheduled, cancelled), When: cancel("x"), ThenErr: visit.ErrNotOpen},
		"completed":        {Given: given(scheduled, completed), When: cancel("x"), ThenErr: visit.ErrNotOpen},
		"recorded":         {Given: given(completed), When: cancel("x"), ThenErr: visit.ErrNotOpen},
		"missed":           {Given: given(scheduled, missed), When: cancel("x"), ThenErr: visit.ErrNotOpen},
		"unknown":          {When: cancel("x"), ThenErr: visit.ErrUnknownVisit},
	})
}

func TestMarkMissed(t *testing.T) {
	t.Parallel()
	miss := func(reason string) func(*visit.Visit) error {
		return func(v *visit.Visit) error { return v.MarkMissed(visit.MarkMissed{Reason: reason}, now) }
	}
	tomorrow := visit.Scheduled{Details: details, PlannedOn: date("2025-06-03")}
	lastWeek := visit.Scheduled{Details: details, PlannedOn: date("2025-05-26")}
	run(t, map[string]visitCase{
		"on the planned day": {Given: given(scheduled), When: miss("无人在家"), Then: []visit.Event{missed}},
		"days later, without a reason": {
			Given: given(lastWeek), When: miss(""),
			Then: []visit.Event{visit.Missed{VisitID: vid, On: date("2025-06-02")}},
		},
		"before the planned day": {Given: given(tomorrow), When: miss(""), ThenErr: visit.ErrNotYetDue},
		"twice":                  {Given: given(scheduled, missed), When: miss(""), ThenErr: visit.ErrNotOpen},
		"completed":              {Given: given(scheduled, completed), When: miss(""), ThenErr: visit.ErrNotOpen},
		"bad reason":             {Given: given(scheduled), When: miss("\x07"), ThenErr: field("reason")},
		"unknown":                {When: miss(""), ThenErr: visit.ErrUnknownVisit},
	})
}

func TestReplay(t *testing.T) {
	t.Parallel()
	v, err := visit.Replay(given(scheduled, missed, visit.Completed{Details: details, Report: report, WasMissed: true}, addendum))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := v.Completion()
	m, counted := v.Month()
	if v.Status() != visit.StatusCompleted || !ok || r.ReportID != "r-tablet-1" || len(v.Addenda()) != 1 ||
		!counted || m != (domainkit.Month{Year: 2025, Month: 6}) || v.Version() != 4 || v.ID() != vid ||
		v.PlannedOn() != date("2025-06-02") || v.Details().SocialWorker != "sw-07" {
		t.Errorf("state after replay: %s, %+v, %d addenda, version %d", v.Status(), r, len(v.Addenda()), v.Version())
	}
	for name, history := range map[string]struct {
		events []visit.Event
		err    error
	}{
		"a completion after a cancellation": {given(scheduled, cancelled, completed), visit.ErrVisitCancelled},
		"two completions":                   {given(completed, completed), visit.ErrAlreadyCompleted},
		"an addendum first":                 {given(addendum), visit.ErrUnknownVisit},
		"an addendum to a scheduled visit":  {given(scheduled, addendum), visit.ErrNotCompleted},
		"a schedule over a record":          {given(completed, scheduled), visit.ErrAlreadyExists},
	} {
		if _, err := visit.Replay(history.events); !errors.Is(err, history.err) {
			t.Errorf("%s: Replay = %v, want %v", name, err, history.err)
		}
	}
}
