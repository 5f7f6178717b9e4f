package household_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/domaintest"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/reference"
	"github.com/doudi-platform/doudi/services/platform/scenario"
)

type householdCase = scenario.Case[*household.Household, household.Event]

var (
	now   = time.Date(2025, 6, 15, 9, 0, 0, 0, domainkit.China)
	today = domainkit.Date{Year: 2025, Month: 6, Day: 15}
	hid   = uuid.MustParse("0190c7e2-0000-7000-8000-000000000001")
	ref   = mustDefault()
	seal  = domaintest.Sealer{}

	registered = household.Registered{
		HouseholdID: hid, Tenant: "shitan", Village: "V03",
		Address: domaintest.Sealed("address", "石滩镇某村3号"), RegisteredOn: today,
	}
)

func mustDefault() *reference.Data {
	d, err := reference.Default("shitan")
	if err != nil {
		panic(err)
	}
	return d
}

func run(t *testing.T, c householdCase) {
	t.Helper()
	scenario.Run(t, household.Replay, c)
}

func TestRegister(t *testing.T) {
	t.Parallel()
	register := func(cmd household.RegisterHousehold) func(*household.Household) error {
		return func(h *household.Household) error { return h.Register(cmd, ref, seal, now) }
	}
	for name, c := range map[string]householdCase{
		"registers": {
			When: register(household.RegisterHousehold{HouseholdID: hid, Village: "V03", Address: " 石滩镇某村3号 "}),
			Then: []household.Event{registered},
		},
		"twice": {
			Given:   []household.Event{registered},
			When:    register(household.RegisterHousehold{HouseholdID: hid, Village: "V03", Address: "x"}),
			ThenErr: household.ErrAlreadyRegistered,
		},
		"unknown village": {
			When:    register(household.RegisterHousehold{HouseholdID: hid, Village: "V99", Address: "x"}),
			ThenErr: &domain.FieldError{Field: "village"},
		},
		"address too long": {
			When:    register(household.RegisterHousehold{HouseholdID: hid, Village: "V03", Address: strings.Repeat("路", 201)}),
			ThenErr: &domain.FieldError{Field: "address", Reason: "is longer than 200 characters"},
		},
		"no id": {
			When:    register(household.RegisterHousehold{Village: "V03", Address: "x"}),
			ThenErr: &domain.FieldError{Field: "household_id"},
		},
	} {
		t.Run(name, func(t *testing.T) { t.Parallel(); run(t, c) })
	}
}

func TestRegisterReportsEveryField(t *testing.T) {
	t.Parallel()
	_, err := household.Register(household.RegisterHousehold{Village: "nope"}, ref, seal, now)
	var errs domain.FieldErrors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("got %v, want 3 field errors", err)
	}
}

func TestChangeAddress(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]householdCase{
		"changes": {
			Given: []household.Event{registered},
			When:  func(h *household.Household) error { return h.ChangeAddress("新地址8号", seal) },
			Then:  []household.Event{household.AddressChanged{HouseholdID: hid, Address: domaintest.Sealed("address", "新地址8号")}},
		},
		"empty": {
			Given:   []household.Event{registered},
			When:    func(h *household.Household) error { return h.ChangeAddress(" ", seal) },
			ThenErr: &domain.FieldError{Field: "address", Reason: "is required"},
		},
		"unregistered": {
			When:    func(h *household.Household) error { return h.ChangeAddress("x", seal) },
			ThenErr: household.ErrNotRegistered,
		},
		"sealing fails": {
			Given: []household.Event{registered},
			When: func(h *household.Household) error {
				return h.ChangeAddress("x", domaintest.FailingSealer{Err: errKeys})
			},
			ThenErr: errKeys,
		},
	} {
		t.Run(name, func(t *testing.T) { t.Parallel(); run(t, c) })
	}
}

var errKeys = errors.New("key store unreachable")

func TestReplay(t *testing.T) {
	t.Parallel()
	h, err := household.Replay([]household.Event{registered, household.AddressChanged{HouseholdID: hid, Address: "s2"}})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID() != hid || h.Tenant() != "shitan" || h.Village() != "V03" || h.Address() != "s2" || h.Version() != 2 || h.RegisteredOn() != today {
		t.Errorf("state after replay: %+v", h)
	}
	if _, err := household.Replay([]household.Event{household.AddressChanged{HouseholdID: hid}}); !errors.Is(err, household.ErrNotRegistered) {
		t.Errorf("replay without registration: %v", err)
	}
	if _, err := household.Replay([]household.Event{nil}); err == nil {
		t.Error("replay of a nil event succeeded")
	}
}
