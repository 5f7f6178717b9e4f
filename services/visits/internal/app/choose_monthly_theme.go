package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
)

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
