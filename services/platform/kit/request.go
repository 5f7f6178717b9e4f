package kit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-kit/kit/endpoint"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// The gRPC metadata the gateway sets after it has authenticated a caller.
// Services trust it: their gRPC ports must not be reachable past the gateway.
const (
	// MetadataActor is the authenticated user id.
	MetadataActor = "x-doudi-actor"
	// MetadataRoles are the caller's roles, comma-separated.
	MetadataRoles = "x-doudi-roles"
	// MetadataCorrelationID ties the events of one user action together.
	MetadataCorrelationID = "x-correlation-id"
)

// MaxRequestID is the longest request id (idempotency key) accepted.
const MaxRequestID = 100

// Caller is who sends a request, as the gateway vouched for them.
type Caller struct {
	Actor         string
	Roles         []string
	RequestID     string // idempotency key; empty for none
	CorrelationID string
}

// HasRole reports whether the caller holds role.
func (c Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Metadata is what the caller's write stores with its events.
func (c Caller) Metadata(tenant string) eventstore.Metadata {
	corr := c.CorrelationID
	if corr == "" {
		corr = c.RequestID
	}
	return eventstore.Metadata{Tenant: tenant, Actor: c.Actor, RequestID: c.RequestID, CorrelationID: corr}
}

// CallerFrom reads the caller from the incoming metadata and checks the
// request's request id.
func CallerFrom(ctx context.Context, requestID string) (Caller, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if len(requestID) > MaxRequestID {
		return Caller{}, BadRequest("request_id", fmt.Sprintf("is longer than %d characters", MaxRequestID))
	}
	if _, err := domainkit.Text(requestID, MaxRequestID, false, false); err != nil {
		return Caller{}, BadRequest("request_id", err.Error())
	}
	c := Caller{RequestID: requestID}
	if v := md.Get(MetadataActor); len(v) > 0 {
		c.Actor = v[0]
	}
	for _, v := range md.Get(MetadataRoles) {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Roles = append(c.Roles, r)
			}
		}
	}
	if c.Actor == "" {
		c.Roles = nil // a reveal is audited by who; nobody may not reveal
	}
	if v := md.Get(MetadataCorrelationID); len(v) > 0 && len(v[0]) <= MaxRequestID {
		c.CorrelationID = v[0]
	}
	return c, nil
}

// ParseParent reads a collection parent, "tenants/{tenant}".
func ParseParent(field, s string) (string, error) {
	tenant, ok := strings.CutPrefix(s, "tenants/")
	if !ok || tenant == "" || strings.Contains(tenant, "/") {
		return "", BadRequest(field, `must be "tenants/{tenant}"`)
	}
	return tenant, nil
}

// ParseName reads a resource name "tenants/{tenant}/{collection}/{uuid}".
func ParseName(field, s, collection string) (string, uuid.UUID, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 4 || parts[0] != "tenants" || parts[1] == "" || parts[2] != collection {
		return "", uuid.Nil, BadRequest(field, fmt.Sprintf(`must be "tenants/{tenant}/%s/{id}"`, collection))
	}
	id, err := uuid.Parse(parts[3])
	if err != nil || id == uuid.Nil || len(parts[3]) != 36 {
		return "", uuid.Nil, BadRequest(field, fmt.Sprintf(`must be "tenants/{tenant}/%s/{id}" with a UUID id`, collection))
	}
	return parts[1], id, nil
}

// BadRequest is a request the port itself refuses (a malformed resource name
// or page token), with the field named as the request names it.
func BadRequest(field, reason string) error {
	v := FieldViolation{Field: field, Description: reason}
	return StatusError(codes.InvalidArgument, "INVALID_ARGUMENT", "invalid request: "+field+" "+reason, v)
}

// FieldNames renames the domain's field names to a method's request field
// paths ("name" → "person.full_name"); a name not listed stays as it is, and
// an index ("[2].count") is kept.
type FieldNames map[string]string

