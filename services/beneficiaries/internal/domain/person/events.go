package person

import (
	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Wire names of the person events, "<service>.<aggregate>.<event>": stable
// contract, never derived from Go names. Schema versions are the current
// payload versions; the codec upcasts older ones before Apply sees them.
const (
	TypeRegistered            = "beneficiaries.person.registered"
	TypeContactDetailsChanged = "beneficiaries.person.contact_details_changed"
	TypeHealthNotesChanged    = "beneficiaries.person.health_notes_changed"
	TypeMovedHousehold        = "beneficiaries.person.moved_household"
	TypeCategoryAdded         = "beneficiaries.person.category_added"
	TypeCategoryRemoved       = "beneficiaries.person.category_removed"
	TypeTierAssessed          = "beneficiaries.person.tier_assessed"
	TypeMonthlyFileUpdated    = "beneficiaries.person.monthly_file_updated"
	TypeSocialWorkerAssigned  = "beneficiaries.person.social_worker_assigned"
	TypeExited                = "beneficiaries.person.exited"
	TypeReinstated            = "beneficiaries.person.reinstated"
	TypeForgotten             = "beneficiaries.person.forgotten"

	RegisteredSchemaVersion            = 1
	ContactDetailsChangedSchemaVersion = 1
	HealthNotesChangedSchemaVersion    = 1
	MovedHouseholdSchemaVersion        = 1
	CategoryAddedSchemaVersion         = 1
	CategoryRemovedSchemaVersion       = 1
	TierAssessedSchemaVersion          = 1
	MonthlyFileUpdatedSchemaVersion    = 1
	SocialWorkerAssignedSchemaVersion  = 1
	ExitedSchemaVersion                = 1
	ReinstatedSchemaVersion            = 1
	ForgottenSchemaVersion             = 1
)

// Event is a fact about a person. The interface is sealed: only this
// package's types implement it, and Apply handles every one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isPersonEvent()
}

// Sensitive holds a person's sensitive personal information, sealed by the
// app layer with the person's data key. Forgetting the person destroys the
// key, so these become unreadable while the events stay.
type Sensitive struct {
	IDNumber    domain.Sealed `json:"id_number"`
	Phone       domain.Sealed `json:"phone,omitempty"`
	Address     domain.Sealed `json:"address,omitempty"` // where the person lives, if not at the household's address
	HealthNotes domain.Sealed `json:"health_notes,omitempty"`
}

// Registered: a person entered the register, in at least one category.
type Registered struct {
	PersonID     uuid.UUID       `json:"person_id"`
	Tenant       string          `json:"tenant"`
	HouseholdID  uuid.UUID       `json:"household_id"`
	Village      string          `json:"village"`
	Name         string          `json:"name"`
	Gender       identity.Gender `json:"gender"`
	BirthDate    domainkit.Date  `json:"birth_date"`
	Relationship Relationship    `json:"relationship"` // to the head of the household
	Categories   []string        `json:"categories"`   // held from RegisteredOn
	RegisteredOn domainkit.Date  `json:"registered_on"`
	Sensitive    Sensitive       `json:"sensitive"`
	// IDNumberIndex is the blind index of the ID number, for finding
	// duplicates without decrypting anything.
	IDNumberIndex string `json:"id_number_index"`
}

// ContactDetailsChanged: the person's phone and own address, replaced as a
// whole (an empty value clears the field).
type ContactDetailsChanged struct {
	PersonID uuid.UUID     `json:"person_id"`
	Phone    domain.Sealed `json:"phone,omitempty"`
	Address  domain.Sealed `json:"address,omitempty"`
}

// HealthNotesChanged: the notes on health and disability, replaced.
type HealthNotesChanged struct {
	PersonID    uuid.UUID     `json:"person_id"`
	HealthNotes domain.Sealed `json:"health_notes,omitempty"`
}

// MovedHousehold: the person now belongs to another household, possibly in
// another village.
type MovedHousehold struct {
	PersonID      uuid.UUID      `json:"person_id"`
	FromHousehold uuid.UUID      `json:"from_household_id"`
	ToHousehold   uuid.UUID      `json:"to_household_id"`
	Village       string         `json:"village"`
	Relationship  Relationship   `json:"relationship"`
	EffectiveOn   domainkit.Date `json:"effective_on"`
}

// CategoryAdded: the person is in a category from EffectiveOn, e.g. on the
// strength of an approval letter (Reference).
type CategoryAdded struct {
	PersonID    uuid.UUID      `json:"person_id"`
	Category    string         `json:"category"`
	EffectiveOn domainkit.Date `json:"effective_on"`
	Reference   string         `json:"reference,omitempty"`
}

// CategoryRemoved: the person is no longer in a category from EffectiveOn.
type CategoryRemoved struct {
	PersonID    uuid.UUID      `json:"person_id"`
	Category    string         `json:"category"`
	EffectiveOn domainkit.Date `json:"effective_on"`
	Reference   string         `json:"reference,omitempty"`
}

