package grpc

import (
	"errors"

	"github.com/go-kit/kit/endpoint"
	"google.golang.org/grpc/codes"

	"github.com/doudi-platform/doudi/services/platform/datakeys"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/app"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/assignment"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/outreach"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/theme"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

// Field renames: the domain's field names → the request's field paths.
var (
	detailFields = kit.FieldNames{
		"kind": "visit.kind", "village": "visit.village", "person_ids": "visit.persons",
		"household_id": "visit.household", "hotline_call_id": "visit.hotline_call",
		"social_worker": "visit.social_worker", "planned_on": "visit.planned_date",
	}
	reportFields = kit.FieldNames{
		"report_id": "report.report_id", "occurred_at": "report.occur_time", "participants": "report.participants",
		"services": "report.services", "needs": "report.needs", "risks": "report.risks",
		"tier_recommendation": "report.tier_recommendation", "tier_reason": "report.tier_recommendation_reason",
		"cards": "report.cards", "notes": "report.notes",
	}
	recordFields  = merge(detailFields, reportFields)
	themeFields   = kit.FieldNames{"title": "monthly_theme.title", "description": "monthly_theme.description"}
	editionFields = kit.FieldNames{
		"revision": "card_edition.revision", "title": "card_edition.title", "topics": "card_edition.topics",
		"effective_on": "card_edition.effective_date",
	}
	retireFields   = kit.FieldNames{"retired_on": "retire_date"}
	outreachFields = kit.FieldNames{
		"village": "outreach_event.village", "held_on": "outreach_event.held_date", "title": "outreach_event.title",
		"organiser": "outreach_event.organiser", "attendance": "outreach_event.attendance", "cards": "outreach_event.cards",
	}
	callFields = kit.FieldNames{
		"line": "hotline_call.line", "received_at": "hotline_call.receive_time",
		"caller_person_id": "hotline_call.caller_person", "caller_number": "hotline_call.caller_number",
		"need": "hotline_call.need", "urgency": "hotline_call.urgency", "notes": "hotline_call.notes",
	}
	followUpFields = kit.FieldNames{
		"method": "follow_up.method", "visit_id": "follow_up.visit", "by": "follow_up.by",
		"followed_up_at": "follow_up.follow_up_time", "outcome": "follow_up.outcome", "note": "follow_up.note",
	}
	assignmentFields = kit.FieldNames{"effective_on": "effective_date", "on": "date"}
	noRenames        = kit.FieldNames{}
)

func merge(ms ...kit.FieldNames) kit.FieldNames {
	out := kit.FieldNames{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// errorMapping is the service's one error mapping.
var errorMapping = kit.ErrorMapping{Other: referenceStatus, Preconditions: []kit.Precondition{
	{Err: visit.ErrUnknownVisit, Code: codes.NotFound, Reason: "VISIT_NOT_FOUND"},
	{Err: visit.ErrAlreadyExists, Code: codes.AlreadyExists, Reason: "VISIT_EXISTS"},
	{Err: visit.ErrAlreadyCompleted, Code: codes.FailedPrecondition, Reason: "ALREADY_COMPLETED"},
	{Err: visit.ErrVisitCancelled, Code: codes.FailedPrecondition, Reason: "VISIT_CANCELLED"},
	{Err: visit.ErrNotCompleted, Code: codes.FailedPrecondition, Reason: "VISIT_NOT_COMPLETED"},
	{Err: visit.ErrNotOpen, Code: codes.FailedPrecondition, Reason: "VISIT_NOT_SCHEDULED"},
	{Err: visit.ErrNotYetDue, Code: codes.FailedPrecondition, Reason: "VISIT_NOT_YET_DUE"},
	{Err: theme.ErrNotChosen, Code: codes.NotFound, Reason: "THEME_NOT_FOUND"},
	{Err: theme.ErrAlreadyChosen, Code: codes.AlreadyExists, Reason: "THEME_EXISTS"},
	{Err: theme.ErrMonthOver, Code: codes.FailedPrecondition, Reason: "MONTH_OVER"},
	{Err: cardedition.ErrNotPublished, Code: codes.NotFound, Reason: "CARD_EDITION_NOT_FOUND"},
	{Err: cardedition.ErrAlreadyPublished, Code: codes.AlreadyExists, Reason: "CARD_EDITION_EXISTS"},
	{Err: cardedition.ErrAlreadyRetired, Code: codes.FailedPrecondition, Reason: "CARD_EDITION_RETIRED"},
	{Err: outreach.ErrNotRecorded, Code: codes.NotFound, Reason: "OUTREACH_EVENT_NOT_FOUND"},
	{Err: outreach.ErrAlreadyRecorded, Code: codes.AlreadyExists, Reason: "OUTREACH_EVENT_EXISTS"},
	{Err: hotline.ErrNotReceived, Code: codes.NotFound, Reason: "HOTLINE_CALL_NOT_FOUND"},
	{Err: hotline.ErrAlreadyReceived, Code: codes.AlreadyExists, Reason: "HOTLINE_CALL_EXISTS"},
	{Err: hotline.ErrCallClosed, Code: codes.FailedPrecondition, Reason: "HOTLINE_CALL_CLOSED"},
	{Err: hotline.ErrNotTriaged, Code: codes.FailedPrecondition, Reason: "HOTLINE_CALL_NOT_TRIAGED"},
	{Err: assignment.ErrNoAssignments, Code: codes.NotFound, Reason: "ASSIGNMENTS_NOT_FOUND"},
	{Err: assignment.ErrVillageHeld, Code: codes.AlreadyExists, Reason: "VILLAGE_HELD"},
	{Err: assignment.ErrVillageNotHeld, Code: codes.FailedPrecondition, Reason: "VILLAGE_NOT_HELD"},
	{Err: assignment.ErrStationDayExists, Code: codes.AlreadyExists, Reason: "STATION_DAY_EXISTS"},
	{Err: assignment.ErrNoStationDay, Code: codes.FailedPrecondition, Reason: "NO_STATION_DAY"},
	{Err: assignment.ErrOtherSocialWorker, Code: codes.InvalidArgument, Reason: "OTHER_SOCIAL_WORKER"},
	{Err: app.ErrUnknownTenant, Code: codes.NotFound, Reason: "TENANT_NOT_FOUND"},
	{Err: app.ErrNotCaughtUp, Code: codes.Unavailable, Reason: "NOT_CAUGHT_UP"},
	{Err: app.ErrRevealNotAllowed, Code: codes.PermissionDenied, Reason: "REVEAL_NOT_ALLOWED"},
	{Err: datakeys.ErrKeyErased, Code: codes.FailedPrecondition, Reason: "PERSON_FORGOTTEN"},
	{Err: projection.ErrTokenParked, Code: codes.FailedPrecondition, Reason: "CONSISTENCY_TOKEN_PARKED"},
}}

// referenceStatus maps what a request names but may not use to
// FAILED_PRECONDITION with the fields named, and the index's refusals of
// tokens to INVALID_ARGUMENT.
func referenceStatus(err error, names kit.FieldNames) error {
	var refs app.ReferenceErrors
	switch {
	case errors.As(err, &refs):
		var vs []kit.FieldViolation
		for _, e := range refs {
			vs = append(vs, kit.FieldViolation{Field: names.API(e.Field), Description: e.Reason})
		}
		return kit.StatusError(codes.FailedPrecondition, "UNKNOWN_REFERENCE", err.Error(), vs...)
	case errors.Is(err, postgres.ErrBadPageToken):
		return kit.BadRequest("page_token", "does not belong to this query; start again without it")
	case errors.Is(err, projection.ErrMalformedToken):
		return kit.BadRequest("consistency_token", err.Error())
	}
	return nil
}

func mapErrors(names kit.FieldNames) endpoint.Middleware { return errorMapping.Middleware(names) }
