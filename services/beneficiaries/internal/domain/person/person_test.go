package person_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/domaintest"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

func field(name string) error { return &domain.FieldError{Field: name} }

func TestRegister(t *testing.T) {
	t.Parallel()
	register := func(change func(*person.RegisterPerson)) func(*person.Person) error {
		return func(p *person.Person) error {
			cmd := registerCmd
			cmd.Categories = append([]string(nil), cmd.Categories...)
			if change != nil {
				change(&cmd)
			}
			return p.Register(cmd, ref, seal, now)
		}
	}
	today := registered
	today.RegisteredOn = date("2025-06-15")
	run(t, map[string]personCase{
		"registers, sealing the sensitive fields": {
			When: register(nil),
			Then: []person.Event{today},
		},
		"backdated registration": {
			When: register(func(c *person.RegisterPerson) { c.RegisteredOn = "2024-01-10" }),
			Then: []person.Event{registered},
		},
		"SQL-looking name is just a name": {
			When: register(func(c *person.RegisterPerson) { c.Name = "Robert'); DROP TABLE persons;--" }),
			Then: []person.Event{func() person.Registered { r := today; r.Name = "Robert'); DROP TABLE persons;--"; return r }()},
		},
		"already registered": {
			Given: given(registered), When: register(nil), ThenErr: person.ErrAlreadyRegistered,
		},
		"over a forgotten person's history": {
			Given: given(registered, forgotten), When: register(nil), ThenErr: person.ErrAlreadyRegistered,
		},
		"no categories": {
			When:    register(func(c *person.RegisterPerson) { c.Categories = nil }),
			ThenErr: &domain.FieldError{Field: "categories", Reason: person.ErrNoCategories.Error()},
		},
		"unknown category": {
			When:    register(func(c *person.RegisterPerson) { c.Categories = append(c.Categories, "RICH") }),
			ThenErr: &domain.FieldError{Field: "categories[2]", Reason: "is not a category of this tenant"},
		},
		"category listed twice": {
			When:    register(func(c *person.RegisterPerson) { c.Categories = append(c.Categories, "TEKUN") }),
			ThenErr: &domain.FieldError{Field: "categories[2]", Reason: "is listed twice"},
		},
		"unknown village": {
			When: register(func(c *person.RegisterPerson) { c.Village = "V27" }), ThenErr: field("village"),
		},
		"wrong check digit": {
			When:    register(func(c *person.RegisterPerson) { c.IDNumber = c.IDNumber[:17] + "0" }),
			ThenErr: &domain.FieldError{Field: "id_number", Reason: "check digit is wrong"},
		},
		"birth date does not match the ID number": {
			When:    register(func(c *person.RegisterPerson) { c.BirthDate = "1950-03-08" }),
			ThenErr: &domain.FieldError{Field: "birth_date", Reason: identity.ErrBirthDateMismatch.Error()},
		},
		"gender does not match the ID number": {
			When:    register(func(c *person.RegisterPerson) { c.Gender = "female" }),
			ThenErr: &domain.FieldError{Field: "gender", Reason: identity.ErrGenderMismatch.Error()},
		},
		"birth date in the future": {
			When:    register(func(c *person.RegisterPerson) { c.BirthDate = "2025-06-16" }),
			ThenErr: &domain.FieldError{Field: "birth_date", Reason: "is in the future"},
		},
		"bad phone": {
			When: register(func(c *person.RegisterPerson) { c.Phone = "020-12345678" }), ThenErr: field("phone"),
		},
		"empty name": {
			When: register(func(c *person.RegisterPerson) { c.Name = "" }), ThenErr: field("name"),
		},
		"10 KB name": {
			When: register(func(c *person.RegisterPerson) { c.Name = strings.Repeat("名", 10240) }), ThenErr: field("name"),
		},
		"unknown relationship": {
			When: register(func(c *person.RegisterPerson) { c.Relationship = "boss" }), ThenErr: field("relationship"),
		},
		"registered before birth": {
			When:    register(func(c *person.RegisterPerson) { c.RegisteredOn = "1950-03-06" }),
			ThenErr: &domain.FieldError{Field: "registered_on", Reason: person.ErrBeforeBirth.Error()},
		},
		"health notes with a control character": {
			When: register(func(c *person.RegisterPerson) { c.HealthNotes = "a\x00b" }), ThenErr: field("health_notes"),
		},
		"sealing fails": {
			When: func(p *person.Person) error {
				return p.Register(registerCmd, ref, domaintest.FailingSealer{Err: errKeys}, now)
			},
			ThenErr: errKeys,
		},
	})
}

