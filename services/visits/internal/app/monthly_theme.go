package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
)

// ThemeResult is a month's theme as a read or a write returns it.
type ThemeResult struct {
	aggregate.Loaded[*theme.Theme]
	ConsistencyToken string
}

// themeStream checks the tenant and month and names the theme's stream.
func (a *App) themeStream(tenant, month string) (domainkit.Month, error) {
	if _, err := a.reference(tenant); err != nil {
		return domainkit.Month{}, err
	}
	m, err := domainkit.ParseMonth(month)
	if err != nil {
		return m, domainkit.Invalid("month", err)
	}
	return m, nil
}

func (a *App) handleTheme(ctx context.Context, tenant string, m domainkit.Month, etag string, c Caller, decide func(t *theme.Theme) error) (ThemeResult, error) {
	w, err := a.Repos.Themes.Handle(ctx, aggregate.Command[*theme.Theme]{
		Stream: postgres.ThemeStream(tenant, m), Etag: etag, Metadata: c.Metadata(tenant),
		Decide: func(t *theme.Theme, _ aggregate.Loaded[*theme.Theme]) error { return decide(t) },
	})
	return ThemeResult{Loaded: w.Loaded, ConsistencyToken: w.Token}, err
}

// ChooseMonthlyTheme is the command to set a month's home-visit theme.
type ChooseMonthlyTheme struct {
	theme.ChooseTheme
	Caller Caller
}

// ChooseMonthlyTheme records the month's theme; a month has one.
func (a *App) ChooseMonthlyTheme(ctx context.Context, cmd ChooseMonthlyTheme) (ThemeResult, error) {
	m, err := a.themeStream(cmd.Tenant, cmd.Month)
	if err != nil {
		return ThemeResult{}, err
	}
	return a.handleTheme(ctx, cmd.Tenant, m, "", cmd.Caller, func(t *theme.Theme) error { return t.Choose(cmd.ChooseTheme) })
}

// ChangeMonthlyTheme is the command to replace a month's theme.
type ChangeMonthlyTheme struct {
	Tenant, Month string
	theme.ChangeTheme
	Etag   string
	Caller Caller
}

// ChangeMonthlyTheme records the new theme, for a month not yet over.
func (a *App) ChangeMonthlyTheme(ctx context.Context, cmd ChangeMonthlyTheme) (ThemeResult, error) {
	m, err := a.themeStream(cmd.Tenant, cmd.Month)
	if err != nil {
		return ThemeResult{}, err
	}
	return a.handleTheme(ctx, cmd.Tenant, m, cmd.Etag, cmd.Caller, func(t *theme.Theme) error {
		return t.Change(cmd.ChangeTheme, a.Now())
	})
}

// GetMonthlyTheme reads a month's theme; theme.ErrNotChosen if it has none.
func (a *App) GetMonthlyTheme(ctx context.Context, tenant, month string) (ThemeResult, error) {
	m, err := a.themeStream(tenant, month)
	if err != nil {
		return ThemeResult{}, err
	}
	stream := postgres.ThemeStream(tenant, m)
	l, err := a.Repos.Themes.Load(ctx, stream)
	if err != nil {
		return ThemeResult{}, err
	}
	if l.Version == 0 {
		return ThemeResult{}, theme.ErrNotChosen
	}
	return ThemeResult{Loaded: l, ConsistencyToken: a.Repos.Themes.Token(stream, l.Version)}, nil
}
