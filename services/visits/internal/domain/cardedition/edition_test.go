package cardedition_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/scenario"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

type editionCase = scenario.Case[*cardedition.Edition, cardedition.Event]

func run(t *testing.T, cases map[string]editionCase) {
	t.Helper()
	scenario.RunAll(t, cardedition.Replay, cases)
}

var (
	// 09:00 on 15 June 2025 in China.
	now = time.Date(2025, 6, 15, 1, 0, 0, 0, time.UTC)

	publishCmd = cardedition.PublishEdition{
		Tenant: "shitan", Revision: 25, Title: "第25版",
		Topics: []string{"dibao", "low_income_edge", "expenditure_hardship", "tekun", "temporary_assistance"},
	}
	published = cardedition.Published{
		Tenant: "shitan", Revision: 25, Title: "第25版",
		Topics: []cardedition.Topic{cardedition.Dibao, cardedition.LowIncomeEdge, cardedition.ExpenditureHardship,
			cardedition.Tekun, cardedition.TemporaryAssistance},
		EffectiveOn: date("2025-06-15"),
	}
	retired = cardedition.Retired{Tenant: "shitan", Revision: 25, RetiredOn: date("2025-12-31")}
)

func date(s string) domainkit.Date {
	d, err := domainkit.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func field(name string) error { return &domainkit.FieldError{Field: name} }

func given(events ...cardedition.Event) []cardedition.Event { return events }

func TestPublish(t *testing.T) {
	t.Parallel()
	publish := func(change func(*cardedition.PublishEdition)) func(*cardedition.Edition) error {
		return func(e *cardedition.Edition) error {
			cmd := publishCmd
			cmd.Topics = append([]string(nil), cmd.Topics...)
			if change != nil {
				change(&cmd)
			}
			return e.Publish(cmd, now)
		}
	}
	ahead := published
	ahead.EffectiveOn = date("2025-07-01")
	run(t, map[string]editionCase{
		"publishes, in effect today": {When: publish(nil), Then: []cardedition.Event{published}},
		"ahead of its effective date": {
			When: publish(func(c *cardedition.PublishEdition) { c.EffectiveOn = "2025-07-01" }),
			Then: []cardedition.Event{ahead},
		},
		"twice":          {Given: given(published), When: publish(nil), ThenErr: cardedition.ErrAlreadyPublished},
		"no tenant":      {When: publish(func(c *cardedition.PublishEdition) { c.Tenant = "" }), ThenErr: field("tenant")},
		"revision zero":  {When: publish(func(c *cardedition.PublishEdition) { c.Revision = 0 }), ThenErr: field("revision")},
		"revision 1000":  {When: publish(func(c *cardedition.PublishEdition) { c.Revision = 1000 }), ThenErr: field("revision")},
		"no topics":      {When: publish(func(c *cardedition.PublishEdition) { c.Topics = nil }), ThenErr: field("topics")},
		"unknown topic":  {When: publish(func(c *cardedition.PublishEdition) { c.Topics[1] = "lottery" }), ThenErr: field("topics[1]")},
		"topic twice":    {When: publish(func(c *cardedition.PublishEdition) { c.Topics[4] = "dibao" }), ThenErr: field("topics[4]")},
		"bad date":       {When: publish(func(c *cardedition.PublishEdition) { c.EffectiveOn = "2025-02-30" }), ThenErr: field("effective_on")},
		"title too long": {When: publish(func(c *cardedition.PublishEdition) { c.Title = strings.Repeat("卡", 101) }), ThenErr: field("title")},
	})
}

func TestPublishReportsEveryBadField(t *testing.T) {
	t.Parallel()
	_, err := cardedition.Publish(cardedition.PublishEdition{Tenant: "a b", Revision: -1, Topics: []string{"x"}, EffectiveOn: "soon"}, now)
	var errs domainkit.FieldErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, " "), "tenant revision topics[0] effective_on"; got != want {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestRetire(t *testing.T) {
	t.Parallel()
	retire := func(on, reason string) func(*cardedition.Edition) error {
		return func(e *cardedition.Edition) error {
			return e.Retire(cardedition.RetireEdition{RetiredOn: on, Reason: reason}, now)
		}
	}
	run(t, map[string]editionCase{
		"retires at the end of the year": {
			Given: given(published), When: retire("2025-12-31", ""), Then: []cardedition.Event{retired},
		},
		"today, with a reason": {
			Given: given(published), When: retire("", "superseded by the 26th revision"),
			Then: []cardedition.Event{cardedition.Retired{Tenant: "shitan", Revision: 25, RetiredOn: date("2025-06-15"),
				Reason: "superseded by the 26th revision"}},
		},
		"before it took effect": {
			Given: given(published), When: retire("2025-06-14", ""),
			ThenErr: &domainkit.FieldError{Field: "retired_on", Reason: "is before the edition took effect (2025-06-15)"},
		},
		"twice":         {Given: given(published, retired), When: retire("", ""), ThenErr: cardedition.ErrAlreadyRetired},
		"not published": {When: retire("", ""), ThenErr: cardedition.ErrNotPublished},
		"bad reason":    {Given: given(published), When: retire("", "a\x00"), ThenErr: field("reason")},
	})
}

func TestInEffectOn(t *testing.T) {
	t.Parallel()
	e, err := cardedition.Replay(given(published, retired))
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{
		"2025-06-14": false, "2025-06-15": true, "2025-12-30": true, "2025-12-31": false,
	} {
		if got := e.InEffectOn(date(d)); got != want {
			t.Errorf("InEffectOn(%s) = %v, want %v", d, got, want)
		}
	}
	if on, ok := e.RetiredOn(); !ok || on != date("2025-12-31") || e.Version() != 2 || e.Revision() != 25 || len(e.Topics()) != 5 {
		t.Errorf("state after replay: retired %v %v, version %d", on, ok, e.Version())
	}
	if (&cardedition.Edition{}).InEffectOn(date("2025-06-15")) {
		t.Error("an unpublished edition is in effect")
	}
}

func TestReplayRefusesRetirementBeforePublication(t *testing.T) {
	t.Parallel()
	if _, err := cardedition.Replay(given(retired)); !errors.Is(err, cardedition.ErrNotPublished) {
		t.Errorf("Replay = %v, want ErrNotPublished", err)
	}
	if _, err := cardedition.Replay(given(published, published)); !errors.Is(err, cardedition.ErrAlreadyPublished) {
		t.Errorf("Replay = %v, want ErrAlreadyPublished", err)
	}
}

func TestParseHandouts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		in     []cardedition.Handout
		fields string
	}{
		{"none", nil, ""},
		{"two editions", []cardedition.Handout{{Edition: 25, Count: 3}, {Edition: 24, Count: 1}}, ""},
		{"at the maximum", []cardedition.Handout{{Edition: 999, Count: 50}}, ""},
		{"edition zero", []cardedition.Handout{{Edition: 0, Count: 1}}, "cards[0].edition"},
		{"edition 1000", []cardedition.Handout{{Edition: 1000, Count: 1}}, "cards[0].edition"},
		{"no cards", []cardedition.Handout{{Edition: 25, Count: 0}}, "cards[0].count"},
		{"negative count", []cardedition.Handout{{Edition: 25, Count: -3}}, "cards[0].count"},
		{"over the maximum", []cardedition.Handout{{Edition: 25, Count: 51}}, "cards[0].count"},
		{"edition twice", []cardedition.Handout{{Edition: 25, Count: 1}, {Edition: 25, Count: 2}}, "cards[1].edition"},
	} {
		var errs domainkit.FieldErrors
		got := cardedition.ParseHandouts(&errs, "cards", tc.in, 50)
		var fields []string
		for _, e := range errs {
			fields = append(fields, e.Field)
		}
		if f := strings.Join(fields, " "); f != tc.fields {
			t.Errorf("%s: fields %q, want %q (%v)", tc.name, f, tc.fields, errs.Err())
		}
		if tc.fields == "" && len(got) != len(tc.in) {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
	if got := cardedition.Key("shitan", 25); got != "shitan-25" {
		t.Errorf("Key = %q", got)
	}
}