func TestRegisterReportsEveryBadField(t *testing.T) {
	t.Parallel()
	_, err := person.Register(person.RegisterPerson{
		PersonID: pid, HouseholdID: hid, Village: "V00", Name: "陈\xff", Gender: "m", BirthDate: "1950-02-30",
		IDNumber: "123", Phone: "123", Relationship: "self", Categories: []string{"DIBAO", "NOPE"},
	}, ref, seal, now)
	var errs domain.FieldErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	want := "village name gender birth_date id_number phone categories[1]"
	if got := strings.Join(fields, " "); got != want {
		t.Errorf("fields %q, want %q\n%v", got, want, err)
	}
}

func TestChangeContactDetails(t *testing.T) {
	t.Parallel()
	change := func(phone, address string) func(*person.Person) error {
		return func(p *person.Person) error {
			return p.ChangeContactDetails(person.ChangeContactDetails{Phone: phone, Address: address}, seal)
		}
	}
	run(t, map[string]personCase{
		"changes": {
			Given: given(registered),
			When:  change("13912345678", "敬老院2楼"),
			Then: []person.Event{person.ContactDetailsChanged{PersonID: pid,
				Phone: domaintest.Sealed("phone", "13912345678"), Address: domaintest.Sealed("address", "敬老院2楼")}},
		},
		"clears": {
			Given: given(registered),
			When:  change("", ""),
			Then:  []person.Event{person.ContactDetailsChanged{PersonID: pid}},
		},
		"bad phone":    {Given: given(registered), When: change("12345", ""), ThenErr: field("phone")},
		"exited":       {Given: given(registered, exited), When: change("13912345678", ""), ThenErr: person.ErrPersonExited},
		"forgotten":    {Given: given(registered, forgotten), When: change("13912345678", ""), ThenErr: person.ErrPersonForgotten},
		"unregistered": {When: change("13912345678", ""), ThenErr: person.ErrNotRegistered},
	})
}

func TestChangeHealthNotes(t *testing.T) {
	t.Parallel()
	change := func(notes string) func(*person.Person) error {
		return func(p *person.Person) error { return p.ChangeHealthNotes(notes, seal) }
	}
	run(t, map[string]personCase{
		"changes": {
			Given: given(registered), When: change("糖尿病"),
			Then: []person.Event{person.HealthNotesChanged{PersonID: pid, HealthNotes: domaintest.Sealed("health_notes", "糖尿病")}},
		},
		"too long": {Given: given(registered), When: change(strings.Repeat("病", 2001)), ThenErr: field("health_notes")},
		"exited":   {Given: given(registered, exited), When: change("x"), ThenErr: person.ErrPersonExited},
	})
}

func TestMoveHousehold(t *testing.T) {
	t.Parallel()
	move := func(cmd person.MoveHousehold) func(*person.Person) error {
		return func(p *person.Person) error { return p.MoveHousehold(cmd, ref, now) }
	}
	run(t, map[string]personCase{
		"moves": {
			Given: given(registered),
			When:  move(person.MoveHousehold{HouseholdID: hid2, Village: "V07", Relationship: "parent", EffectiveOn: "2025-06-01"}),
			Then: []person.Event{person.MovedHousehold{PersonID: pid, FromHousehold: hid, ToHousehold: hid2,
				Village: "V07", Relationship: person.Parent, EffectiveOn: date("2025-06-01")}},
		},
		"same household": {
			Given:   given(registered),
			When:    move(person.MoveHousehold{HouseholdID: hid, Village: "V03", Relationship: "self"}),
			ThenErr: person.ErrSameHousehold,
		},
		"unknown village": {
			Given:   given(registered),
			When:    move(person.MoveHousehold{HouseholdID: hid2, Village: "X", Relationship: "self"}),
			ThenErr: field("village"),
		},
		"exited": {
			Given:   given(registered, exited),
			When:    move(person.MoveHousehold{HouseholdID: hid2, Village: "V07", Relationship: "self"}),
			ThenErr: person.ErrPersonExited,
		},
	})
}

