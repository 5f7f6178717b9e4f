package person_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/domaintest"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/reference"
	"github.com/doudi-platform/doudi/services/platform/scenario"
)

type personCase = scenario.Case[*person.Person, person.Event]

// run runs one scenario in parallel with its siblings.
func run(t *testing.T, cases map[string]personCase) {
	t.Helper()
	scenario.RunAll(t, person.Replay, cases)
}

var (
	// 09:00 on 15 June 2025 in China.
	now   = time.Date(2025, 6, 15, 1, 0, 0, 0, time.UTC)
	today = date("2025-06-15")

	pid  = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000a1")
	hid  = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000b1")
	hid2 = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000b2")

	ref  = mustDefault()
	seal = domaintest.Sealer{}

	errKeys = errors.New("key store unreachable")

	// A man born on 7 March 1950 in Zengcheng (440183).
	idNumber = validID("44018319500307013")

	registerCmd = person.RegisterPerson{
		PersonID:     pid,
		HouseholdID:  hid,
		Village:      "V03",
		Name:         "陈大明",
		Gender:       "male",
		BirthDate:    "1950-03-07",
		IDNumber:     idNumber,
		Phone:        "+86 13800000000",
		HealthNotes:  "高血压，行动不便",
		Relationship: "self",
		Categories:   []string{"TEKUN", "ELDERLY_ALONE"},
	}

	// registered is the person registered in January 2024, so that later
	// changes can be backdated.
	registered = person.Registered{
		PersonID:     pid,
		Tenant:       "shitan",
		HouseholdID:  hid,
		Village:      "V03",
		Name:         "陈大明",
		Gender:       identity.Male,
		BirthDate:    date("1950-03-07"),
		Relationship: person.Self,
		Categories:   []string{"TEKUN", "ELDERLY_ALONE"},
		RegisteredOn: date("2024-01-10"),
		Sensitive: person.Sensitive{
			IDNumber:    domaintest.Sealed("id_number", idNumber),
			Phone:       domaintest.Sealed("phone", "13800000000"),
			HealthNotes: domaintest.Sealed("health_notes", "高血压，行动不便"),
		},
		IDNumberIndex: domaintest.Index(idNumber),
	}
	exited    = person.Exited{PersonID: pid, Reason: person.MovedAway, EffectiveOn: date("2025-05-01")}
	forgotten = person.Forgotten{PersonID: pid, On: date("2025-06-01")}
)

func validID(first17 string) string { return first17 + string(identity.IDCheckChar(first17)) }

func date(s string) domainkit.Date {
	d, err := domainkit.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func mustDefault() *reference.Data {
	d, err := reference.Default("shitan")
	if err != nil {
		panic(err)
	}
	return d
}

func given(events ...person.Event) []person.Event { return events }
