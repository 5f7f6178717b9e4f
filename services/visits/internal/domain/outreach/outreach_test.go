package outreach_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/scenario"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
)

type outreachCase = scenario.Case[*outreach.Outreach, outreach.Event]

func run(t *testing.T, cases map[string]outreachCase) {
	t.Helper()
	scenario.RunAll(t, outreach.Replay, cases)
}

var (
	// 09:00 on 15 June 2025 in China.
	now = time.Date(2025, 6, 15, 1, 0, 0, 0, time.UTC)
	eid = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000e1")

	recordCmd = outreach.RecordOutreach{
		EventID: eid, Tenant: "shitan", Village: "V03", HeldOn: "2025-06-12",
		Title: "社会救助政策进村宣讲", Organiser: "sw-07", Attendance: 80,
		Cards: []cardedition.Handout{{Edition: 25, Count: 60}},
	}
	recorded = outreach.Recorded{
		EventID: eid, Tenant: "shitan", Village: "V03", HeldOn: domainkit.Date{Year: 2025, Month: 6, Day: 12},
		Title: "社会救助政策进村宣讲", Organiser: "sw-07", Attendance: 80,
		Cards: []cardedition.Handout{{Edition: 25, Count: 60}},
	}
)

func field(name string) error { return &domainkit.FieldError{Field: name} }

func given(events ...outreach.Event) []outreach.Event { return events }

func TestRecord(t *testing.T) {
	t.Parallel()
	record := func(change func(*outreach.RecordOutreach)) func(*outreach.Outreach) error {
		return func(o *outreach.Outreach) error {
			cmd := recordCmd
			cmd.Cards = append([]cardedition.Handout(nil), cmd.Cards...)
			if change != nil {
				change(&cmd)
			}
			return o.Record(cmd, now)
		}
	}
	noCards := recorded
	noCards.Cards, noCards.HeldOn = nil, domainkit.Date{Year: 2025, Month: 6, Day: 15}
	run(t, map[string]outreachCase{
		"records":                    {When: record(nil), Then: []outreach.Event{recorded}},
		"today, without cards":       {When: record(func(c *outreach.RecordOutreach) { c.Cards, c.HeldOn = nil, "2025-06-15" }), Then: []outreach.Event{noCards}},
		"twice":                      {Given: given(recorded), When: record(nil), ThenErr: outreach.ErrAlreadyRecorded},
		"no id":                      {When: record(func(c *outreach.RecordOutreach) { c.EventID = uuid.Nil }), ThenErr: field("event_id")},
		"no village":                 {When: record(func(c *outreach.RecordOutreach) { c.Village = "" }), ThenErr: field("village")},
		"village code with a space":  {When: record(func(c *outreach.RecordOutreach) { c.Village = "V 03" }), ThenErr: field("village")},
		"held tomorrow":              {When: record(func(c *outreach.RecordOutreach) { c.HeldOn = "2025-06-16" }), ThenErr: field("held_on")},
		"no date":                    {When: record(func(c *outreach.RecordOutreach) { c.HeldOn = "" }), ThenErr: field("held_on")},
		"no title":                   {When: record(func(c *outreach.RecordOutreach) { c.Title = "" }), ThenErr: field("title")},
		"no organiser":               {When: record(func(c *outreach.RecordOutreach) { c.Organiser = "" }), ThenErr: field("organiser")},
		"negative attendance":        {When: record(func(c *outreach.RecordOutreach) { c.Attendance = -1 }), ThenErr: field("attendance")},
		"attendance with extra zero": {When: record(func(c *outreach.RecordOutreach) { c.Attendance = 80000 }), ThenErr: field("attendance")},
		"zero cards of an edition":   {When: record(func(c *outreach.RecordOutreach) { c.Cards[0].Count = 0 }), ThenErr: field("cards[0].count")},
		"an edition twice": {
			When: record(func(c *outreach.RecordOutreach) {
				c.Cards = append(c.Cards, cardedition.Handout{Edition: 25, Count: 1})
			}),
			ThenErr: field("cards[1].edition"),
		},
	})
}

func TestRecordReportsEveryBadField(t *testing.T) {
	t.Parallel()
	_, err := outreach.Record(outreach.RecordOutreach{Tenant: "shitan", HeldOn: "2025-13-01", Attendance: -5,
		Cards: []cardedition.Handout{{Edition: 0, Count: 1}}}, now)
	var errs domainkit.FieldErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, " "), "event_id village held_on title organiser attendance cards[0].edition"; got != want {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestCorrect(t *testing.T) {
	t.Parallel()
	correct := func(attendance int, cards []cardedition.Handout, reason string) func(*outreach.Outreach) error {
		return func(o *outreach.Outreach) error {
			return o.Correct(outreach.CorrectOutreach{Attendance: attendance, Cards: cards, Reason: reason})
		}
	}
	cards := []cardedition.Handout{{Edition: 25, Count: 55}, {Edition: 24, Count: 5}}
	run(t, map[string]outreachCase{
		"corrects": {
			Given: given(recorded), When: correct(85, cards, "签到表补录"),
			Then: []outreach.Event{outreach.Corrected{EventID: eid, Attendance: 85, Cards: cards, Reason: "签到表补录"}},
		},
		"to the same figures records nothing": {
			Given: given(recorded), When: correct(80, []cardedition.Handout{{Edition: 25, Count: 60}}, "x"),
		},
		"without a reason": {Given: given(recorded), When: correct(85, nil, " "), ThenErr: field("reason")},
		"bad figures":      {Given: given(recorded), When: correct(-1, nil, "x"), ThenErr: field("attendance")},
		"not recorded":     {When: correct(85, nil, "x"), ThenErr: outreach.ErrNotRecorded},
	})
}

func TestReplay(t *testing.T) {
	t.Parallel()
	o, err := outreach.Replay(given(recorded, outreach.Corrected{EventID: eid, Attendance: 90, Reason: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID() != eid || o.Village() != "V03" || o.Attendance() != 90 || len(o.Cards()) != 0 || o.Corrections() != 1 || o.Version() != 2 {
		t.Errorf("state: %v %s %d %v %d %d", o.ID(), o.Village(), o.Attendance(), o.Cards(), o.Corrections(), o.Version())
	}
	if _, err := outreach.Replay(given(outreach.Corrected{EventID: eid})); !errors.Is(err, outreach.ErrNotRecorded) {
		t.Errorf("Replay of a correction alone = %v", err)
	}
}