func TestAddCategory(t *testing.T) {
	t.Parallel()
	add := func(code, on, letter string) func(*person.Person) error {
		return func(p *person.Person) error {
			return p.AddCategory(person.ChangeCategory{Category: code, EffectiveOn: on, Reference: letter}, ref, now)
		}
	}
	removed := person.CategoryRemoved{PersonID: pid, Category: "TEKUN", EffectiveOn: date("2025-03-01")}
	run(t, map[string]personCase{
		"adds, with the approval letter": {
			Given: given(registered),
			When:  add("DIBAO", "2025-06-01", "增民〔2025〕12号"),
			Then: []person.Event{person.CategoryAdded{PersonID: pid, Category: "DIBAO",
				EffectiveOn: date("2025-06-01"), Reference: "增民〔2025〕12号"}},
		},
		"effective today by default": {
			Given: given(registered),
			When:  add("DIBAO", "", ""),
			Then:  []person.Event{person.CategoryAdded{PersonID: pid, Category: "DIBAO", EffectiveOn: today}},
		},
		"before registration, from an older approval": {
			Given: given(registered),
			When:  add("DIBAO", "2019-05-01", ""),
			Then:  []person.Event{person.CategoryAdded{PersonID: pid, Category: "DIBAO", EffectiveOn: date("2019-05-01")}},
		},
		"again after removal": {
			Given: given(registered, removed),
			When:  add("TEKUN", "2025-04-01", ""),
			Then:  []person.Event{person.CategoryAdded{PersonID: pid, Category: "TEKUN", EffectiveOn: date("2025-04-01")}},
		},
		"already held":     {Given: given(registered), When: add("TEKUN", "", ""), ThenErr: person.ErrCategoryHeld},
		"unknown category": {Given: given(registered), When: add("RICH", "", ""), ThenErr: field("category")},
		"in the future": {
			Given: given(registered), When: add("DIBAO", "2025-06-16", ""),
			ThenErr: &domain.FieldError{Field: "effective_on", Reason: "is in the future"},
		},
		"before the category's last change": {
			Given: given(registered, removed), When: add("TEKUN", "2025-02-01", ""), ThenErr: field("effective_on"),
		},
		"reference too long": {
			Given: given(registered), When: add("DIBAO", "", strings.Repeat("号", 101)), ThenErr: field("reference"),
		},
		"exited":    {Given: given(registered, exited), When: add("DIBAO", "", ""), ThenErr: person.ErrPersonExited},
		"forgotten": {Given: given(registered, forgotten), When: add("DIBAO", "", ""), ThenErr: person.ErrPersonForgotten},
	})
}

