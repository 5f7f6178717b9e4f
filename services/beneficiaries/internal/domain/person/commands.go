package person

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/reference"
)

// Commands carry what the API received, unparsed, so that the domain reports
// every invalid field at once (domain.FieldErrors). Dates are "YYYY-MM-DD",
// months "YYYY-MM"; an empty effective date means today. Sensitive values
// arrive as plaintext and leave sealed.

// RegisterPerson is the command to register a person in a household.
type RegisterPerson struct {
	PersonID     uuid.UUID
	HouseholdID  uuid.UUID
	Village      string // the household's village
	Name         string
	Gender       string
	BirthDate    string
	IDNumber     string
	Phone        string // optional
	Address      string // optional: only if not the household's address
	HealthNotes  string // optional
	Relationship string
	Categories   []string
	RegisteredOn string // optional: when the station took the person on (a migration may backdate it)
}

// Register starts a new person's history: it validates cmd and records
// Registered.
func Register(cmd RegisterPerson, ref *reference.Data, seal domain.Sealer, now time.Time) (*Person, error) {
	p := &Person{}
	if err := p.Register(cmd, ref, seal, now); err != nil {
		return nil, err
	}
	return p, nil
}

// Register records Registered on an empty Person (the zero value, or Replay
// of no events); Register above is the usual way in.
func (p *Person) Register(cmd RegisterPerson, ref *reference.Data, seal domain.Sealer, now time.Time) error {
	if p.id != uuid.Nil {
		return ErrAlreadyRegistered
	}
	today := domainkit.Today(now)
	var errs domain.FieldErrors
	if cmd.PersonID == uuid.Nil {
		errs.Add("person_id", domainkit.ErrEmpty)
	}
	if cmd.HouseholdID == uuid.Nil {
		errs.Add("household_id", domainkit.ErrEmpty)
	}
	if _, ok := ref.Village(cmd.Village); !ok {
		errs.Add("village", reference.ErrUnknownVillage)
	}
	name, err := domainkit.ParseName(cmd.Name)
	errs.Add("name", err)
	gender, genderErr := identity.ParseGender(cmd.Gender)
	errs.Add("gender", genderErr)
	birth, birthErr := domainkit.ParsePastDate(cmd.BirthDate, today)
	errs.Add("birth_date", birthErr)
	id, err := identity.ParseIDNumber(cmd.IDNumber, today)
	errs.Add("id_number", err)
	if err == nil && birthErr == nil && genderErr == nil {
		b, g := identity.MatchIDNumber(id, birth, gender)
		errs.Add("birth_date", b)
		errs.Add("gender", g)
	}
	phone, err := optionalMobile(cmd.Phone)
	errs.Add("phone", err)
	address, err := domainkit.Text(cmd.Address, domainkit.MaxAddress, false, false)
	errs.Add("address", err)
	notes, err := domainkit.Text(cmd.HealthNotes, domainkit.MaxNotes, false, true)
	errs.Add("health_notes", err)
	rel, err := parseRelationship(cmd.Relationship)
	errs.Add("relationship", err)
	if len(cmd.Categories) == 0 {
		errs.Add("categories", ErrNoCategories)
	}
	for i, c := range cmd.Categories {
		field := "categories[" + strconv.Itoa(i) + "]"
		if _, ok := ref.Category(c); !ok {
			errs.Add(field, reference.ErrUnknownCategory)
		} else if slices.Contains(cmd.Categories[:i], c) {
			errs.Add(field, ErrListedTwice)
		}
	}
	registeredOn, err := domainkit.EffectiveDate(cmd.RegisteredOn, today)
	errs.Add("registered_on", err)
	if err == nil && birthErr == nil && registeredOn.Before(birth) {
		errs.Add("registered_on", ErrBeforeBirth)
	}
	if err := errs.Err(); err != nil {
		return err
	}

	s := domainkit.Seals{To: seal}
	sensitive := Sensitive{
		IDNumber:    s.Seal("id_number", string(id)),
		Phone:       s.Seal("phone", string(phone)),
		Address:     s.Seal("address", address),
		HealthNotes: s.Seal("health_notes", notes),
	}
	if s.Err != nil {
		return s.Err
	}
	p.record(Registered{
		PersonID:      cmd.PersonID,
		Tenant:        ref.Tenant,
		HouseholdID:   cmd.HouseholdID,
		Village:       cmd.Village,
		Name:          name,
		Gender:        gender,
		BirthDate:     birth,
		Relationship:  rel,
		Categories:    slices.Clone(cmd.Categories),
		RegisteredOn:  registeredOn,
		Sensitive:     sensitive,
		IDNumberIndex: seal.BlindIndex(string(id)),
	})
	return nil
}

