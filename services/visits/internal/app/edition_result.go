package app

import (
	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

// EditionResult is a card edition as a read or a write returns it.
type EditionResult struct {
	aggregate.Loaded[*cardedition.Edition]
	ConsistencyToken string
}