func TestRemoveCategory(t *testing.T) {
	t.Parallel()
	remove := func(code, on string) func(*person.Person) error {
		return func(p *person.Person) error {
			return p.RemoveCategory(person.ChangeCategory{Category: code, EffectiveOn: on, Reference: "增民〔2025〕30号"}, ref, now)
		}
	}
	onlyTekun := registered
	onlyTekun.Categories = []string{"TEKUN"}
	run(t, map[string]personCase{
		"removes": {
			Given: given(registered),
			When:  remove("ELDERLY_ALONE", "2025-06-01"),
			Then: []person.Event{person.CategoryRemoved{PersonID: pid, Category: "ELDERLY_ALONE",
				EffectiveOn: date("2025-06-01"), Reference: "增民〔2025〕30号"}},
		},
		"not held":         {Given: given(registered), When: remove("DIBAO", ""), ThenErr: person.ErrCategoryNotHeld},
		"unknown category": {Given: given(registered), When: remove("RICH", ""), ThenErr: field("category")},
		"the only category": {
			Given: given(onlyTekun), When: remove("TEKUN", ""), ThenErr: person.ErrLastCategory,
		},
		"before it was added": {
			Given: given(registered), When: remove("TEKUN", "2024-01-09"), ThenErr: field("effective_on"),
		},
		"exited": {Given: given(registered, exited), When: remove("TEKUN", ""), ThenErr: person.ErrPersonExited},
	})
}

func TestAssessTier(t *testing.T) {
	t.Parallel()
	assess := func(change func(*person.AssessTier)) func(*person.Person) error {
		return func(p *person.Person) error {
			cmd := person.AssessTier{Tier: 1, Reason: "独居，近期跌倒", RiskFactors: []string{"独居", "跌倒"},
				AssessedBy: "sw-017", EffectiveOn: "2025-06-10"}
			if change != nil {
				change(&cmd)
			}
			return p.AssessTier(cmd, now)
		}
	}
	first := person.TierAssessed{PersonID: pid, Tier: 3, Reason: "定期关注", AssessedBy: "sw-017", EffectiveOn: date("2024-01-10")}
	run(t, map[string]personCase{
		"first assessment": {
			Given: given(registered),
			When:  assess(nil),
			Then: []person.Event{person.TierAssessed{PersonID: pid, Tier: 1, Reason: "独居，近期跌倒",
				RiskFactors: []string{"独居", "跌倒"}, AssessedBy: "sw-017", EffectiveOn: date("2025-06-10")}},
		},
		"reassessment names the previous tier": {
			Given: given(registered, first),
			When:  assess(func(c *person.AssessTier) { c.Tier, c.RiskFactors, c.EffectiveOn = 2, nil, "" }),
			Then: []person.Event{person.TierAssessed{PersonID: pid, Tier: 2, PreviousTier: 3, Reason: "独居，近期跌倒",
				AssessedBy: "sw-017", EffectiveOn: today}},
		},
		"tier 5":      {Given: given(registered), When: assess(func(c *person.AssessTier) { c.Tier = 5 }), ThenErr: field("tier")},
		"tier 0":      {Given: given(registered), When: assess(func(c *person.AssessTier) { c.Tier = 0 }), ThenErr: field("tier")},
		"no reason":   {Given: given(registered), When: assess(func(c *person.AssessTier) { c.Reason = " " }), ThenErr: field("reason")},
		"no assessor": {Given: given(registered), When: assess(func(c *person.AssessTier) { c.AssessedBy = "" }), ThenErr: field("assessed_by")},
		"bad risk factor": {
			Given: given(registered), When: assess(func(c *person.AssessTier) { c.RiskFactors = []string{"ok", "a\nb"} }),
			ThenErr: field("risk_factors[1]"),
		},
		"too many risk factors": {
			Given: given(registered), When: assess(func(c *person.AssessTier) { c.RiskFactors = make([]string, 21) }),
			ThenErr: &domain.FieldError{Field: "risk_factors", Reason: person.ErrTooManyRiskFactors.Error()},
		},
		"in the future": {
			Given: given(registered), When: assess(func(c *person.AssessTier) { c.EffectiveOn = "2025-07-01" }),
			ThenErr: field("effective_on"),
		},
		"before the last assessment": {
			Given: given(registered, first), When: assess(func(c *person.AssessTier) { c.EffectiveOn = "2024-01-09" }),
			ThenErr: field("effective_on"),
		},
		"before registration": {
			Given: given(registered), When: assess(func(c *person.AssessTier) { c.EffectiveOn = "2023-12-31" }),
			ThenErr: &domain.FieldError{Field: "effective_on", Reason: person.ErrBeforeRegistration.Error()},
		},
		"exited person":    {Given: given(registered, exited), When: assess(nil), ThenErr: person.ErrPersonExited},
		"forgotten person": {Given: given(registered, forgotten), When: assess(nil), ThenErr: person.ErrPersonForgotten},
		"unregistered":     {When: assess(nil), ThenErr: person.ErrNotRegistered},
	})
}

