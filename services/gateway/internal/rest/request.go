// Package rest is the gateway's HTTP side: the grpc-gateway mux that turns
// REST calls into gRPC calls to the services, and the HTTP conventions
// around it — request ids, API-key authentication, CORS, the body limit,
// Idempotency-Key / If-Match / Doudi-Consistency-Token headers, ETag and
// Location in responses, and one JSON error shape.
package rest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"
)

// Header names the gateway reads or writes.
const (
	HeaderRequestID        = "X-Request-Id"
	HeaderIdempotencyKey   = "Idempotency-Key"
	HeaderIfMatch          = "If-Match"
	HeaderETag             = "ETag"
	HeaderConsistencyToken = "Doudi-Consistency-Token"
	HeaderAPIKey           = "X-API-Key"
)

// gRPC metadata the gateway sets on calls to the services (the services
// trust it, so it is never taken from the client).
const (
	MetadataActor         = "x-doudi-actor"
	MetadataRoles         = "x-doudi-roles"
	MetadataRequestID     = "x-request-id"
	MetadataCorrelationID = "x-correlation-id"
)

// request is what the gateway learnt about one HTTP request, carried in its
// context from the middlewares to the gRPC interceptor, the response option
// and the error handler.
type request struct {
	id string

	// From the conditional and idempotency headers.
	idempotencyKey   string
	ifMatch          string // the entity tag without quotes; "" for none or "*"
	consistencyToken string

	// bodyTooLarge is set when the body went over the limit while being read.
	bodyTooLarge bool
}

type requestKey struct{}

func withRequest(ctx context.Context, r *request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

func requestFrom(ctx context.Context) *request {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		return r
	}
	return &request{}
}

// RequestID returns the request id of ctx's request, or "".
func RequestID(ctx context.Context) string { return requestFrom(ctx).id }

var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// newRequestID returns the client's X-Request-Id when it is a sane token,
// or a fresh random one, so that a client can follow its own id through
// the logs but cannot inject log garbage.
func newRequestID(fromClient string) string {
	if clientRequestID.MatchString(fromClient) {
		return fromClient
	}
	return rand.Text()
}

// LogHandler wraps a slog handler so that every record logged with a
// request's context carries its request_id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