// API is field as the request names it.
func (f FieldNames) API(field string) string {
	base, index, _ := strings.Cut(field, "[")
	if index != "" {
		index = "[" + index
	}
	if renamed, ok := f[base]; ok {
		return renamed + index
	}
	return field
}

// Precondition maps a domain or app error (errors.Is) to a status code and
// an ErrorInfo reason.
type Precondition struct {
	Err    error
	Code   codes.Code
	Reason string
}

// ErrorMapping is a service's one error mapping.
type ErrorMapping struct {
	// Preconditions are checked in order after the generic cases.
	Preconditions []Precondition
	// Other, optional, maps what neither the generic cases nor the
	// preconditions know; it returns nil for an error it does not know.
	Other func(err error, names FieldNames) error
}

// etagged is a request that may carry an etag.
type etagged interface{ GetEtag() string }

// Middleware maps errors from the rest of the chain to gRPC statuses, naming
// fields as the method's request names them: field errors → INVALID_ARGUMENT
// with a BadRequest, a concurrency conflict → ABORTED (ETAG_MISMATCH when the
// request carried an etag), then the preconditions. An error it does not know
// is returned as it is, and the shell's interceptor reports it as "internal
// error".
func (m ErrorMapping) Middleware(names FieldNames) endpoint.Middleware {
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
			return nil, m.Status(err, names, withEtag)
		}
	}
}

// Status maps one error.
func (m ErrorMapping) Status(err error, names FieldNames, withEtag bool) error {
	var (
		fieldErrs  domainkit.FieldErrors
		fieldErr   *domainkit.FieldError
		invalid    *eventstore.ValidationError
		conflict   *eventstore.ConflictError
		violations []FieldViolation
	)
	switch {
	case errors.As(err, &fieldErrs):
		for _, e := range fieldErrs {
			violations = append(violations, FieldViolation{Field: names.API(e.Field), Description: e.Reason})
		}
	case errors.As(err, &fieldErr):
		violations = []FieldViolation{{Field: names.API(fieldErr.Field), Description: fieldErr.Reason}}
	case errors.As(err, &invalid):
		violations = []FieldViolation{{Field: invalid.Field, Description: invalid.Reason}}
	case errors.Is(err, eventstore.ErrRequestReused):
		violations = []FieldViolation{{Field: "request_id", Description: "was already used for another resource"}}
	}
	if violations != nil {
		return StatusError(codes.InvalidArgument, "INVALID_ARGUMENT", "invalid request: "+DescribeViolations(violations), violations...)
	}
	if errors.As(err, &conflict) {
		if withEtag {
			return StatusError(codes.Aborted, "ETAG_MISMATCH", "the etag is not the resource's current one; read it again and retry")
		}
		return StatusError(codes.Aborted, "CONFLICT", "the resource changed concurrently; retry")
	}
	if m.Other != nil {
		if st := m.Other(err, names); st != nil {
			return st
		}
	}
	for _, p := range m.Preconditions {
		if errors.Is(err, p.Err) {
			return StatusError(p.Code, p.Reason, err.Error())
		}
	}
	return err
}

// DescribeViolations joins violations into one message.
func DescribeViolations(vs []FieldViolation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Field + " " + v.Description
	}
	return strings.Join(parts, "; ")
}

// Named reads what a write to one resource carries: the resource name
// "tenants/{tenant}/{collection}/{uuid}" (field "name") and the caller with
// the request id.
func Named(ctx context.Context, name, collection, requestID string) (string, uuid.UUID, Caller, error) {
	tenant, id, err := ParseName("name", name, collection)
	if err != nil {
		return "", uuid.Nil, Caller{}, err
	}
	c, err := CallerFrom(ctx, requestID)
	return tenant, id, c, err
}

// Parented reads what a write to a collection carries: the parent
// "tenants/{tenant}" (field "parent") and the caller with the request id.
func Parented(ctx context.Context, parent, requestID string) (string, Caller, error) {
	tenant, err := ParseParent("parent", parent)
	if err != nil {
		return "", Caller{}, err
	}
	c, err := CallerFrom(ctx, requestID)
	return tenant, c, err
}
