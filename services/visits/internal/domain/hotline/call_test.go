package hotline_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/domainkit/domainkittest"
	"github.com/doudi-platform/doudi/services/platform/scenario"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

type callCase = scenario.Case[*hotline.Call, hotline.Event]

func run(t *testing.T, cases map[string]callCase) {
	t.Helper()
	scenario.RunAll(t, hotline.Replay, cases)
}

var (
	// 23:10 on 14 June 2025 in China: the call came in at 22:40.
	now        = time.Date(2025, 6, 14, 15, 10, 0, 0, time.UTC)
	receivedAt = time.Date(2025, 6, 14, 14, 40, 0, 0, time.UTC)

	cid = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000c1")
	vid = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000f1")

	seal    = domainkittest.Sealer{}
	errKeys = errors.New("key store unreachable")

	receiveCmd = hotline.ReceiveCall{
		CallID: cid, Tenant: "shitan", Line: 3, ReceivedAt: receivedAt.In(domainkit.China),
		CallerNumber: "138-0000-0000", Need: "独居老人摔倒后无人照看", Urgency: "urgent", Notes: "邻居代为来电",
	}
	received = hotline.Received{
		CallID: cid, Tenant: "shitan", Line: 3, ReceivedAt: receivedAt,
		Caller: hotline.Caller{Number: domainkittest.Sealed("caller_number", "13800000000")},
		Need:   "独居老人摔倒后无人照看", Urgency: hotline.Urgent,
		Notes: domainkittest.Sealed("notes", "邻居代为来电"),
		DueAt: receivedAt.Add(2 * time.Hour),
	}
	triaged = hotline.Triaged{
		CallID: cid, Owner: "sw-07", Urgency: hotline.Urgent, DueAt: receivedAt.Add(2 * time.Hour), TriagedAt: now,
	}
	followedUp = hotline.FollowedUp{CallID: cid, FollowUp: hotline.FollowUp{
		Method: hotline.ByVisit, VisitID: vid, By: "sw-07", FollowedUpAt: now, Outcome: "已上门，联系家属陪护",
	}}
)

func field(name string) error { return &domainkit.FieldError{Field: name} }

func given(events ...hotline.Event) []hotline.Event { return events }

func TestReceive(t *testing.T) {
	t.Parallel()
	receive := func(change func(*hotline.ReceiveCall)) func(*hotline.Call) error {
		return func(c *hotline.Call) error {
			cmd := receiveCmd
			if change != nil {
				change(&cmd)
			}
			return c.Receive(cmd, hotline.DefaultPolicy, seal, now)
		}
	}
	known := received
	known.Caller, known.Notes = hotline.Caller{PersonID: "0190c7e2-0000-7000-8000-0000000000a1"}, ""
	normal := received
	normal.Urgency, normal.DueAt = hotline.Normal, receivedAt.Add(48*time.Hour)
	run(t, map[string]callCase{
		"an anonymous caller's number is sealed": {When: receive(nil), Then: []hotline.Event{received}},
		"a known caller is recorded by id only": {
			When: receive(func(c *hotline.ReceiveCall) {
				c.CallerNumber, c.CallerPersonID, c.Notes = "", "0190c7e2-0000-7000-8000-0000000000a1", ""
			}),
			Then: []hotline.Event{known},
		},
		"a normal call is due in 48 hours": {
			When: receive(func(c *hotline.ReceiveCall) { c.Urgency = "normal" }), Then: []hotline.Event{normal},
		},
		"the tenant's policy sets the due time": {
			When: func(c *hotline.Call) error {
				return c.Receive(receiveCmd, hotline.Policy{Urgent: 30 * time.Minute}, seal, now)
			},
			Then: []hotline.Event{func() hotline.Received { r := received; r.DueAt = receivedAt.Add(30 * time.Minute); return r }()},
		},
		"twice":          {Given: given(received), When: receive(nil), ThenErr: hotline.ErrAlreadyReceived},
		"no call id":     {When: receive(func(c *hotline.ReceiveCall) { c.CallID = uuid.Nil }), ThenErr: field("call_id")},
		"line 0":         {When: receive(func(c *hotline.ReceiveCall) { c.Line = 0 }), ThenErr: field("line")},
		"line 7":         {When: receive(func(c *hotline.ReceiveCall) { c.Line = 7 }), ThenErr: field("line")},
		"no time":        {When: receive(func(c *hotline.ReceiveCall) { c.ReceivedAt = time.Time{} }), ThenErr: field("received_at")},
		"in an hour":     {When: receive(func(c *hotline.ReceiveCall) { c.ReceivedAt = now.Add(time.Hour) }), ThenErr: field("received_at")},
		"two months ago": {When: receive(func(c *hotline.ReceiveCall) { c.ReceivedAt = now.AddDate(0, -2, 0) }), ThenErr: field("received_at")},
		"no caller": {
			When:    receive(func(c *hotline.ReceiveCall) { c.CallerNumber = "" }),
			ThenErr: &domainkit.FieldError{Field: "caller_person_id", Reason: hotline.ErrNoCaller.Error()},
		},
		"both a person and a number": {
			When:    receive(func(c *hotline.ReceiveCall) { c.CallerPersonID = "p-1" }),
			ThenErr: &domainkit.FieldError{Field: "caller_number", Reason: hotline.ErrCallerBoth.Error()},
		},
		"bad number":    {When: receive(func(c *hotline.ReceiveCall) { c.CallerNumber = "call me" }), ThenErr: field("caller_number")},
		"bad person id": {When: receive(func(c *hotline.ReceiveCall) { c.CallerNumber, c.CallerPersonID = "", "p 1" }), ThenErr: field("caller_person_id")},
		"no need":       {When: receive(func(c *hotline.ReceiveCall) { c.Need = "" }), ThenErr: field("need")},
		"unknown urgency": {
			When: receive(func(c *hotline.ReceiveCall) { c.Urgency = "critical" }), ThenErr: field("urgency"),
		},
		"notes too long": {When: receive(func(c *hotline.ReceiveCall) { c.Notes = strings.Repeat("记", 2001) }), ThenErr: field("notes")},
		"sealing fails": {
			When: func(c *hotline.Call) error {
				return c.Receive(receiveCmd, hotline.DefaultPolicy, domainkittest.FailingSealer{Err: errKeys}, now)
			},
			ThenErr: errKeys,
		},
	})
}

