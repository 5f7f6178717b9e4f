package rest

import (
	"log/slog"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
)

// NewAPIMux returns the grpc-gateway mux the services' handlers register on.
//
// Bodies are read strictly (an unknown field is a 400, not silently
// dropped) and written with every field, in the lowerCamelCase names of the
// OpenAPI document. No client header becomes gRPC metadata: the metadata
// the services trust is set by callMetadata only.
//
// bodyFields maps "METHOD /path" (as the OpenAPI document writes paths) to
// the request field a route's body fills, to name fields in errors.
func NewAPIMux(logger *slog.Logger, bodyFields map[string]string) *runtime.ServeMux {
	none := func(string) (string, bool) { return "", false }
	return runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithIncomingHeaderMatcher(none),
		runtime.WithOutgoingHeaderMatcher(none),
		runtime.WithOutgoingTrailerMatcher(none),
		runtime.WithMetadata(callMetadata),
		runtime.WithForwardResponseOption(forwardResponse),
		runtime.WithErrorHandler(errorHandler(logger, bodyFields)),
		runtime.WithRoutingErrorHandler(routingErrorHandler),
		// A form-encoded POST must not turn into a GET, nor a header change
		// the method: the method decides the permission.
		runtime.WithDisablePathLengthFallback(),
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithMiddlewares(nameSpan),
	)
}

// nameSpan names the request's span after its route, e.g.
// "POST /v1/{parent=tenants/*}/persons", once the mux has matched it.
func nameSpan(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if p, ok := runtime.HTTPPattern(r.Context()); ok {
			trace.SpanFromContext(r.Context()).SetName(r.Method + " " + p.String())
		}
		next(w, r, params)
	}
}

// Options configure the HTTP side.
type Options struct {
	Logger        *slog.Logger
	Authenticator *auth.Authenticator
	CORSOrigins   []string
	MaxBodyBytes  int64
	// OpenAPI is the merged OpenAPI document; Docs its HTML page.
	OpenAPI []byte
	Docs    []byte
}

// Handler is anything HTTP handlers can be mounted on (the service shell).
type Handler interface {
	Handle(pattern string, h http.Handler)
}

// Mount adds the API under /v1/, the OpenAPI document at /openapi.json, its
// page at /docs, and a JSON 404 for any other path, next to the shell's
// /healthz, /readyz and /metrics (which need no key).
func Mount(s Handler, api *runtime.ServeMux, o Options) {
	common := func(h http.Handler) http.Handler {
		h = Chain(h, Observe(o.Logger), CORS(o.CORSOrigins))
		return otelhttp.NewHandler(h, "gateway", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			// The mount's pattern, not the path, which holds resource ids;
			// nameSpan refines it for API routes.
			return r.Method + " " + r.Pattern
		}))
	}
	s.Handle("/v1/", common(Chain(api, Authenticate(o.Authenticator), LimitBody(o.MaxBodyBytes), Conditions)))
	s.Handle("GET /openapi.json", common(static("application/json", o.OpenAPI)))
	s.Handle("GET /docs", common(static("text/html; charset=utf-8", o.Docs)))
	s.Handle("/", common(http.HandlerFunc(NotFound)))
}

func static(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(body)
	})
}
