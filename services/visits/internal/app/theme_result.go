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