// ChangeContactDetails replaces the person's phone and own address; an empty
// value clears the field.
type ChangeContactDetails struct {
	Phone   string
	Address string
}

// ChangeContactDetails validates cmd and records ContactDetailsChanged.
func (p *Person) ChangeContactDetails(cmd ChangeContactDetails, seal domain.Sealer) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	var errs domain.FieldErrors
	phone, err := optionalMobile(cmd.Phone)
	errs.Add("phone", err)
	address, err := domainkit.Text(cmd.Address, domainkit.MaxAddress, false, false)
	errs.Add("address", err)
	if err := errs.Err(); err != nil {
		return err
	}
	s := domainkit.Seals{To: seal}
	e := ContactDetailsChanged{PersonID: p.id, Phone: s.Seal("phone", string(phone)), Address: s.Seal("address", address)}
	if s.Err != nil {
		return s.Err
	}
	p.record(e)
	return nil
}

// ChangeHealthNotes replaces the notes on the person's health and disability.
func (p *Person) ChangeHealthNotes(notes string, seal domain.Sealer) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	notes, err := domainkit.Text(notes, domainkit.MaxNotes, false, true)
	if err != nil {
		return domainkit.Invalid("health_notes", err)
	}
	s := domainkit.Seals{To: seal}
	e := HealthNotesChanged{PersonID: p.id, HealthNotes: s.Seal("health_notes", notes)}
	if s.Err != nil {
		return s.Err
	}
	p.record(e)
	return nil
}

// MoveHousehold moves the person to another household.
type MoveHousehold struct {
	HouseholdID  uuid.UUID
	Village      string // the new household's village
	Relationship string // to the new household's head
	EffectiveOn  string
}

// MoveHousehold validates cmd and records MovedHousehold.
func (p *Person) MoveHousehold(cmd MoveHousehold, ref *reference.Data, now time.Time) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	var errs domain.FieldErrors
	if cmd.HouseholdID == uuid.Nil {
		errs.Add("household_id", domainkit.ErrEmpty)
	}
	if _, ok := ref.Village(cmd.Village); !ok {
		errs.Add("village", reference.ErrUnknownVillage)
	}
	rel, err := parseRelationship(cmd.Relationship)
	errs.Add("relationship", err)
	on, err := domainkit.EffectiveDate(cmd.EffectiveOn, domainkit.Today(now))
	errs.Add("effective_on", err)
	if err := errs.Err(); err != nil {
		return err
	}
	if cmd.HouseholdID == p.household {
		return ErrSameHousehold
	}
	p.record(MovedHousehold{
		PersonID: p.id, FromHousehold: p.household, ToHousehold: cmd.HouseholdID,
		Village: cmd.Village, Relationship: rel, EffectiveOn: on,
	})
	return nil
}

// ChangeCategory adds the person to a category or removes them from one.
type ChangeCategory struct {
	Category    string
	EffectiveOn string
	Reference   string // optional, e.g. the approval letter's number
}

// AddCategory validates cmd and records CategoryAdded.
func (p *Person) AddCategory(cmd ChangeCategory, ref *reference.Data, now time.Time) error {
	code, on, letter, err := p.checkCategoryChange(cmd, ref, now)
	if err != nil {
		return err
	}
	if last, ok := p.lastCategoryChange(code); ok && last.Added {
		return fmt.Errorf("%w %s", ErrCategoryHeld, code)
	}
	p.record(CategoryAdded{PersonID: p.id, Category: code, EffectiveOn: on, Reference: letter})
	return nil
}

// RemoveCategory validates cmd and records CategoryRemoved. A person keeps at
// least one category; one who no longer qualifies for any exits instead.
func (p *Person) RemoveCategory(cmd ChangeCategory, ref *reference.Data, now time.Time) error {
	code, on, letter, err := p.checkCategoryChange(cmd, ref, now)
	if err != nil {
		return err
	}
	if last, ok := p.lastCategoryChange(code); !ok || !last.Added {
		return fmt.Errorf("%w %s", ErrCategoryNotHeld, code)
	}
	if len(p.Categories()) == 1 {
		return ErrLastCategory
	}
	p.record(CategoryRemoved{PersonID: p.id, Category: code, EffectiveOn: on, Reference: letter})
	return nil
}

