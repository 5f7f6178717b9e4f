package app

import (
	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
)

// OutreachResult is a publicity event as a read or a write returns it.
type OutreachResult struct {
	aggregate.Loaded[*outreach.Outreach]
	ConsistencyToken string
}
