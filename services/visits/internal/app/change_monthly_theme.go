package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
)

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
