package app

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/reference"
)

// GetReferenceData returns a tenant's categories, villages and tier policy.
func (a *App) GetReferenceData(_ context.Context, tenant string) (*reference.Data, error) {
	return a.reference(tenant)
}
