package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

// TriageHotlineCall gives a call its follow-up owner (and regrades it).
type TriageHotlineCall struct {
	Tenant string
	CallID uuid.UUID
	hotline.TriageCall
	Etag   string
	Caller Caller
}

// TriageHotlineCall records the triage.
func (a *App) TriageHotlineCall(ctx context.Context, cmd TriageHotlineCall) (CallResult, error) {
	return a.changeCall(ctx, callCommand{cmd.Tenant, cmd.CallID, cmd.Etag, cmd.Caller}, func(c *hotline.Call) error {
		return c.Triage(cmd.TriageCall, a.Hotline, a.Now())
	})
}