// TierAssessed: a social worker put the person in a follow-up tier from
// EffectiveOn, for a reason. PreviousTier is 0 for a first assessment, so
// that subscribers see a change without keeping state.
type TierAssessed struct {
	PersonID     uuid.UUID      `json:"person_id"`
	Tier         domainkit.Tier `json:"tier"`
	PreviousTier domainkit.Tier `json:"previous_tier,omitempty"`
	Reason       string         `json:"reason"`
	RiskFactors  []string       `json:"risk_factors,omitempty"`
	AssessedBy   string         `json:"assessed_by"`
	EffectiveOn  domainkit.Date `json:"effective_on"`
}

// MonthlyFileUpdated: the person's file for a month (每月一人一档). The
// narrative is sealed like other sensitive data: it routinely describes
// health and family circumstances. Amendment marks a correction of the
// month's earlier update, which it replaces.
type MonthlyFileUpdated struct {
	PersonID        uuid.UUID       `json:"person_id"`
	Month           domainkit.Month `json:"month"`
	LivingSituation domain.Sealed   `json:"living_situation"`
	Needs           domain.Sealed   `json:"needs,omitempty"`
	Risks           domain.Sealed   `json:"risks,omitempty"`
	HelpReceived    domain.Sealed   `json:"help_received,omitempty"`
	Amendment       bool            `json:"amendment,omitempty"`
}

// SocialWorkerAssigned: a social worker (a staff id) follows the person up.
type SocialWorkerAssigned struct {
	PersonID             uuid.UUID `json:"person_id"`
	SocialWorker         string    `json:"social_worker"`
	PreviousSocialWorker string    `json:"previous_social_worker,omitempty"`
}

// Exited: the person left the register from EffectiveOn.
type Exited struct {
	PersonID    uuid.UUID      `json:"person_id"`
	Reason      ExitReason     `json:"reason"`
	EffectiveOn domainkit.Date `json:"effective_on"`
	Note        string         `json:"note,omitempty"`
}

// Reinstated: an exited person is back on the register from EffectiveOn.
type Reinstated struct {
	PersonID    uuid.UUID      `json:"person_id"`
	EffectiveOn domainkit.Date `json:"effective_on"`
	Reason      string         `json:"reason"`
}

// Forgotten: the person's personal data was erased (the app layer destroys
// the data key); the record stays as an anonymous history.
type Forgotten struct {
	PersonID uuid.UUID      `json:"person_id"`
	On       domainkit.Date `json:"on"`
}

func (Registered) EventType() string            { return TypeRegistered }
func (ContactDetailsChanged) EventType() string { return TypeContactDetailsChanged }
func (HealthNotesChanged) EventType() string    { return TypeHealthNotesChanged }
func (MovedHousehold) EventType() string        { return TypeMovedHousehold }
func (CategoryAdded) EventType() string         { return TypeCategoryAdded }
func (CategoryRemoved) EventType() string       { return TypeCategoryRemoved }
func (TierAssessed) EventType() string          { return TypeTierAssessed }
func (MonthlyFileUpdated) EventType() string    { return TypeMonthlyFileUpdated }
func (SocialWorkerAssigned) EventType() string  { return TypeSocialWorkerAssigned }
func (Exited) EventType() string                { return TypeExited }
func (Reinstated) EventType() string            { return TypeReinstated }
func (Forgotten) EventType() string             { return TypeForgotten }

func (Registered) SchemaVersion() int            { return RegisteredSchemaVersion }
func (ContactDetailsChanged) SchemaVersion() int { return ContactDetailsChangedSchemaVersion }
func (HealthNotesChanged) SchemaVersion() int    { return HealthNotesChangedSchemaVersion }
func (MovedHousehold) SchemaVersion() int        { return MovedHouseholdSchemaVersion }
func (CategoryAdded) SchemaVersion() int         { return CategoryAddedSchemaVersion }
func (CategoryRemoved) SchemaVersion() int       { return CategoryRemovedSchemaVersion }
func (TierAssessed) SchemaVersion() int          { return TierAssessedSchemaVersion }
func (MonthlyFileUpdated) SchemaVersion() int    { return MonthlyFileUpdatedSchemaVersion }
func (SocialWorkerAssigned) SchemaVersion() int  { return SocialWorkerAssignedSchemaVersion }
func (Exited) SchemaVersion() int                { return ExitedSchemaVersion }
func (Reinstated) SchemaVersion() int            { return ReinstatedSchemaVersion }
func (Forgotten) SchemaVersion() int             { return ForgottenSchemaVersion }

func (Registered) isPersonEvent()            {}
func (ContactDetailsChanged) isPersonEvent() {}
func (HealthNotesChanged) isPersonEvent()    {}
func (MovedHousehold) isPersonEvent()        {}
func (CategoryAdded) isPersonEvent()         {}
func (CategoryRemoved) isPersonEvent()       {}
func (TierAssessed) isPersonEvent()          {}
func (MonthlyFileUpdated) isPersonEvent()    {}
func (SocialWorkerAssigned) isPersonEvent()  {}
func (Exited) isPersonEvent()                {}
func (Reinstated) isPersonEvent()            {}
func (Forgotten) isPersonEvent()             {}
