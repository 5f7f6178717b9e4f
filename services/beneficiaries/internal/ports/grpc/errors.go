package grpc

import (
	"context"
	"errors"
	"strings"

	"github.com/go-kit/kit/endpoint"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/household"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// fieldNames renames the domain's field names to a method's request field
// paths ("name" → "person.full_name"); a name not listed stays as it is.
type fieldNames map[string]string

func (f fieldNames) api(field string) string {
	base, index, _ := strings.Cut(field, "[")
	if index != "" {
		index = "[" + index
	}
	if renamed, ok := f[base]; ok {
		return renamed + index
	}
	return field
}

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

// etagged is a request that may carry an etag.
type etagged interface{ GetEtag() string }

// mapErrors is the service's one error mapping, as a go-kit middleware: it
// turns domain, app and event-store errors into gRPC statuses, naming fields
// as the method's request names them. Errors it does not know are returned
// as they are, and the shell's interceptor reports them as "internal error".
func mapErrors(names fieldNames) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			if err == nil {
				return resp, nil
			}
			if _, isStatus := status.FromError(err); isStatus {
				return resp, err
			}
			withEtag := false
			if e, ok := req.(etagged); ok && e.GetEtag() != "" {
				withEtag = true
			}
			return nil, toStatus(err, names, withEtag)
		}
	}
}

// preconditions are refusals by the person's state, with their reasons.
var preconditions = []struct {
	err    error
	code   codes.Code
	reason string
}{
	{person.ErrPersonExited, codes.FailedPrecondition, "PERSON_EXITED"},
	{person.ErrPersonForgotten, codes.FailedPrecondition, "PERSON_FORGOTTEN"},
	{postgres.ErrKeyErased, codes.FailedPrecondition, "PERSON_FORGOTTEN"},
	{person.ErrPersonNotExited, codes.FailedPrecondition, "PERSON_NOT_EXITED"},
	{person.ErrCategoryNotHeld, codes.FailedPrecondition, "CATEGORY_NOT_HELD"},
	{person.ErrLastCategory, codes.FailedPrecondition, "LAST_CATEGORY"},
	{person.ErrNoMonthlyUpdate, codes.FailedPrecondition, "NO_MONTHLY_UPDATE"},
	{person.ErrSameHousehold, codes.FailedPrecondition, "SAME_HOUSEHOLD"},
	{person.ErrCategoryHeld, codes.AlreadyExists, "CATEGORY_HELD"},
	{person.ErrMonthlyUpdateExists, codes.AlreadyExists, "MONTHLY_UPDATE_EXISTS"},
	{person.ErrAlreadyRegistered, codes.AlreadyExists, "PERSON_EXISTS"},
	{person.ErrNotRegistered, codes.NotFound, "PERSON_NOT_FOUND"},
	{household.ErrNotRegistered, codes.NotFound, "HOUSEHOLD_NOT_FOUND"},
	{app.ErrUnknownTenant, codes.NotFound, "TENANT_NOT_FOUND"},
	{app.ErrNotCaughtUp, codes.DeadlineExceeded, "NOT_CAUGHT_UP"},
	{projection.ErrTokenParked, codes.FailedPrecondition, "CONSISTENCY_TOKEN_PARKED"},
}

func toStatus(err error, names fieldNames, withEtag bool) error {
	var (
		fieldErrs  domain.FieldErrors
		fieldErr   *domain.FieldError
		invalid    *eventstore.ValidationError
		conflict   *eventstore.ConflictError
		duplicate  *app.DuplicateIDNumberError
		exists     *app.ExistsError
		violations []kit.FieldViolation
	)
	switch {
	case errors.As(err, &fieldErrs):
		for _, e := range fieldErrs {
			violations = append(violations, kit.FieldViolation{Field: names.api(e.Field), Description: e.Reason})
		}
	case errors.As(err, &fieldErr):
		violations = []kit.FieldViolation{{Field: names.api(fieldErr.Field), Description: fieldErr.Reason}}
	case errors.As(err, &invalid):
		violations = []kit.FieldViolation{{Field: invalid.Field, Description: invalid.Reason}}
	case errors.Is(err, eventstore.ErrRequestReused):
		violations = []kit.FieldViolation{{Field: "request_id", Description: "was already used for another resource"}}
	}
	if violations != nil {
		return kit.StatusError(codes.InvalidArgument, "INVALID_ARGUMENT", "invalid request: "+describe(violations), violations...)
	}
	switch {
	case errors.As(err, &conflict):
		if withEtag {
			return kit.StatusError(codes.Aborted, "ETAG_MISMATCH", "the etag is not the resource's current one; read it again and retry")
		}
		return kit.StatusError(codes.Aborted, "CONFLICT", "the resource changed concurrently; retry")
	case errors.As(err, &duplicate):
		resource := "tenants/" + duplicate.Tenant + "/persons/" + duplicate.PersonID.String()
		return alreadyExists("DUPLICATE_ID_NUMBER", "a person with this ID number is already registered: "+resource, resource)
	case errors.As(err, &exists):
		return alreadyExists("ALREADY_EXISTS", exists.Error(), exists.Resource)
	}
	for _, p := range preconditions {
		if errors.Is(err, p.err) {
			return kit.StatusError(p.code, p.reason, err.Error())
		}
	}
	return err
}

func describe(vs []kit.FieldViolation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Field + " " + v.Description
	}
	return strings.Join(parts, "; ")
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

// badRequest is a request the port itself refuses (a malformed resource
// name or page token), with the field named as the request names it.
func badRequest(field, reason string) error {
	v := kit.FieldViolation{Field: field, Description: reason}
	return kit.StatusError(codes.InvalidArgument, "INVALID_ARGUMENT", "invalid request: "+field+" "+reason, v)
}
