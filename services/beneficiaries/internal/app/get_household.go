package app

import (
	"context"
	"github.com/doudi-platform/doudi/services/platform/audit"

	"github.com/google/uuid"
)

// GetHousehold reads a household; Reveal asks for the address in clear.
type GetHousehold struct {
	Tenant      string
	HouseholdID uuid.UUID
	Reveal      bool
	Purpose     string
	Caller      Caller
	Method      string // for the audit log, e.g. "GetHousehold"
}

// GetHousehold returns the household, its address revealed (and the read
// audited) only for a permitted caller who gave a purpose.
func (a *App) GetHousehold(ctx context.Context, q GetHousehold) (HouseholdDetails, error) {
	if _, err := a.reference(q.Tenant); err != nil {
		return HouseholdDetails{}, err
	}
	purpose, err := checkPurpose(q.Reveal, q.Purpose)
	if err != nil {
		return HouseholdDetails{}, err
	}
	reveal := q.Reveal && q.Caller.HasRole(RoleSensitiveRead)
	d, err := a.household(ctx, q.Tenant, q.HouseholdID, reveal)
	if err != nil || !reveal {
		return d, err
	}
	if _, err := a.Audit.Record(ctx, audit.SensitiveRead{Tenant: q.Tenant, Subject: q.HouseholdID,
		Resource: "tenants/" + q.Tenant + "/households/" + q.HouseholdID.String(), Actor: q.Caller.Actor,
		Fields: []string{"address"}, Purpose: purpose, Method: q.Method}); err != nil {
		return HouseholdDetails{}, err
	}
	return d, nil
}