func TestReceiveReportsEveryBadField(t *testing.T) {
	t.Parallel()
	_, err := hotline.Receive(hotline.ReceiveCall{Tenant: "shitan", Line: 9, Urgency: "soon"}, hotline.DefaultPolicy, seal, now)
	var errs domainkit.FieldErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, " "), "call_id line received_at caller_person_id need urgency"; got != want {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestTriage(t *testing.T) {
	t.Parallel()
	triage := func(owner, urgency string) func(*hotline.Call) error {
		return func(c *hotline.Call) error {
			return c.Triage(hotline.TriageCall{Owner: owner, Urgency: urgency}, hotline.DefaultPolicy, now)
		}
	}
	run(t, map[string]callCase{
		"assigns an owner, keeping the urgency": {
			Given: given(received), When: triage("sw-07", ""), Then: []hotline.Event{triaged},
		},
		"regrading moves the due time, from when the call came in": {
			Given: given(received), When: triage("sw-07", "normal"),
			Then: []hotline.Event{hotline.Triaged{CallID: cid, Owner: "sw-07", Urgency: hotline.Normal,
				DueAt: receivedAt.Add(48 * time.Hour), TriagedAt: now}},
		},
		"hands over": {
			Given: given(received, triaged), When: triage("sw-12", ""),
			Then: []hotline.Event{hotline.Triaged{CallID: cid, Owner: "sw-12", PreviousOwner: "sw-07", Urgency: hotline.Urgent,
				DueAt: receivedAt.Add(2 * time.Hour), TriagedAt: now}},
		},
		"again, changing nothing, records nothing": {
			Given: given(received, triaged), When: triage("sw-07", "urgent"),
		},
		"no owner":        {Given: given(received), When: triage("", ""), ThenErr: field("owner")},
		"unknown urgency": {Given: given(received), When: triage("sw-07", "asap"), ThenErr: field("urgency")},
		"not received":    {When: triage("sw-07", ""), ThenErr: hotline.ErrNotReceived},
		"closed":          {Given: given(received, triaged, followedUp), When: triage("sw-12", ""), ThenErr: hotline.ErrCallClosed},
	})
}

func TestFollowUp(t *testing.T) {
	t.Parallel()
	followUp := func(change func(*hotline.FollowUpCall)) func(*hotline.Call) error {
		return func(c *hotline.Call) error {
			cmd := hotline.FollowUpCall{Method: "visit", VisitID: vid, By: "sw-07", FollowedUpAt: now, Outcome: "已上门，联系家属陪护"}
			if change != nil {
				change(&cmd)
			}
			return c.FollowUp(cmd, seal, now)
		}
	}
	run(t, map[string]callCase{
		"by a visit": {Given: given(received, triaged), When: followUp(nil), Then: []hotline.Event{followedUp}},
		"by a call back, with a sealed note": {
			Given: given(received, triaged),
			When: followUp(func(c *hotline.FollowUpCall) {
				c.Method, c.VisitID, c.By, c.Note = "call_back", uuid.Nil, "sw-12", "家属已接回"
			}),
			Then: []hotline.Event{hotline.FollowedUp{CallID: cid, FollowUp: hotline.FollowUp{
				Method: hotline.CallBack, By: "sw-12", FollowedUpAt: now, Outcome: "已上门，联系家属陪护",
				Note: domainkittest.Sealed("note", "家属已接回"),
			}}},
		},
		"untriaged":    {Given: given(received), When: followUp(nil), ThenErr: hotline.ErrNotTriaged},
		"twice":        {Given: given(received, triaged, followedUp), When: followUp(nil), ThenErr: hotline.ErrCallClosed},
		"not received": {When: followUp(nil), ThenErr: hotline.ErrNotReceived},
		"a visit without its id": {
			Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.VisitID = uuid.Nil }),
			ThenErr: &domainkit.FieldError{Field: "visit_id", Reason: hotline.ErrVisitRequired.Error()},
		},
		"a call back naming a visit": {
			Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.Method = "call_back" }),
			ThenErr: &domainkit.FieldError{Field: "visit_id", Reason: hotline.ErrVisitNotAllowed.Error()},
		},
		"unknown method": {
			Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.Method = "letter" }), ThenErr: field("method"),
		},
		"before the call": {
			Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.FollowedUpAt = receivedAt.Add(-time.Minute) }),
			ThenErr: &domainkit.FieldError{Field: "followed_up_at", Reason: hotline.ErrBeforeCall.Error()},
		},
		"in the future": {
			Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.FollowedUpAt = now.Add(time.Hour) }),
			ThenErr: field("followed_up_at"),
		},
		"no outcome": {Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.Outcome = "" }), ThenErr: field("outcome")},
		"nobody":     {Given: given(received, triaged), When: followUp(func(c *hotline.FollowUpCall) { c.By = "" }), ThenErr: field("by")},
		"sealing fails": {
			Given: given(received, triaged),
			When: func(c *hotline.Call) error {
				return c.FollowUp(hotline.FollowUpCall{Method: "call_back", By: "sw-07", FollowedUpAt: now, Outcome: "x", Note: "y"},
					domainkittest.FailingSealer{Err: errKeys}, now)
			},
			ThenErr: errKeys,
		},
	})
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		history []hotline.Event
		at      time.Time
		want    bool
	}{
		{"urgent, within 2 hours", given(received), receivedAt.Add(2 * time.Hour), false},
		{"urgent, untriaged after 2 hours", given(received), receivedAt.Add(2*time.Hour + time.Second), true},
		{"urgent, triaged but not followed up", given(received, triaged), receivedAt.Add(3 * time.Hour), true},
		{"followed up late is closed, not overdue", given(received, triaged, followedUp), receivedAt.Add(3 * time.Hour), false},
		{"regraded to normal", given(received, hotline.Triaged{CallID: cid, Owner: "sw-07", Urgency: hotline.Normal,
			DueAt: receivedAt.Add(48 * time.Hour), TriagedAt: now}), receivedAt.Add(3 * time.Hour), false},
		{"no call", nil, now, false},
	} {
		c, err := hotline.Replay(tc.history)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Overdue(tc.at); got != tc.want {
			t.Errorf("%s: Overdue = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReplay(t *testing.T) {
	t.Parallel()
	c, err := hotline.Replay(given(received, triaged, followedUp))
	if err != nil {
		t.Fatal(err)
	}
	f, closed := c.Closure()
	if c.Open() || !closed || f.VisitID != vid || c.Owner() != "sw-07" || c.Line() != 3 || c.Version() != 3 ||
		c.Caller().Number == "" || c.Urgency() != hotline.Urgent || !c.DueAt().Equal(receivedAt.Add(2*time.Hour)) {
		t.Errorf("state after replay: open %v, follow-up %+v, owner %s, version %d", c.Open(), f, c.Owner(), c.Version())
	}
	if _, err := hotline.Replay(given(triaged)); !errors.Is(err, hotline.ErrNotReceived) {
		t.Errorf("Replay of a triage alone = %v", err)
	}
	if _, err := hotline.Replay(given(received, followedUp, triaged)); !errors.Is(err, hotline.ErrCallClosed) {
		t.Errorf("Replay of a triage after the follow-up = %v", err)
	}
}

func TestParseNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
	}{
		{"13800000000", "13800000000"},
		{"+86 138 0000 0000", "+8613800000000"},
		{"020-12345678", "02012345678"},
		{" 12345 ", "12345"},
		{"123456789012345", "123456789012345"},
		{"", ""},
		{"1234", ""},
		{"1234567890123456", ""},
		{"+", ""},
		{"138O0000000", ""},
		{"１３８００００００００", ""},
		{"138;DROP", ""},
		{"++8613800000000", ""},
	} {
		got, err := hotline.ParseNumber(tc.in)
		if got != tc.want || (tc.want == "") != errors.Is(err, hotline.ErrNumber) {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got := hotline.DefaultPolicy.Window(hotline.Urgent); got != 2*time.Hour {
		t.Errorf("default urgent window %v", got)
	}
	if got := (hotline.Policy{}).Window(hotline.Normal); got != 48*time.Hour {
		t.Errorf("zero policy's normal window %v", got)
	}
}
