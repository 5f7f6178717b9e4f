package theme_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/scenario"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
)

type themeCase = scenario.Case[*theme.Theme, theme.Event]

func run(t *testing.T, cases map[string]themeCase) {
	t.Helper()
	scenario.RunAll(t, theme.Replay, cases)
}

var (
	// 09:00 on 15 June 2025 in China.
	now  = time.Date(2025, 6, 15, 1, 0, 0, 0, time.UTC)
	june = domainkit.Month{Year: 2025, Month: 6}
	may  = domainkit.Month{Year: 2025, Month: 5}

	chosen    = theme.Chosen{Tenant: "shitan", Month: june, Title: "防诈骗", Description: "给独居老人讲解常见骗局"}
	chosenMay = theme.Chosen{Tenant: "shitan", Month: may, Title: "防溺水"}
)

func field(name string) error { return &domainkit.FieldError{Field: name} }

func given(events ...theme.Event) []theme.Event { return events }

func TestChoose(t *testing.T) {
	t.Parallel()
	choose := func(month, title string) func(*theme.Theme) error {
		return func(th *theme.Theme) error {
			return th.Choose(theme.ChooseTheme{Tenant: "shitan", Month: month, Title: title, Description: "给独居老人讲解常见骗局"})
		}
	}
	run(t, map[string]themeCase{
		"chooses": {When: choose("2025-06", "防诈骗"), Then: []theme.Event{chosen}},
		"a coming month": {
			When: choose("2025-09", " 中秋关爱 "),
			Then: []theme.Event{theme.Chosen{Tenant: "shitan", Month: domainkit.Month{Year: 2025, Month: 9},
				Title: "中秋关爱", Description: "给独居老人讲解常见骗局"}},
		},
		"twice": {
			Given: given(chosen), When: choose("2025-06", "防诈骗"), ThenErr: theme.ErrAlreadyChosen,
		},
		"twice, after a change": {
			Given:   given(chosen, theme.Changed{Tenant: "shitan", Month: june, Title: "防溺水", PreviousTitle: "防诈骗", Reason: "暑假"}),
			When:    choose("2025-06", "防诈骗"),
			ThenErr: theme.ErrAlreadyChosen,
		},
		"bad month":   {When: choose("2025-6", "防诈骗"), ThenErr: field("month")},
		"no title":    {When: choose("2025-06", " "), ThenErr: field("title")},
		"long title":  {When: choose("2025-06", strings.Repeat("题", 101)), ThenErr: field("title")},
		"title lines": {When: choose("2025-06", "a\nb"), ThenErr: field("title")},
	})
}

func TestChooseReportsEveryBadField(t *testing.T) {
	t.Parallel()
	_, err := theme.Choose(theme.ChooseTheme{Tenant: "", Month: "June", Title: "", Description: "\x00"})
	var errs domainkit.FieldErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if got, want := strings.Join(fields, " "), "tenant month title description"; got != want {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestChange(t *testing.T) {
	t.Parallel()
	change := func(title, reason string) func(*theme.Theme) error {
		return func(th *theme.Theme) error {
			return th.Change(theme.ChangeTheme{Title: title, Reason: reason}, now)
		}
	}
	run(t, map[string]themeCase{
		"changes": {
			Given: given(chosen), When: change("防溺水", "暑假将至"),
			Then: []theme.Event{theme.Changed{Tenant: "shitan", Month: june, Title: "防溺水", PreviousTitle: "防诈骗", Reason: "暑假将至"}},
		},
		"to the same theme records nothing": {
			Given: given(chosen),
			When: func(th *theme.Theme) error {
				return th.Change(theme.ChangeTheme{Title: "防诈骗", Description: "给独居老人讲解常见骗局", Reason: "x"}, now)
			},
		},
		"without a reason": {Given: given(chosen), When: change("防溺水", ""), ThenErr: field("reason")},
		"without a title":  {Given: given(chosen), When: change("", "x"), ThenErr: field("title")},
		"no theme yet":     {When: change("防溺水", "x"), ThenErr: theme.ErrNotChosen},
		"a month that is over": {
			Given: given(chosenMay), When: change("防诈骗", "x"), ThenErr: theme.ErrMonthOver,
		},
	})
}

func TestReplay(t *testing.T) {
	t.Parallel()
	th, err := theme.Replay(given(chosen, theme.Changed{Tenant: "shitan", Month: june, Title: "防溺水", PreviousTitle: "防诈骗", Reason: "暑假"}))
	if err != nil {
		t.Fatal(err)
	}
	if th.Title() != "防溺水" || th.Description() != "" || th.Month() != june || th.Tenant() != "shitan" || th.Changes() != 1 || th.Version() != 2 {
		t.Errorf("state: %q %q %v %d %d", th.Title(), th.Description(), th.Month(), th.Changes(), th.Version())
	}
	if _, err := theme.Replay(given(theme.Changed{Title: "x"})); !errors.Is(err, theme.ErrNotChosen) {
		t.Errorf("Replay of a change alone = %v", err)
	}
	if _, err := theme.Replay(given(chosen, chosen)); !errors.Is(err, theme.ErrAlreadyChosen) {
		t.Errorf("Replay of two choices = %v", err)
	}
	if got := theme.Key("shitan", june); got != "shitan-2025-06" {
		t.Errorf("Key = %q", got)
	}
}