func (p *Person) checkCategoryChange(cmd ChangeCategory, ref *reference.Data, now time.Time) (string, domainkit.Date, string, error) {
	if err := p.mustBeActive(); err != nil {
		return "", domainkit.Date{}, "", err
	}
	var errs domain.FieldErrors
	if _, ok := ref.Category(cmd.Category); !ok {
		errs.Add("category", reference.ErrUnknownCategory)
	}
	on, err := domainkit.EffectiveDate(cmd.EffectiveOn, domainkit.Today(now))
	errs.Add("effective_on", err)
	if last, ok := p.lastCategoryChange(cmd.Category); ok && err == nil && on.Before(last.EffectiveOn) {
		errs.Add("effective_on", fmt.Errorf("%w (the category's last change, %s)", ErrOutOfOrder, last.EffectiveOn))
	}
	letter, err := domainkit.Text(cmd.Reference, domainkit.MaxShort, false, false)
	errs.Add("reference", err)
	return cmd.Category, on, letter, errs.Err()
}

// AssessTier puts the person in a follow-up tier.
type AssessTier struct {
	Tier        int
	Reason      string
	RiskFactors []string // short labels, e.g. "独居", "慢性病"
	AssessedBy  string   // the social worker's staff id
	EffectiveOn string
}

// AssessTier validates cmd and records TierAssessed. Assessments are kept in
// effective-date order: one cannot take effect before the previous one.
func (p *Person) AssessTier(cmd AssessTier, now time.Time) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	var errs domain.FieldErrors
	tier, err := domainkit.ParseTier(cmd.Tier)
	errs.Add("tier", err)
	reason, err := domainkit.Text(cmd.Reason, domainkit.MaxReason, true, true)
	errs.Add("reason", err)
	if len(cmd.RiskFactors) > 20 {
		errs.Add("risk_factors", ErrTooManyRiskFactors)
	}
	var risks []string
	for i, r := range cmd.RiskFactors {
		r, err := domainkit.Text(r, domainkit.MaxShort, true, false)
		errs.Add("risk_factors["+strconv.Itoa(i)+"]", err)
		risks = append(risks, r)
	}
	assessor, err := domainkit.Text(cmd.AssessedBy, domainkit.MaxShort, true, false)
	errs.Add("assessed_by", err)
	on, err := domainkit.EffectiveDate(cmd.EffectiveOn, domainkit.Today(now))
	errs.Add("effective_on", err)
	previous, assessed := p.Tier()
	switch {
	case err != nil:
	case on.Before(p.registeredOn):
		errs.Add("effective_on", ErrBeforeRegistration)
	case assessed && on.Before(previous.EffectiveOn):
		errs.Add("effective_on", fmt.Errorf("%w (the last assessment, %s)", ErrOutOfOrder, previous.EffectiveOn))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	p.record(TierAssessed{
		PersonID: p.id, Tier: tier, PreviousTier: previous.Tier, Reason: reason,
		RiskFactors: risks, AssessedBy: assessor, EffectiveOn: on,
	})
	return nil
}

// RecordMonthlyFile is the month's file update (每月一人一档). A month has one
// update; to correct it, send the month again with Amendment set.
type RecordMonthlyFile struct {
	Month           string
	LivingSituation string
	Needs           string
	Risks           string
	HelpReceived    string
	Amendment       bool
}

// RecordMonthlyFile validates cmd and records MonthlyFileUpdated.
//
// An amendment is the same event with Amendment set, not a separate event
// type: every consumer that asks "was the month updated, and what does the
// file say?" handles both alike (the latest wins), and the flag still tells
// an auditor which updates were corrections.
func (p *Person) RecordMonthlyFile(cmd RecordMonthlyFile, seal domain.Sealer, now time.Time) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	var errs domain.FieldErrors
	month, err := domainkit.ParsePastMonth(cmd.Month, domainkit.Today(now))
	errs.Add("month", err)
	if err == nil && month.Before(p.registeredOn.YearMonth()) {
		errs.Add("month", ErrBeforeRegistration)
	}
	living, err := domainkit.Text(cmd.LivingSituation, domainkit.MaxNotes, true, true)
	errs.Add("living_situation", err)
	needs, err := domainkit.Text(cmd.Needs, domainkit.MaxNotes, false, true)
	errs.Add("needs", err)
	risks, err := domainkit.Text(cmd.Risks, domainkit.MaxNotes, false, true)
	errs.Add("risks", err)
	help, err := domainkit.Text(cmd.HelpReceived, domainkit.MaxNotes, false, true)
	errs.Add("help_received", err)
	if err := errs.Err(); err != nil {
		return err
	}
	switch filed := p.monthsFiled[month]; {
	case filed && !cmd.Amendment:
		return fmt.Errorf("%w: %s", ErrMonthlyUpdateExists, month)
	case !filed && cmd.Amendment:
		return fmt.Errorf("%w: %s", ErrNoMonthlyUpdate, month)
	}
	s := domainkit.Seals{To: seal}
	e := MonthlyFileUpdated{
		PersonID:        p.id,
		Month:           month,
		LivingSituation: s.Seal("living_situation", living),
		Needs:           s.Seal("needs", needs),
		Risks:           s.Seal("risks", risks),
		HelpReceived:    s.Seal("help_received", help),
		Amendment:       cmd.Amendment,
	}
	if s.Err != nil {
		return s.Err
	}
	p.record(e)
	return nil
}

