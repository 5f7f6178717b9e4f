package person_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// history is a year on the register: tier 3 at registration, tier 1 in March
// after a fall, DIBAO granted in February, ELDERLY_ALONE removed in April,
// exit in May, reinstatement in August.
var history = []person.Event{
	registered,
	person.TierAssessed{PersonID: pid, Tier: 3, Reason: "定期关注", AssessedBy: "sw-017", EffectiveOn: date("2024-01-10")},
	person.CategoryAdded{PersonID: pid, Category: "DIBAO", EffectiveOn: date("2024-02-01"), Reference: "增民〔2024〕5号"},
	person.TierAssessed{PersonID: pid, Tier: 1, PreviousTier: 3, Reason: "跌倒骨折", RiskFactors: []string{"独居"},
		AssessedBy: "sw-017", EffectiveOn: date("2024-03-05")},
	person.CategoryRemoved{PersonID: pid, Category: "ELDERLY_ALONE", EffectiveOn: date("2024-04-01")},
	person.Exited{PersonID: pid, Reason: person.MovedAway, EffectiveOn: date("2024-05-01")},
	person.Reinstated{PersonID: pid, EffectiveOn: date("2024-08-01"), Reason: "返回本村"},
}

func TestAsOf(t *testing.T) {
	t.Parallel()
	p, err := person.Replay(history)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		on         string
		tier       domainkit.Tier // 0: not assessed
		reason     string
		categories []string
		status     person.Status
	}{
		{"2024-01-09", 0, "", nil, person.StatusNone},
		{"2024-01-10", 3, "定期关注", []string{"ELDERLY_ALONE", "TEKUN"}, person.StatusActive},
		{"2024-02-01", 3, "定期关注", []string{"DIBAO", "ELDERLY_ALONE", "TEKUN"}, person.StatusActive},
		{"2024-03-04", 3, "定期关注", []string{"DIBAO", "ELDERLY_ALONE", "TEKUN"}, person.StatusActive},
		{"2024-03-15", 1, "跌倒骨折", []string{"DIBAO", "ELDERLY_ALONE", "TEKUN"}, person.StatusActive},
		{"2024-04-01", 1, "跌倒骨折", []string{"DIBAO", "TEKUN"}, person.StatusActive},
		{"2024-06-30", 1, "跌倒骨折", []string{"DIBAO", "TEKUN"}, person.StatusExited},
		{"2024-08-01", 1, "跌倒骨折", []string{"DIBAO", "TEKUN"}, person.StatusActive},
	} {
		d := date(tc.on)
		a, ok := p.TierOn(d)
		if ok != (tc.tier != 0) || a.Tier != tc.tier || a.Reason != tc.reason {
			t.Errorf("TierOn(%s) = %+v, %v; want tier %d because %q", tc.on, a, ok, tc.tier, tc.reason)
		}
		if got := p.CategoriesOn(d); !slices.Equal(got, tc.categories) {
			t.Errorf("CategoriesOn(%s) = %v, want %v", tc.on, got, tc.categories)
		}
		if got := p.StatusOn(d); got != tc.status {
			t.Errorf("StatusOn(%s) = %q, want %q", tc.on, got, tc.status)
		}
	}
	if tier, _ := p.Tier(); tier.Tier != 1 || p.Status() != person.StatusActive || !slices.Equal(p.Categories(), []string{"DIBAO", "TEKUN"}) {
		t.Errorf("now: tier %d, status %s, categories %v", tier.Tier, p.Status(), p.Categories())
	}
	if p.Version() != int64(len(history)) || len(p.Uncommitted()) != 0 {
		t.Errorf("version %d, %d uncommitted; want %d, 0", p.Version(), len(p.Uncommitted()), len(history))
	}
	statuses, tiers, categories := p.History()
	if len(statuses) != 3 || len(tiers) != 2 || len(categories) != 4 {
		t.Errorf("history: %d statuses, %d tiers, %d category changes; want 3, 2, 4", len(statuses), len(tiers), len(categories))
	}
}

