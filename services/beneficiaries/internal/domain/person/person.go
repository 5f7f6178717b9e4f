// Package person is the person aggregate: someone on the station's register,
// in one or more categories, followed up at a tier, with a file updated every
// month, until they exit (and possibly come back) or ask to be forgotten.
//
// Sensitive personal information (ID number, phone, own address, health
// notes, the monthly narrative) is validated here as plaintext and recorded
// only in the sealed form a domain.Sealer returns; the app layer holds the
// keys. Tier, category and status changes carry effective dates, kept in
// order, so the state can answer "as of date D" questions for audits.
package person

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Status is where a person stands on the register.
type Status string

const (
	StatusNone      Status = ""          // not (yet) registered
	StatusActive    Status = "active"    // followed up
	StatusExited    Status = "exited"    // left the register; can be reinstated
	StatusForgotten Status = "forgotten" // personal data erased; final
)

// Relationship is a person's relationship to the head of their household.
type Relationship string

// Relationships, as civil-affairs household registers record them.
const (
	Self          Relationship = "self"
	Spouse        Relationship = "spouse"
	Child         Relationship = "child"
	Parent        Relationship = "parent"
	Grandchild    Relationship = "grandchild"
	Grandparent   Relationship = "grandparent"
	Sibling       Relationship = "sibling"
	OtherRelative Relationship = "other_relative"
	NonRelative   Relationship = "non_relative"
)

var relationships = []Relationship{Self, Spouse, Child, Parent, Grandchild, Grandparent, Sibling, OtherRelative, NonRelative}

// ExitReason is why a person left the register.
type ExitReason string

const (
	Deceased         ExitReason = "deceased"
	MovedAway        ExitReason = "moved_away"
	NoLongerEligible ExitReason = "no_longer_eligible"
	OtherReason      ExitReason = "other"
)

// Assessment is one tier assessment.
type Assessment struct {
	Tier        domainkit.Tier
	Reason      string
	RiskFactors []string
	AssessedBy  string
	EffectiveOn domainkit.Date
}

// StatusChange is one change of status.
type StatusChange struct {
	Status      Status
	EffectiveOn domainkit.Date
}

// CategoryChange is one change of one category.
type CategoryChange struct {
	Category    string
	Added       bool // false: removed
	EffectiveOn domainkit.Date
	Reference   string
}

// Person is the state rebuilt from a person's events.
type Person struct {
	id            uuid.UUID
	tenant        string
	household     uuid.UUID
	village       string
	name          string
	gender        identity.Gender
	birthDate     domainkit.Date
	relationship  Relationship
	registeredOn  domainkit.Date
	sensitive     Sensitive
	idNumberIndex string
	socialWorker  string

	// Histories in the order recorded, which is also effective-date order
	// (per category for categories): commands refuse out-of-order dates.
	statuses    []StatusChange
	tiers       []Assessment
	categories  []CategoryChange
	monthsFiled map[domainkit.Month]bool

	domainkit.Versioned[Event]
}

// Replay rebuilds a person from their stored history.
func Replay(history []Event) (*Person, error) {
	return domainkit.Replay(&Person{}, history)
}