func TestRecordMonthlyFile(t *testing.T) {
	t.Parallel()
	record := func(change func(*person.RecordMonthlyFile)) func(*person.Person) error {
		return func(p *person.Person) error {
			cmd := person.RecordMonthlyFile{Month: "2025-05", LivingSituation: "独居，生活能自理", Needs: "助餐",
				Risks: "夏季高温", HelpReceived: "送米油一次"}
			if change != nil {
				change(&cmd)
			}
			return p.RecordMonthlyFile(cmd, seal, now)
		}
	}
	may := person.MonthlyFileUpdated{
		PersonID:        pid,
		Month:           domainkit.Month{Year: 2025, Month: 5},
		LivingSituation: domaintest.Sealed("living_situation", "独居，生活能自理"),
		Needs:           domaintest.Sealed("needs", "助餐"),
		Risks:           domaintest.Sealed("risks", "夏季高温"),
		HelpReceived:    domaintest.Sealed("help_received", "送米油一次"),
	}
	amended := may
	amended.Amendment = true
	run(t, map[string]personCase{
		"records, sealing the narrative": {Given: given(registered), When: record(nil), Then: []person.Event{may}},
		"this month": {
			Given: given(registered),
			When: record(func(c *person.RecordMonthlyFile) {
				c.Month, c.Needs, c.Risks, c.HelpReceived = "2025-06", "", "", ""
			}),
			Then: []person.Event{person.MonthlyFileUpdated{PersonID: pid, Month: domainkit.Month{Year: 2025, Month: 6},
				LivingSituation: domaintest.Sealed("living_situation", "独居，生活能自理")}},
		},
		"second update of the month": {
			Given: given(registered, may), When: record(nil), ThenErr: person.ErrMonthlyUpdateExists,
		},
		"amendment": {
			Given: given(registered, may),
			When:  record(func(c *person.RecordMonthlyFile) { c.Amendment = true }),
			Then:  []person.Event{amended},
		},
		"amendment of an amendment": {
			Given: given(registered, may, amended),
			When:  record(func(c *person.RecordMonthlyFile) { c.Amendment = true }),
			Then:  []person.Event{amended},
		},
		"amendment without an update": {
			Given: given(registered), When: record(func(c *person.RecordMonthlyFile) { c.Amendment = true }),
			ThenErr: person.ErrNoMonthlyUpdate,
		},
		"future month": {
			Given: given(registered), When: record(func(c *person.RecordMonthlyFile) { c.Month = "2025-07" }),
			ThenErr: &domain.FieldError{Field: "month", Reason: "is in the future"},
		},
		"month before registration": {
			Given: given(registered), When: record(func(c *person.RecordMonthlyFile) { c.Month = "2023-12" }),
			ThenErr: field("month"),
		},
		"malformed month": {
			Given: given(registered), When: record(func(c *person.RecordMonthlyFile) { c.Month = "2025-5" }),
			ThenErr: field("month"),
		},
		"no living situation": {
			Given: given(registered), When: record(func(c *person.RecordMonthlyFile) { c.LivingSituation = "" }),
			ThenErr: field("living_situation"),
		},
		"needs too long": {
			Given: given(registered), When: record(func(c *person.RecordMonthlyFile) { c.Needs = strings.Repeat("需", 2001) }),
			ThenErr: field("needs"),
		},
		"exited":    {Given: given(registered, exited), When: record(nil), ThenErr: person.ErrPersonExited},
		"forgotten": {Given: given(registered, forgotten), When: record(nil), ThenErr: person.ErrPersonForgotten},
		"sealing fails": {
			Given: given(registered),
			When: func(p *person.Person) error {
				return p.RecordMonthlyFile(person.RecordMonthlyFile{Month: "2025-05", LivingSituation: "x"},
					domaintest.FailingSealer{Err: errKeys}, now)
			},
			ThenErr: errKeys,
		},
	})
}

