package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
)

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
