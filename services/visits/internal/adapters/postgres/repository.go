package postgres

import (
	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/aggregate"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// ServiceName is the service whose stream this is, and the service part of
// its consistency tokens.
const ServiceName = "visits"

// Stream names of the aggregates (contracts/EVENTS.md).

func VisitStream(id uuid.UUID) eventstore.StreamID {
	return eventstore.StreamID("visit-" + id.String())
}

func ThemeStream(tenant string, m domainkit.Month) eventstore.StreamID {
	return eventstore.StreamID("theme-" + theme.Key(tenant, m))
}

func EditionStream(tenant string, revision int) eventstore.StreamID {
	return eventstore.StreamID("card_edition-" + cardedition.Key(tenant, revision))
}

func OutreachStream(id uuid.UUID) eventstore.StreamID {
	return eventstore.StreamID("outreach-" + id.String())
}

func CallStream(id uuid.UUID) eventstore.StreamID {
	return eventstore.StreamID("hotline_call-" + id.String())
}

func AssignmentStream(tenant, socialWorker string) eventstore.StreamID {
	return eventstore.StreamID("assignment-" + assignment.Key(tenant, socialWorker))
}

// Repositories are the six aggregates' repositories over one event store.
type Repositories struct {
	Visits      aggregate.Repository[*visit.Visit, visit.Event]
	Themes      aggregate.Repository[*theme.Theme, theme.Event]
	Editions    aggregate.Repository[*cardedition.Edition, cardedition.Event]
	Outreach    aggregate.Repository[*outreach.Outreach, outreach.Event]
	Calls       aggregate.Repository[*hotline.Call, hotline.Event]
	Assignments aggregate.Repository[*assignment.Assignment, assignment.Event]
}

// NewRepositories returns the repositories over store.
func NewRepositories(store *eventstore.Store) Repositories {
	return Repositories{
		Visits:      aggregate.Repository[*visit.Visit, visit.Event]{Store: store, Service: ServiceName, Decode: DecodeVisit, Replay: visit.Replay},
		Themes:      aggregate.Repository[*theme.Theme, theme.Event]{Store: store, Service: ServiceName, Decode: DecodeTheme, Replay: theme.Replay},
		Editions:    aggregate.Repository[*cardedition.Edition, cardedition.Event]{Store: store, Service: ServiceName, Decode: DecodeEdition, Replay: cardedition.Replay},
		Outreach:    aggregate.Repository[*outreach.Outreach, outreach.Event]{Store: store, Service: ServiceName, Decode: DecodeOutreach, Replay: outreach.Replay},
		Calls:       aggregate.Repository[*hotline.Call, hotline.Event]{Store: store, Service: ServiceName, Decode: DecodeCall, Replay: hotline.Replay},
		Assignments: aggregate.Repository[*assignment.Assignment, assignment.Event]{Store: store, Service: ServiceName, Decode: DecodeAssignment, Replay: assignment.Replay},
	}
}