func TestAssignSocialWorker(t *testing.T) {
	t.Parallel()
	assign := func(sw string) func(*person.Person) error {
		return func(p *person.Person) error { return p.AssignSocialWorker(sw) }
	}
	first := person.SocialWorkerAssigned{PersonID: pid, SocialWorker: "sw-017"}
	run(t, map[string]personCase{
		"assigns": {Given: given(registered), When: assign("sw-017"), Then: []person.Event{first}},
		"reassigns": {
			Given: given(registered, first), When: assign("sw-020"),
			Then: []person.Event{person.SocialWorkerAssigned{PersonID: pid, SocialWorker: "sw-020", PreviousSocialWorker: "sw-017"}},
		},
		"the one already assigned records nothing": {Given: given(registered, first), When: assign("sw-017")},
		"nobody":    {Given: given(registered), When: assign(""), ThenErr: field("social_worker")},
		"exited":    {Given: given(registered, exited), When: assign("sw-017"), ThenErr: person.ErrPersonExited},
		"forgotten": {Given: given(registered, forgotten), When: assign("sw-017"), ThenErr: person.ErrPersonForgotten},
	})
}

func TestExit(t *testing.T) {
	t.Parallel()
	exit := func(reason, on, note string) func(*person.Person) error {
		return func(p *person.Person) error {
			return p.Exit(person.Exit{Reason: reason, EffectiveOn: on, Note: note}, now)
		}
	}
	run(t, map[string]personCase{
		"deceased": {
			Given: given(registered), When: exit("deceased", "2025-06-02", ""),
			Then: []person.Event{person.Exited{PersonID: pid, Reason: person.Deceased, EffectiveOn: date("2025-06-02")}},
		},
		"other, with a note": {
			Given: given(registered), When: exit("other", "", "入住外地养老院"),
			Then: []person.Event{person.Exited{PersonID: pid, Reason: person.OtherReason, EffectiveOn: today, Note: "入住外地养老院"}},
		},
		"other without a note": {
			Given: given(registered), When: exit("other", "", ""),
			ThenErr: &domain.FieldError{Field: "note", Reason: person.ErrNoteRequired.Error()},
		},
		"unknown reason":      {Given: given(registered), When: exit("bored", "", ""), ThenErr: field("reason")},
		"in the future":       {Given: given(registered), When: exit("deceased", "2025-06-16", ""), ThenErr: field("effective_on")},
		"before registration": {Given: given(registered), When: exit("deceased", "2024-01-09", ""), ThenErr: field("effective_on")},
		"already exited":      {Given: given(registered, exited), When: exit("deceased", "", ""), ThenErr: person.ErrPersonExited},
		"forgotten":           {Given: given(registered, forgotten), When: exit("deceased", "", ""), ThenErr: person.ErrPersonForgotten},
	})
}

func TestReinstate(t *testing.T) {
	t.Parallel()
	reinstate := func(on, reason string) func(*person.Person) error {
		return func(p *person.Person) error {
			return p.Reinstate(person.Reinstate{EffectiveOn: on, Reason: reason}, now)
		}
	}
	run(t, map[string]personCase{
		"reinstates": {
			Given: given(registered, exited), When: reinstate("2025-06-01", "已返回本村居住"),
			Then: []person.Event{person.Reinstated{PersonID: pid, EffectiveOn: date("2025-06-01"), Reason: "已返回本村居住"}},
		},
		"an active person": {Given: given(registered), When: reinstate("", "x"), ThenErr: person.ErrPersonNotExited},
		"a reinstated person": {
			Given:   given(registered, exited, person.Reinstated{PersonID: pid, EffectiveOn: date("2025-06-01"), Reason: "x"}),
			When:    reinstate("", "x"),
			ThenErr: person.ErrPersonNotExited,
		},
		"before the exit": {Given: given(registered, exited), When: reinstate("2025-04-30", "x"), ThenErr: field("effective_on")},
		"no reason":       {Given: given(registered, exited), When: reinstate("", ""), ThenErr: field("reason")},
		"forgotten":       {Given: given(registered, exited, forgotten), When: reinstate("", "x"), ThenErr: person.ErrPersonForgotten},
		"unregistered":    {When: reinstate("", "x"), ThenErr: person.ErrNotRegistered},
	})
}

