package reference_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/doudi-platform/doudi/services/platform/reference"
)

func TestDefaultShitan(t *testing.T) {
	t.Parallel()
	d, err := reference.Default("shitan")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Categories) != 17 || len(d.Villages) != 26 || len(d.TierPolicy) != 4 {
		t.Fatalf("got %d categories, %d villages, %d tier rules; want 17, 26, 4", len(d.Categories), len(d.Villages), len(d.TierPolicy))
	}
	for _, code := range []string{"DIBAO", "LOW_INCOME", "TEKUN", "EXPENDITURE_HARDSHIP", "TEMPORARY_ASSISTANCE",
		"ORPHAN", "UNSUPPORTED_CHILD", "CHILD_IN_DIFFICULTY", "LEFT_BEHIND_CHILD", "ELDERLY_ALONE",
		"EMPTY_NEST_ELDERLY", "ADVANCED_AGE", "SEVERE_DISABILITY", "DISABILITY", "SERIOUS_ILLNESS",
		"LEFT_BEHIND_ELDERLY", "OTHER"} {
		if _, ok := d.Category(code); !ok {
			t.Errorf("category %s missing", code)
		}
	}
	if c, _ := d.Category("TEKUN"); c.Name != "特困" {
		t.Errorf("TEKUN is %q, want 特困", c.Name)
	}
	if _, ok := d.Village("V01"); !ok {
		t.Error("village V01 missing")
	}
	if _, ok := d.Village("V26"); !ok {
		t.Error("village V26 missing")
	}
	if _, ok := d.Village("V27"); ok {
		t.Error("village V27 should not exist")
	}
	one, _ := d.Rule(1)
	if one.Contact != (reference.Period{Every: 1, Unit: reference.Week}) || one.Visits == nil ||
		*one.Visits != (reference.Quota{Count: 2, Per: reference.Period{Every: 1, Unit: reference.Month}}) {
		t.Errorf("tier 1 rule = %+v, want weekly contact and 2 visits a month", one)
	}
	four, _ := d.Rule(4)
	if four.Contact != (reference.Period{Every: 3, Unit: reference.Month}) || four.Visits != nil {
		t.Errorf("tier 4 rule = %+v, want quarterly contact", four)
	}
}

func TestDefaultUnknownTenant(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{"nowhere", "../defaults/shitan", ""} {
		if _, err := reference.Default(tenant); !errors.Is(err, reference.ErrNoDefault) {
			t.Errorf("Default(%q) error %v, want ErrNoDefault", tenant, err)
		}
	}
}

const valid = `{"tenant": "demo", "name": "Demo",
  "categories": [{"code": "DIBAO", "name": "低保"}],
  "villages": [{"code": "V1", "name": "一村"}],
  "tier_policy": [
    {"tier": 1, "name": "一级", "contact": {"every": 1, "unit": "week"}, "visits": {"count": 2, "per": {"every": 1, "unit": "month"}}},
    {"tier": 2, "name": "二级", "contact": {"every": 2, "unit": "week"}},
    {"tier": 3, "name": "三级", "contact": {"every": 1, "unit": "month"}},
    {"tier": 4, "name": "四级", "contact": {"every": 3, "unit": "month"}}]}`

func TestLoad(t *testing.T) {
	t.Parallel()
	if _, err := reference.Load(strings.NewReader(valid)); err != nil {
		t.Fatalf("valid data refused: %v", err)
	}
	for _, tc := range []struct {
		name, old, new string
		want           []string // every problem is reported
	}{
		{"bad tenant", `"demo"`, `"Demo Town"`, []string{"tenant"}},
		{"unknown field", `"name": "Demo"`, `"nmae": "Demo"`, []string{"unknown field"}},
		{"duplicate category and lower-case code", `{"code": "DIBAO", "name": "低保"}`, `{"code": "DIBAO", "name": "低保"}, {"code": "DIBAO", "name": "x"}, {"code": "dibao", "name": "x"}`,
			[]string{"listed twice", "UPPER_SNAKE"}},
		{"no villages", `[{"code": "V1", "name": "一村"}]`, `[]`, []string{"no villages"}},
		{"village without name", `"name": "一村"`, `"name": " "`, []string{"villages[0]: name is empty"}},
		{"missing tier and bad unit", `{"tier": 4, "name": "四级", "contact": {"every": 3, "unit": "month"}}`, `{"tier": 3, "name": "四级", "contact": {"every": 0, "unit": "quarter"}}`,
			[]string{"tier 3 is listed twice", "tier 4 has no rule", `unit "quarter"`}},
		{"zero visit quota", `"visits": {"count": 2`, `"visits": {"count": 0`, []string{"count must be at least 1"}},
		{"tier 5", `"tier": 1,`, `"tier": 5,`, []string{"tier 5 is not 1–4", "tier 1 has no rule"}},
		{"two values", valid, valid + valid, []string{"more than one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := strings.Replace(valid, tc.old, tc.new, 1)
			if in == valid {
				t.Fatal("test case changes nothing")
			}
			_, err := reference.Load(strings.NewReader(in))
			if err == nil {
				t.Fatal("invalid data accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q: %v", w, err)
				}
			}
		})
	}
}
