package rest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is the body of every error response:
//
//	{"code": 400, "status": "INVALID_ARGUMENT", "message": "…",
//	 "reason": "INVALID_ARGUMENT",
//	 "field_violations": [{"field": "person.id_number", "description": "…"}],
//	 "request_id": "…"}
//
// code is the HTTP status; status the gRPC code's name; reason the stable
// UPPER_SNAKE reason clients switch on (the service's google.rpc.ErrorInfo,
// or the status when there is none); field_violations name the offending
// request fields as the service's google.rpc.BadRequest does (proto field
// paths) or, for a body the gateway could not read, the JSON key; metadata
// is the ErrorInfo's (e.g. the existing resource of a duplicate).
type Error struct {
	Code            int               `json:"code"`
	Status          string            `json:"status"`
	Message         string            `json:"message"`
	Reason          string            `json:"reason"`
	FieldViolations []FieldViolation  `json:"field_violations,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	RequestID       string            `json:"request_id,omitempty"`
}

// FieldViolation names a field and what is wrong with it.
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// httpStatus maps gRPC codes to HTTP statuses. FAILED_PRECONDITION is 409
// Conflict, not grpc-gateway's 400: the services use it for a request that
// is well-formed but refused by the resource's current state (a person who
// has exited, a category not held), which is what 409 means (RFC 9110
// §15.5.10), and a client must not "fix" its request but reload.
var httpStatus = map[codes.Code]int{
	codes.OK:                 http.StatusOK,
	codes.Canceled:           499, // client closed request
	codes.Unknown:            http.StatusInternalServerError,
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.DeadlineExceeded:   http.StatusGatewayTimeout,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.FailedPrecondition: http.StatusConflict,
	codes.Aborted:            http.StatusConflict,
	codes.OutOfRange:         http.StatusBadRequest,
	codes.Unimplemented:      http.StatusNotImplemented,
	codes.Internal:           http.StatusInternalServerError,
	codes.Unavailable:        http.StatusServiceUnavailable,
	codes.DataLoss:           http.StatusInternalServerError,
	codes.Unauthenticated:    http.StatusUnauthorized,
}

// upperSnake names a gRPC code as the status field shows it.
func upperSnake(c codes.Code) string {
	switch c {
	case codes.Canceled:
		return "CANCELLED"
	case codes.OK:
		return "OK"
	}
	return strings.ToUpper(camelHump.ReplaceAllString(c.String(), "${1}_${2}"))
}

var camelHump = regexp.MustCompile(`([a-z])([A-Z])`)

// WriteError writes e as JSON with its code, filling in the request id.
func WriteError(w http.ResponseWriter, r *http.Request, e Error) {
	e.RequestID = RequestID(r.Context())
	if e.Reason == "" {
		e.Reason = e.Status
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	h.Del("ETag")
	h.Del("Location")
	h.Del(HeaderConsistencyToken)
	if e.Code == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="doudi"`)
	}
	w.WriteHeader(e.Code)
	_ = json.NewEncoder(w).Encode(e)
}

// errorFor builds the error response for a gRPC status code and message.
func errorFor(c codes.Code, msg string) Error {
	code, ok := httpStatus[c]
	if !ok {
		code = http.StatusInternalServerError
	}
	return Error{Code: code, Status: upperSnake(c), Message: msg}
}

// errorHandler turns every error of the grpc-gateway mux — from a service,
// from decoding the request, from routing — into an Error.
func errorHandler(logger *slog.Logger, bodyFields map[string]string) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		e := toError(ctx, logger, err)
		if field := bodyField(ctx, r, bodyFields); field != "" && e.Reason != "" && decodeReasons[e.Reason] {
			for i := range e.FieldViolations {
				e.FieldViolations[i].Field = field + "." + e.FieldViolations[i].Field
			}
		}
		WriteError(w, r, e)
	}
}

// decodeReasons are the reasons of errors found in the body by the gateway.
var decodeReasons = map[string]bool{"UNKNOWN_FIELD": true, "INVALID_FIELD_VALUE": true, "DUPLICATE_FIELD": true}

// routeVar is a path variable with its pattern, "{parent=tenants/*}".
var routeVar = regexp.MustCompile(`\{([^=}]+)=[^}]*\}`)

// bodyField is the request field the route's body fills, from the route
// pattern as the OpenAPI document writes it ("/v1/{parent}/persons").
func bodyField(ctx context.Context, r *http.Request, bodyFields map[string]string) string {
	p, ok := runtime.HTTPPattern(ctx)
	if !ok {
		return ""
	}
	return bodyFields[r.Method+" "+routeVar.ReplaceAllString(p.String(), "{$1}")]
}