func TestForget(t *testing.T) {
	t.Parallel()
	forget := func(p *person.Person) error { return p.Forget(now) }
	then := []person.Event{person.Forgotten{PersonID: pid, On: today}}
	run(t, map[string]personCase{
		"an active person":  {Given: given(registered), When: forget, Then: then},
		"an exited person":  {Given: given(registered, exited), When: forget, Then: then},
		"forgotten already": {Given: given(registered, forgotten), When: forget, ThenErr: person.ErrPersonForgotten},
		"unregistered":      {When: forget, ThenErr: person.ErrNotRegistered},
	})
}

// every command, each valid for an active person registered in 2024.
var commands = map[string]func(*person.Person) error{
	"change contact details": func(p *person.Person) error {
		return p.ChangeContactDetails(person.ChangeContactDetails{Phone: "13912345678"}, seal)
	},
	"change health notes": func(p *person.Person) error { return p.ChangeHealthNotes("x", seal) },
	"move household": func(p *person.Person) error {
		return p.MoveHousehold(person.MoveHousehold{HouseholdID: hid2, Village: "V07", Relationship: "self"}, ref, now)
	},
	"add category": func(p *person.Person) error { return p.AddCategory(person.ChangeCategory{Category: "DIBAO"}, ref, now) },
	"remove category": func(p *person.Person) error {
		return p.RemoveCategory(person.ChangeCategory{Category: "TEKUN"}, ref, now)
	},
	"assess tier": func(p *person.Person) error {
		return p.AssessTier(person.AssessTier{Tier: 2, Reason: "x", AssessedBy: "sw-1"}, now)
	},
	"record monthly file": func(p *person.Person) error {
		return p.RecordMonthlyFile(person.RecordMonthlyFile{Month: "2025-06", LivingSituation: "x"}, seal, now)
	},
	"assign social worker": func(p *person.Person) error { return p.AssignSocialWorker("sw-1") },
	"exit":                 func(p *person.Person) error { return p.Exit(person.Exit{Reason: "deceased"}, now) },
	"reinstate":            func(p *person.Person) error { return p.Reinstate(person.Reinstate{Reason: "x"}, now) },
	"forget":               func(p *person.Person) error { return p.Forget(now) },
	"register": func(p *person.Person) error {
		return p.Register(registerCmd, ref, seal, now)
	},
}

func TestNothingOnAForgottenPerson(t *testing.T) {
	t.Parallel()
	cases := map[string]personCase{}
	for name, when := range commands {
		want := person.ErrPersonForgotten
		if name == "register" {
			want = person.ErrAlreadyRegistered
		}
		cases[name] = personCase{Given: given(registered, forgotten), When: when, ThenErr: want}
	}
	run(t, cases)
}

func TestOnlyReinstateOrForgetOnAnExitedPerson(t *testing.T) {
	t.Parallel()
	cases := map[string]personCase{}
	for name, when := range commands {
		c := personCase{Given: given(registered, exited), When: when, ThenErr: person.ErrPersonExited}
		switch name {
		case "reinstate":
			c.ThenErr, c.Then = nil, []person.Event{person.Reinstated{PersonID: pid, EffectiveOn: today, Reason: "x"}}
		case "forget":
			c.ThenErr, c.Then = nil, []person.Event{person.Forgotten{PersonID: pid, On: today}}
		case "register":
			c.ThenErr = person.ErrAlreadyRegistered
		}
		cases[name] = c
	}
	run(t, cases)
}
