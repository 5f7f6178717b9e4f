package grpc

import (
	"errors"
	"strings"

	"github.com/go-kit/kit/endpoint"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// fieldNames renames the domain's field names to a method's request field
// paths ("name" → "person.full_name"); a name not listed stays as it is.
type fieldNames = kit.FieldNames

var (
	// personFields are the names of person commands' request fields.
	personFields = fieldNames{"effective_on": "effective_date", "household_id": "household", "relationship": "relationship_to_head"}
	// createPersonFields are CreatePerson's: the person's fields are nested.
	createPersonFields = fieldNames{
		"name": "person.full_name", "gender": "person.gender", "birth_date": "person.birth_date",
		"id_number": "person.id_number", "phone": "person.phone", "address": "person.address",
		"health_notes": "person.health_notes", "relationship": "person.relationship_to_head",
		"categories": "person.categories", "registered_on": "person.registration_date",
		"household_id": "person.household", "village": "person.household",
	}
	createHouseholdFields = fieldNames{"village": "household.village", "address": "household.address"}
	noRenames             = fieldNames{}
)

// mapErrors is the service's one error mapping, as a go-kit middleware: it
// turns domain, app and event-store errors into gRPC statuses, naming fields
// as the method's request names them (kit.ErrorMapping does the generic
// part). Errors it does not know are returned as they are, and the shell's
// interceptor reports them as "internal error".
func mapErrors(names fieldNames) endpoint.Middleware { return errorMapping.Middleware(names) }

// errorMapping lists the refusals by a person's state, with their reasons.
var errorMapping = kit.ErrorMapping{Other: beneficiariesStatus, Preconditions: []kit.Precondition{
	{Err: person.ErrPersonExited, Code: codes.FailedPrecondition, Reason: "PERSON_EXITED"},
	{Err: person.ErrPersonForgotten, Code: codes.FailedPrecondition, Reason: "PERSON_FORGOTTEN"},
	{Err: postgres.ErrKeyErased, Code: codes.FailedPrecondition, Reason: "PERSON_FORGOTTEN"},
	{Err: person.ErrPersonNotExited, Code: codes.FailedPrecondition, Reason: "PERSON_NOT_EXITED"},
	{Err: person.ErrCategoryNotHeld, Code: codes.FailedPrecondition, Reason: "CATEGORY_NOT_HELD"},
	{Err: person.ErrLastCategory, Code: codes.FailedPrecondition, Reason: "LAST_CATEGORY"},
	{Err: person.ErrNoMonthlyUpdate, Code: codes.FailedPrecondition, Reason: "NO_MONTHLY_UPDATE"},
	{Err: person.ErrSameHousehold, Code: codes.FailedPrecondition, Reason: "SAME_HOUSEHOLD"},
	{Err: person.ErrCategoryHeld, Code: codes.AlreadyExists, Reason: "CATEGORY_HELD"},
	{Err: person.ErrMonthlyUpdateExists, Code: codes.AlreadyExists, Reason: "MONTHLY_UPDATE_EXISTS"},
	{Err: person.ErrAlreadyRegistered, Code: codes.AlreadyExists, Reason: "PERSON_EXISTS"},
	{Err: person.ErrNotRegistered, Code: codes.NotFound, Reason: "PERSON_NOT_FOUND"},
	{Err: household.ErrNotRegistered, Code: codes.NotFound, Reason: "HOUSEHOLD_NOT_FOUND"},
	{Err: app.ErrUnknownTenant, Code: codes.NotFound, Reason: "TENANT_NOT_FOUND"},
	{Err: app.ErrNotCaughtUp, Code: codes.DeadlineExceeded, Reason: "NOT_CAUGHT_UP"},
	{Err: projection.ErrTokenParked, Code: codes.FailedPrecondition, Reason: "CONSISTENCY_TOKEN_PARKED"},
}}

// beneficiariesStatus maps the service's own errors that need more than a
// code and a reason; nil for others.
func beneficiariesStatus(err error, _ fieldNames) error {
	var (
		duplicate *app.DuplicateIDNumberError
		exists    *app.ExistsError
	)
	switch {
	case errors.As(err, &duplicate):
		resource := "tenants/" + duplicate.Tenant + "/persons/" + duplicate.PersonID.String()
		return alreadyExists("DUPLICATE_ID_NUMBER", "a person with this ID number is already registered: "+resource, resource)
	case errors.As(err, &exists):
		return alreadyExists("ALREADY_EXISTS", exists.Error(), exists.Resource)
	}
	return nil
}

// alreadyExists names the existing resource in a google.rpc.ResourceInfo and
// in the ErrorInfo's metadata.
func alreadyExists(reason, msg, resource string) error {
	kind := "Person"
	if strings.Contains(resource, "/households/") {
		kind = "Household"
	}
	st, err := status.New(codes.AlreadyExists, msg).WithDetails(
		&errdetails.ErrorInfo{Reason: reason, Domain: kit.Domain, Metadata: map[string]string{"resource": resource}},
		&errdetails.ResourceInfo{ResourceType: "doudi.beneficiaries.v1." + kind, ResourceName: resource, Description: msg})
	if err != nil {
		return status.Error(codes.AlreadyExists, msg)
	}
	return st.Err()
}
