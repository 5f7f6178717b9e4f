// Package reference is a tenant's reference data, shared by the services
// that check codes against it (beneficiaries, visits): the categories of
// people the station serves, its villages and communities, and the follow-up
// policy of each tier. A deployment configures it as JSON (Load); Default holds the
// values of DOMAIN.md for the tenants we know.
//
// Commands take a *Data so that a code is checked against the tenant's own
// lists; the lists are small (17 categories, 26 villages), so lookups scan.
package reference

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Data is one tenant's reference data.
type Data struct {
	Tenant     string     `json:"tenant"` // the station or town code, e.g. "shitan"
	Name       string     `json:"name"`   // e.g. 石滩镇
	Categories []Category `json:"categories"`
	Villages   []Village  `json:"villages"`
	TierPolicy []TierRule `json:"tier_policy"`
}

// Category is a group of people the station serves (低保, 特困, …).
type Category struct {
	Code string `json:"code"` // UPPER_SNAKE, stable: events carry it
	Name string `json:"name"`
}

// Village is a village or community (村居) of the tenant.
type Village struct {
	Code string `json:"code"` // stable: events carry it
	Name string `json:"name"`
}

// TierRule is how closely a tier is followed up: at least one contact (a
// call or a visit) per Contact period, and at least Visits.Count home visits
// per Visits.Per period. Monitoring computes "due" and "overdue" from it.
type TierRule struct {
	Tier    int    `json:"tier"`
	Name    string `json:"name"`
	Contact Period `json:"contact"`
	Visits  *Quota `json:"visits,omitempty"` // nil: no visit quota
}

// Quota is a number of events per period.
type Quota struct {
	Count int    `json:"count"`
	Per   Period `json:"per"`
}

// Period is a calendar period: 2 weeks, 1 month, 3 months.
type Period struct {
	Every int  `json:"every"`
	Unit  Unit `json:"unit"`
}

// Unit is a calendar unit of a Period.
type Unit string

const (
	Day   Unit = "day"
	Week  Unit = "week"
	Month Unit = "month"
)

// Reasons for a code that is not in the tenant's reference data.
var (
	ErrUnknownCategory = errors.New("is not a category of this tenant")
	ErrUnknownVillage  = errors.New("is not a village of this tenant")
)