// Apply applies one stored event and advances the version.
func (p *Person) Apply(e Event) error {
	return p.Applied(p.when, e)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (p *Person) record(e Event) {
	p.Versioned.Record(p.when, e)
}

func (p *Person) when(e Event) error {
	if _, ok := e.(Registered); !ok && p.id == uuid.Nil {
		return fmt.Errorf("person: %T before registration: %w", e, ErrNotRegistered)
	}
	switch e := e.(type) {
	case Registered:
		if p.id != uuid.Nil {
			return ErrAlreadyRegistered
		}
		p.id, p.tenant, p.household, p.village = e.PersonID, e.Tenant, e.HouseholdID, e.Village
		p.name, p.gender, p.birthDate, p.relationship = e.Name, e.Gender, e.BirthDate, e.Relationship
		p.registeredOn, p.sensitive, p.idNumberIndex = e.RegisteredOn, e.Sensitive, e.IDNumberIndex
		p.statuses = []StatusChange{{StatusActive, e.RegisteredOn}}
		for _, c := range e.Categories {
			p.categories = append(p.categories, CategoryChange{Category: c, Added: true, EffectiveOn: e.RegisteredOn})
		}
		p.monthsFiled = map[domainkit.Month]bool{}
	case ContactDetailsChanged:
		p.sensitive.Phone, p.sensitive.Address = e.Phone, e.Address
	case HealthNotesChanged:
		p.sensitive.HealthNotes = e.HealthNotes
	case MovedHousehold:
		p.household, p.village, p.relationship = e.ToHousehold, e.Village, e.Relationship
	case CategoryAdded:
		p.categories = append(p.categories, CategoryChange{e.Category, true, e.EffectiveOn, e.Reference})
	case CategoryRemoved:
		p.categories = append(p.categories, CategoryChange{e.Category, false, e.EffectiveOn, e.Reference})
	case TierAssessed:
		p.tiers = append(p.tiers, Assessment{e.Tier, e.Reason, e.RiskFactors, e.AssessedBy, e.EffectiveOn})
	case MonthlyFileUpdated:
		p.monthsFiled[e.Month] = true
	case SocialWorkerAssigned:
		p.socialWorker = e.SocialWorker
	case Exited:
		p.statuses = append(p.statuses, StatusChange{StatusExited, e.EffectiveOn})
	case Reinstated:
		p.statuses = append(p.statuses, StatusChange{StatusActive, e.EffectiveOn})
	case Forgotten:
		p.statuses = append(p.statuses, StatusChange{StatusForgotten, e.On})
		p.forget()
	default:
		return fmt.Errorf("person: cannot apply %T", e)
	}
	return nil
}

// forget drops what identifies the person from the state. What remains —
// dates, codes, tiers — is the anonymous history the station's figures need.
func (p *Person) forget() {
	p.name, p.gender, p.birthDate = "", "", domainkit.Date{}
	p.sensitive, p.idNumberIndex = Sensitive{}, ""
	for i := range p.tiers {
		p.tiers[i].Reason, p.tiers[i].RiskFactors = "", nil
	}
	for i := range p.categories {
		p.categories[i].Reference = ""
	}
}

// ID is the person's id.
func (p *Person) ID() uuid.UUID { return p.id }

// Tenant is the station or town the person is registered with.
func (p *Person) Tenant() string { return p.tenant }

// HouseholdID is the household the person belongs to now.
func (p *Person) HouseholdID() uuid.UUID { return p.household }

// Village is the code of the person's village now.
func (p *Person) Village() string { return p.village }

// Name is the person's name ("" once forgotten).
func (p *Person) Name() string { return p.name }

// Gender is the person's gender ("" once forgotten).
func (p *Person) Gender() identity.Gender { return p.gender }

// BirthDate is the person's birth date (zero once forgotten).
func (p *Person) BirthDate() domainkit.Date { return p.birthDate }

// Relationship is the person's relationship to the head of their household.
func (p *Person) Relationship() Relationship { return p.relationship }

// RegisteredOn is the date the person entered the register.
func (p *Person) RegisteredOn() domainkit.Date { return p.registeredOn }

// Sensitive is the person's sealed sensitive data (empty once forgotten).
func (p *Person) Sensitive() Sensitive { return p.sensitive }

// IDNumberIndex is the blind index of the person's ID number ("" once forgotten).
func (p *Person) IDNumberIndex() string { return p.idNumberIndex }

// SocialWorker is the staff id of the assigned social worker, if any.
func (p *Person) SocialWorker() string { return p.socialWorker }

// Status is the person's status after their latest change.
func (p *Person) Status() Status {
	if len(p.statuses) == 0 {
		return StatusNone
	}
	return p.statuses[len(p.statuses)-1].Status
}

// Tier is the person's latest assessment; false if never assessed.
func (p *Person) Tier() (Assessment, bool) {
	if len(p.tiers) == 0 {
		return Assessment{}, false
	}
	return p.tiers[len(p.tiers)-1], true
}

// Categories are the codes of the categories the person is in now, sorted.
func (p *Person) Categories() []string { return p.categoriesOn(nil) }

// HasMonthlyFile reports whether the month's file has been updated.
func (p *Person) HasMonthlyFile(m domainkit.Month) bool { return p.monthsFiled[m] }

// TierOn is the assessment in effect on date d: the latest one effective on
// or before d. False if the person had not been assessed by then.
func (p *Person) TierOn(d domainkit.Date) (Assessment, bool) {
	for i := len(p.tiers) - 1; i >= 0; i-- {
		if !p.tiers[i].EffectiveOn.After(d) {
			return p.tiers[i], true
		}
	}
	return Assessment{}, false
}

// StatusOn is the person's status on date d (StatusNone before registration).
func (p *Person) StatusOn(d domainkit.Date) Status {
	for i := len(p.statuses) - 1; i >= 0; i-- {
		if !p.statuses[i].EffectiveOn.After(d) {
			return p.statuses[i].Status
		}
	}
	return StatusNone
}

// CategoriesOn are the codes of the categories the person was in on date d, sorted.
func (p *Person) CategoriesOn(d domainkit.Date) []string { return p.categoriesOn(&d) }

func (p *Person) categoriesOn(d *domainkit.Date) []string {
	held := map[string]bool{}
	for _, c := range p.categories {
		if d == nil || !c.EffectiveOn.After(*d) {
			held[c.Category] = c.Added
		}
	}
	var out []string
	for code, in := range held {
		if in {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// History returns copies of the person's status, tier and category histories,
// oldest first, for an audit view.
func (p *Person) History() (statuses []StatusChange, tiers []Assessment, categories []CategoryChange) {
	return slices.Clone(p.statuses), slices.Clone(p.tiers), slices.Clone(p.categories)
}

// lastCategoryChange is the latest change of code, if any.
func (p *Person) lastCategoryChange(code string) (CategoryChange, bool) {
	for i := len(p.categories) - 1; i >= 0; i-- {
		if p.categories[i].Category == code {
			return p.categories[i], true
		}
	}
	return CategoryChange{}, false
}