func toError(ctx context.Context, logger *slog.Logger, err error) Error {
	if requestFrom(ctx).bodyTooLarge {
		return Error{Code: http.StatusRequestEntityTooLarge, Status: "INVALID_ARGUMENT", Reason: "BODY_TOO_LARGE",
			Message: "the request body is larger than the gateway accepts"}
	}
	var httpErr *runtime.HTTPStatusError
	if errors.As(err, &httpErr) {
		st := status.Convert(httpErr.Err)
		e := errorFor(st.Code(), st.Message())
		e.Code = httpErr.HTTPStatus
		return e
	}
	st := status.Convert(err)
	e := errorFor(st.Code(), st.Message())
	hasInfo := false
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			e.Reason, e.Metadata, hasInfo = d.GetReason(), d.GetMetadata(), true
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	switch st.Code() {
	case codes.InvalidArgument:
		if !hasInfo {
			// Not from a service: grpc-gateway could not read the body or
			// a parameter into the request message.
			e = decodeError(st.Message())
		}
	case codes.Internal, codes.Unknown, codes.DataLoss:
		logger.ErrorContext(ctx, "internal error", "error", err)
		e.Message, e.Reason, e.Metadata = "internal error", "INTERNAL", nil
	case codes.Unavailable:
		if !hasInfo {
			// A transport error, whose message names addresses.
			logger.WarnContext(ctx, "service unavailable", "error", err)
			e.Message, e.Reason = "the service is unavailable; retry later", "SERVICE_UNAVAILABLE"
		}
	}
	return e
}

var (
	// protojson's messages: `proto: (line 1:12): unknown field "foo"`,
	// `proto: (line 1:20): invalid value for string field fullName: 5`,
	// `proto: syntax error (line 1:5): unexpected token`.
	unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)
	invalidValue = regexp.MustCompile(`invalid value for (\w+) field (\w+): (.*)$`)
	duplicate    = regexp.MustCompile(`duplicate field "([^"]+)"`)
	// PopulateQueryParameters': `parsing field "page_size": …`.
	queryParam = regexp.MustCompile(`(?:parsing field|parameter:?) "?([\w.]+)"?`)
	location   = regexp.MustCompile(`^proto:\s*(syntax error\s*)?(\(line \d+:\d+\):\s*)?`)
)

// decodeError describes a request the gateway could not read, naming the
// field where the decoder did.
func decodeError(msg string) Error {
	e := Error{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT"}
	clean := location.ReplaceAllString(msg, "")
	switch {
	case unknownField.MatchString(msg):
		f := unknownField.FindStringSubmatch(msg)[1]
		e.Reason, e.Message = "UNKNOWN_FIELD", "unknown field "+f+" in the request body"
		e.FieldViolations = []FieldViolation{{Field: f, Description: "is not a field of this request"}}
	case invalidValue.MatchString(msg):
		m := invalidValue.FindStringSubmatch(msg)
		e.Reason, e.Message = "INVALID_FIELD_VALUE", "invalid value for "+m[2]+": "+m[3]
		e.FieldViolations = []FieldViolation{{Field: m[2], Description: "must be a valid " + m[1] + " value"}}
	case duplicate.MatchString(msg):
		f := duplicate.FindStringSubmatch(msg)[1]
		e.Reason, e.Message = "DUPLICATE_FIELD", "field "+f+" appears twice in the request body"
		e.FieldViolations = []FieldViolation{{Field: f, Description: "appears more than once"}}
	case strings.HasPrefix(msg, "proto:") || strings.Contains(msg, "invalid character") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "cannot unmarshal"):
		e.Reason, e.Message = "MALFORMED_JSON", "the request body is not valid JSON for this request: "+clean
	case queryParam.MatchString(msg):
		f := queryParam.FindStringSubmatch(msg)[1]
		e.Reason, e.Message = "INVALID_PARAMETER", msg
		e.FieldViolations = []FieldViolation{{Field: f, Description: msg}}
	default:
		e.Reason, e.Message = "INVALID_ARGUMENT", msg
	}
	return e
}

// routingErrorHandler answers a path or method no route matches.
func routingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	WriteError(w, r, routingError(code))
}

func routingError(code int) Error {
	switch code {
	case http.StatusMethodNotAllowed:
		return Error{Code: code, Status: "UNIMPLEMENTED", Reason: "METHOD_NOT_ALLOWED", Message: "this path does not accept this method"}
	case http.StatusBadRequest:
		return Error{Code: code, Status: "INVALID_ARGUMENT", Reason: "BAD_PATH", Message: "the path is malformed"}
	default:
		return Error{Code: http.StatusNotFound, Status: "NOT_FOUND", Reason: "ROUTE_NOT_FOUND", Message: "no API route matches this path; see /docs"}
	}
}

// NotFound answers any path outside the API, the docs and the probes.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, routingError(http.StatusNotFound))
}