// Category returns the category with code, if the tenant has it.
func (d *Data) Category(code string) (Category, bool) {
	for _, c := range d.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Village returns the village with code, if the tenant has it.
func (d *Data) Village(code string) (Village, bool) {
	for _, v := range d.Villages {
		if v.Code == code {
			return v, true
		}
	}
	return Village{}, false
}

// Rule returns the follow-up rule of tier (1–4).
func (d *Data) Rule(tier int) (TierRule, bool) {
	for _, r := range d.TierPolicy {
		if r.Tier == tier {
			return r, true
		}
	}
	return TierRule{}, false
}

var (
	tenantPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`) // one NATS subject token
	categoryPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	villagePattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)
)

// Validate reports every problem with d, joined.
func (d *Data) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !tenantPattern.MatchString(d.Tenant) {
		bad("tenant %q must be lower-case letters, digits and _, starting with a letter", d.Tenant)
	}
	if len(d.Categories) == 0 {
		bad("no categories")
	}
	seen := map[string]bool{}
	for i, c := range d.Categories {
		if !categoryPattern.MatchString(c.Code) {
			bad("categories[%d]: code %q must be UPPER_SNAKE", i, c.Code)
		}
		if seen[c.Code] {
			bad("categories[%d]: code %q is listed twice", i, c.Code)
		}
		seen[c.Code] = true
		if strings.TrimSpace(c.Name) == "" {
			bad("categories[%d]: name is empty", i)
		}
	}
	if len(d.Villages) == 0 {
		bad("no villages")
	}
	seen = map[string]bool{}
	for i, v := range d.Villages {
		if !villagePattern.MatchString(v.Code) {
			bad("villages[%d]: code %q must be letters, digits, _ and -", i, v.Code)
		}
		if seen[v.Code] {
			bad("villages[%d]: code %q is listed twice", i, v.Code)
		}
		seen[v.Code] = true
		if strings.TrimSpace(v.Name) == "" {
			bad("villages[%d]: name is empty", i)
		}
	}
	tiers := map[int]bool{}
	for i, r := range d.TierPolicy {
		if r.Tier < 1 || r.Tier > 4 {
			bad("tier_policy[%d]: tier %d is not 1–4", i, r.Tier)
		}
		if tiers[r.Tier] {
			bad("tier_policy[%d]: tier %d is listed twice", i, r.Tier)
		}
		tiers[r.Tier] = true
		if err := r.Contact.validate(); err != nil {
			bad("tier_policy[%d].contact: %v", i, err)
		}
		if r.Visits != nil {
			if r.Visits.Count < 1 {
				bad("tier_policy[%d].visits: count must be at least 1 (leave visits out for no quota)", i)
			}
			if err := r.Visits.Per.validate(); err != nil {
				bad("tier_policy[%d].visits.per: %v", i, err)
			}
		}
	}
	for t := 1; t <= 4; t++ {
		if !tiers[t] {
			bad("tier_policy: tier %d has no rule", t)
		}
	}
	return errors.Join(errs...)
}

func (p Period) validate() error {
	switch p.Unit {
	case Day, Week, Month:
	default:
		return fmt.Errorf("unit %q must be day, week or month", p.Unit)
	}
	if p.Every < 1 {
		return fmt.Errorf("every must be at least 1")
	}
	return nil
}

// Load reads one tenant's reference data from JSON and validates it.
// Unknown fields are refused, so a misspelt key does not pass silently.
func Load(r io.Reader) (*Data, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d Data
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	if dec.More() {
		return nil, errors.New("reference data: more than one JSON value")
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("reference data for %q: %w", d.Tenant, err)
	}
	return &d, nil
}

//go:embed defaults/*.json
var defaults embed.FS

// ErrNoDefault is returned by Default for a tenant without built-in data.
var ErrNoDefault = errors.New("no default reference data for tenant")

// Default returns the built-in reference data of tenant: for "shitan", the
// 17 categories and tier policy of DOMAIN.md and 26 villages. The village
// names are placeholders (第1村 … 第26村) until the station supplies the
// real list; the codes V01 … V26 are what events carry.
func Default(tenant string) (*Data, error) {
	if !tenantPattern.MatchString(tenant) {
		return nil, fmt.Errorf("%w %q", ErrNoDefault, tenant)
	}
	b, err := defaults.ReadFile("defaults/" + tenant + ".json")
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrNoDefault, tenant)
	}
	return Load(bytes.NewReader(b))
}

// ErrUnknownTenant is returned for a tenant without reference data.
var ErrUnknownTenant = errors.New("unknown tenant")

// Tenants is the reference data of each tenant a service serves.
type Tenants map[string]*Data

// Get returns tenant's data, or ErrUnknownTenant.
func (ts Tenants) Get(tenant string) (*Data, error) {
	d, ok := ts[tenant]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTenant, tenant)
	}
	return d, nil
}

// Configured loads a service's reference data from its configuration: the
// JSON file named by file when it is set, else the built-in data of each of
// tenants. fileVar and tenantsVar name the settings in errors.
func Configured(file, fileVar string, tenants []string, tenantsVar string) (Tenants, error) {
	out := Tenants{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileVar, err)
		}
		defer f.Close()
		d, err := Load(f)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", fileVar, file, err)
		}
		out[d.Tenant] = d
		return out, nil
	}
	for _, t := range tenants {
		d, err := Default(strings.TrimSpace(t))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tenantsVar, err)
		}
		out[d.Tenant] = d
	}
	return out, nil
}