func TestForgottenPersonKeepsOnlyAnAnonymousHistory(t *testing.T) {
	t.Parallel()
	p, err := person.Replay(append(slices.Clone(history), person.Forgotten{PersonID: pid, On: date("2025-06-01")}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "" || p.BirthDate() != (domainkit.Date{}) || p.Gender() != "" ||
		p.Sensitive() != (person.Sensitive{}) || p.IDNumberIndex() != "" {
		t.Errorf("personal data survives forgetting: %q %v %q %+v %q", p.Name(), p.BirthDate(), p.Gender(), p.Sensitive(), p.IDNumberIndex())
	}
	a, _ := p.TierOn(date("2024-03-15"))
	if a.Tier != 1 || a.Reason != "" || a.RiskFactors != nil {
		t.Errorf("TierOn after forgetting = %+v, want tier 1 without reason or risk factors", a)
	}
	if p.Status() != person.StatusForgotten || p.StatusOn(date("2024-06-30")) != person.StatusExited {
		t.Errorf("status %s, on 2024-06-30 %s", p.Status(), p.StatusOn(date("2024-06-30")))
	}
	// The replayed events themselves are untouched.
	if history[3].(person.TierAssessed).Reason != "跌倒骨折" {
		t.Error("forgetting changed the history it was replayed from")
	}
}

func TestReplayRefusesBrokenHistories(t *testing.T) {
	t.Parallel()
	for name, h := range map[string][]person.Event{
		"event before registration": {person.Forgotten{PersonID: pid}},
		"registered twice":          {registered, registered},
		"nil event":                 {registered, nil},
	} {
		if _, err := person.Replay(h); err == nil {
			t.Errorf("%s: replay succeeded", name)
		}
	}
	if _, err := person.Replay([]person.Event{person.Forgotten{PersonID: pid}}); !errors.Is(err, person.ErrNotRegistered) {
		t.Errorf("event before registration: %v, want ErrNotRegistered", err)
	}
}

func TestEventsHaveStableWireNames(t *testing.T) {
	t.Parallel()
	events := []person.Event{person.Registered{}, person.ContactDetailsChanged{}, person.HealthNotesChanged{},
		person.MovedHousehold{}, person.CategoryAdded{}, person.CategoryRemoved{}, person.TierAssessed{},
		person.MonthlyFileUpdated{}, person.SocialWorkerAssigned{}, person.Exited{}, person.Reinstated{}, person.Forgotten{}}
	seen := map[string]bool{}
	for _, e := range events {
		name := e.EventType()
		if seen[name] || !wireName.MatchString(name) || e.SchemaVersion() != 1 {
			t.Errorf("%T: type %q schema %d", e, name, e.SchemaVersion())
		}
		seen[name] = true
	}
	if person.TypeTierAssessed != "beneficiaries.person.tier_assessed" {
		t.Errorf("TypeTierAssessed = %q", person.TypeTierAssessed)
	}
}

// Events survive a JSON round trip, so a codec can store them as they are.
func TestEventsRoundTripThroughJSON(t *testing.T) {
	t.Parallel()
	for _, e := range append(slices.Clone(history),
		person.MonthlyFileUpdated{PersonID: pid, Month: domainkit.Month{Year: 2025, Month: 5}, LivingSituation: "s", Amendment: true}) {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%T: %v", e, err)
		}
		back := reflect.New(reflect.TypeOf(e))
		if err := json.Unmarshal(b, back.Interface()); err != nil {
			t.Fatalf("%T: %v in %s", e, err, b)
		}
		if got := back.Elem().Interface(); !reflect.DeepEqual(got, e) {
			t.Errorf("%T: round trip gives %+v from %s", e, got, b)
		}
	}
}

var wireName = regexp.MustCompile(`^beneficiaries\.person\.[a-z_]+$`)
