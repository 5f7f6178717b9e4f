// Package theme is the monthly home-visit theme (一月一主题) aggregate: one
// theme per tenant and month, e.g. "防诈骗" for a month of home-visit days.
//
// The aggregate is keyed by tenant and month (Key), so that the event store's
// version check, not a read model, guarantees one theme per month: two
// coordinators choosing at once race on one stream, and the loser gets a
// conflict. Choosing a theme for a month that has one is an error; replacing
// it is the explicit Change, with a reason, while the month is not over.
package theme

import (
	"fmt"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Key is the theme's natural key within the service, "<tenant>-<YYYY-MM>",
// from which the adapters name its stream.
func Key(tenant string, month domainkit.Month) string { return tenant + "-" + month.String() }

// Theme is the state rebuilt from a month's theme events.
type Theme struct {
	tenant      string
	month       domainkit.Month
	title       string
	description string
	changes     int

	domainkit.Versioned[Event]
}

// Replay rebuilds a month's theme from its stored history.
func Replay(history []Event) (*Theme, error) {
	return domainkit.Replay(&Theme{}, history)
}

// Apply applies one stored event and advances the version.
func (t *Theme) Apply(e Event) error {
	return t.Applied(t.when, e)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (t *Theme) record(e Event) {
	t.Versioned.Record(t.when, e)
}

func (t *Theme) when(e Event) error {
	if _, ok := e.(Chosen); !ok && !t.chosen() {
		return fmt.Errorf("theme: %T before a theme was chosen: %w", e, ErrNotChosen)
	}
	switch e := e.(type) {
	case Chosen:
		if t.chosen() {
			return ErrAlreadyChosen
		}
		t.tenant, t.month, t.title, t.description = e.Tenant, e.Month, e.Title, e.Description
	case Changed:
		t.title, t.description = e.Title, e.Description
		t.changes++
	default:
		return fmt.Errorf("theme: cannot apply %T", e)
	}
	return nil
}

func (t *Theme) chosen() bool { return t.title != "" }

// ChooseTheme is the command to set a month's theme. Month is "YYYY-MM": a
// coming month (themes are planned ahead) or a past one (a station entering
// its earlier themes).
type ChooseTheme struct {
	Tenant      string
	Month       string
	Title       string
	Description string // optional: what the visits explain, whom they target
}

// Choose starts a month's theme history: it validates cmd and records Chosen.
func Choose(cmd ChooseTheme) (*Theme, error) {
	t := &Theme{}
	if err := t.Choose(cmd); err != nil {
		return nil, err
	}
	return t, nil
}

// Choose records Chosen on a month without a theme (the zero value, or Replay
// of no events); Choose above is the usual way in. A month that has a theme
// refuses a second one with ErrAlreadyChosen: use Change.
func (t *Theme) Choose(cmd ChooseTheme) error {
	if t.chosen() {
		return fmt.Errorf("%w (%q)", ErrAlreadyChosen, t.title)
	}
	var errs domainkit.FieldErrors
	tenant, err := domainkit.ParseID(cmd.Tenant)
	errs.Add("tenant", err)
	month, err := domainkit.ParseMonth(cmd.Month)
	errs.Add("month", err)
	title, description, err := parseContent(cmd.Title, cmd.Description)
	errs.Add("", err)
	if err := errs.Err(); err != nil {
		return err
	}
	t.record(Chosen{Tenant: tenant, Month: month, Title: title, Description: description})
	return nil
}

// ChangeTheme replaces a month's theme, for a reason.
type ChangeTheme struct {
	Title       string
	Description string
	Reason      string
}

// Change validates cmd and records Changed. A month that is over keeps its
// theme: its visits were made under it. Changing to the theme the month
// already has records nothing.
func (t *Theme) Change(cmd ChangeTheme, now time.Time) error {
	if !t.chosen() {
		return ErrNotChosen
	}
	if t.month.Before(domainkit.MonthOf(now)) {
		return fmt.Errorf("%w: %s", ErrMonthOver, t.month)
	}
	var errs domainkit.FieldErrors
	title, description, err := parseContent(cmd.Title, cmd.Description)
	errs.Add("", err)
	reason, err := domainkit.Text(cmd.Reason, domainkit.MaxReason, true, true)
	errs.Add("reason", err)
	if err := errs.Err(); err != nil {
		return err
	}
	if title == t.title && description == t.description {
		return nil
	}
	t.record(Changed{
		Tenant: t.tenant, Month: t.month, Title: title, Description: description,
		PreviousTitle: t.title, Reason: reason,
	})
	return nil
}

func parseContent(title, description string) (string, string, error) {
	var errs domainkit.FieldErrors
	title, err := domainkit.Text(title, domainkit.MaxShort, true, false)
	errs.Add("title", err)
	description, err = domainkit.Text(description, domainkit.MaxNotes, false, true)
	errs.Add("description", err)
	return title, description, errs.Err()
}

// Tenant is the station or town whose month it is.
func (t *Theme) Tenant() string { return t.tenant }

// Month is the month the theme is for.
func (t *Theme) Month() domainkit.Month { return t.month }

// Title is the month's theme ("" if none was chosen).
func (t *Theme) Title() string { return t.title }

// Description says more about the theme, if anything.
func (t *Theme) Description() string { return t.description }

// Changes is how often the theme was changed after it was chosen.
func (t *Theme) Changes() int { return t.changes }