// AssignSocialWorker makes a social worker (a staff id) responsible for the
// person. Assigning the one already assigned records nothing: the command
// states the desired outcome, which already holds.
func (p *Person) AssignSocialWorker(socialWorker string) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	worker, err := domainkit.Text(socialWorker, domainkit.MaxShort, true, false)
	if err != nil {
		return domainkit.Invalid("social_worker", err)
	}
	if worker == p.socialWorker {
		return nil
	}
	p.record(SocialWorkerAssigned{PersonID: p.id, SocialWorker: worker, PreviousSocialWorker: p.socialWorker})
	return nil
}

// Exit takes the person off the register.
type Exit struct {
	Reason      string // deceased, moved_away, no_longer_eligible, other
	EffectiveOn string
	Note        string // required for "other"
}

// Exit validates cmd and records Exited.
func (p *Person) Exit(cmd Exit, now time.Time) error {
	if err := p.mustBeActive(); err != nil {
		return err
	}
	var errs domain.FieldErrors
	reason := ExitReason(cmd.Reason)
	if !slices.Contains([]ExitReason{Deceased, MovedAway, NoLongerEligible, OtherReason}, reason) {
		errs.Add("reason", ErrExitReason)
	}
	note, err := domainkit.Text(cmd.Note, domainkit.MaxReason, false, true)
	errs.Add("note", err)
	if err == nil && note == "" && reason == OtherReason {
		errs.Add("note", ErrNoteRequired)
	}
	errs.Add("effective_on", p.checkStatusDate(cmd.EffectiveOn, now))
	if err := errs.Err(); err != nil {
		return err
	}
	on, _ := domainkit.EffectiveDate(cmd.EffectiveOn, domainkit.Today(now))
	p.record(Exited{PersonID: p.id, Reason: reason, EffectiveOn: on, Note: note})
	return nil
}

// Reinstate puts an exited person back on the register.
type Reinstate struct {
	EffectiveOn string
	Reason      string
}

// Reinstate validates cmd and records Reinstated.
func (p *Person) Reinstate(cmd Reinstate, now time.Time) error {
	if err := p.mustBeRegistered(); err != nil {
		return err
	}
	if p.Status() != StatusExited {
		return ErrPersonNotExited
	}
	var errs domain.FieldErrors
	reason, err := domainkit.Text(cmd.Reason, domainkit.MaxReason, true, true)
	errs.Add("reason", err)
	errs.Add("effective_on", p.checkStatusDate(cmd.EffectiveOn, now))
	if err := errs.Err(); err != nil {
		return err
	}
	on, _ := domainkit.EffectiveDate(cmd.EffectiveOn, domainkit.Today(now))
	p.record(Reinstated{PersonID: p.id, EffectiveOn: on, Reason: reason})
	return nil
}

// Forget erases the person's personal data, whatever their status. The app
// layer destroys the person's data key when it stores Forgotten.
func (p *Person) Forget(now time.Time) error {
	if err := p.mustBeRegistered(); err != nil {
		return err
	}
	p.record(Forgotten{PersonID: p.id, On: domainkit.Today(now)})
	return nil
}

// checkStatusDate parses a status change's effective date, which must not
// be before the previous status change.
func (p *Person) checkStatusDate(s string, now time.Time) error {
	on, err := domainkit.EffectiveDate(s, domainkit.Today(now))
	if err != nil {
		return err
	}
	if last := p.statuses[len(p.statuses)-1]; on.Before(last.EffectiveOn) {
		return fmt.Errorf("%w (the person's last status change, %s)", ErrOutOfOrder, last.EffectiveOn)
	}
	return nil
}

func (p *Person) mustBeRegistered() error {
	switch p.Status() {
	case StatusNone:
		return ErrNotRegistered
	case StatusForgotten:
		return ErrPersonForgotten
	}
	return nil
}

func (p *Person) mustBeActive() error {
	if err := p.mustBeRegistered(); err != nil {
		return err
	}
	if p.Status() == StatusExited {
		return ErrPersonExited
	}
	return nil
}

func optionalMobile(s string) (identity.Mobile, error) {
	if s == "" {
		return "", nil
	}
	return identity.ParseMobile(s)
}

func parseRelationship(s string) (Relationship, error) {
	if r := Relationship(s); slices.Contains(relationships, r) {
		return r, nil
	}
	return "", ErrRelationship
}
