package rest

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
)

// Middleware wraps an http.Handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middlewares so that the first is the outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for _, mw := range slices.Backward(mws) {
		h = mw(h)
	}
	return h
}

// Observe gives every request an id (the client's X-Request-Id when sane,
// else a new one; echoed in the response), logs one line per request with
// its outcome, and turns a panic into a 500 error.
func Observe(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			req := &request{id: newRequestID(r.Header.Get(HeaderRequestID))}
			r = r.WithContext(withRequest(r.Context(), req))
			w.Header().Set(HeaderRequestID, req.id)
			rec := &recorder{ResponseWriter: w}
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					logger.ErrorContext(r.Context(), "handler panicked", "panic", p, "stack", string(debug.Stack()))
					if !rec.wroteHeader {
						WriteError(rec, r, Error{Code: 500, Status: "INTERNAL", Reason: "INTERNAL", Message: "internal error"})
					}
				}
				level := slog.LevelInfo
				if rec.status >= 500 {
					level = slog.LevelWarn
				}
				attrs := []slog.Attr{
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
					slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				}
				if p, ok := auth.PrincipalFrom(r.Context()); ok {
					attrs = append(attrs, slog.String("actor", p.Name))
				} else if rec.principal != nil {
					attrs = append(attrs, slog.String("actor", rec.principal.Name))
				}
				logger.LogAttrs(r.Context(), level, "http request", attrs...)
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// recorder remembers the status and size of a response for the log.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	principal   *auth.Principal // set by Authenticate, which runs further in
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// CORS lets browsers on the given origins call the API ("*" allows any).
// With no origins it adds nothing, and browsers refuse cross-origin calls.
// A preflight is answered here, before authentication: browsers send none.
func CORS(origins []string) Middleware {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	anyOrigin := slices.Contains(origins, "*")
	allowed := func(o string) bool { return anyOrigin || slices.Contains(origins, o) }
	allowHeaders := strings.Join([]string{"Authorization", HeaderAPIKey, "Content-Type", HeaderIdempotencyKey,
		HeaderIfMatch, HeaderConsistencyToken, HeaderRequestID}, ", ")
	exposeHeaders := strings.Join([]string{HeaderETag, "Location", HeaderConsistencyToken, HeaderRequestID}, ", ")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if !allowed(origin) {
				if preflight {
					WriteError(w, r, Error{Code: http.StatusForbidden, Status: "PERMISSION_DENIED", Reason: "ORIGIN_NOT_ALLOWED",
						Message: "cross-origin requests from " + origin + " are not allowed"})
					return
				}
				next.ServeHTTP(w, r) // no CORS headers: the browser withholds the response
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			if preflight {
				h.Add("Vary", "Access-Control-Request-Method")
				h.Add("Vary", "Access-Control-Request-Headers")
				h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", allowHeaders)
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			h.Set("Access-Control-Expose-Headers", exposeHeaders)
			next.ServeHTTP(w, r)
		})
	}
}

// Authenticate requires a valid API key and puts its principal in the
// request's context. It then removes the key and every header a client
// could use to pose as someone else to the services (X-Doudi-*,
// Grpc-Metadata-*), whatever the mux would do with them.
func Authenticate(a *auth.Authenticator) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := a.Authenticate(r)
			if err != nil {
				reason := "API_KEY_INVALID"
				if errors.Is(err, auth.ErrNoKey) {
					reason = "API_KEY_MISSING"
				}
				WriteError(w, r, Error{Code: http.StatusUnauthorized, Status: "UNAUTHENTICATED", Reason: reason, Message: err.Error()})
				return
			}
			if rec, ok := w.(*recorder); ok {
				rec.principal = &p
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			for k := range r.Header {
				lk := strings.ToLower(k)
				if lk == "authorization" || lk == "x-api-key" || strings.HasPrefix(lk, "x-doudi-") || strings.HasPrefix(lk, "grpc-metadata-") {
					r.Header.Del(k)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// LimitBody refuses a body larger than max bytes with 413: at once when
// Content-Length says so, or when reading goes past the limit.
func LimitBody(max int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				WriteError(w, r, Error{Code: http.StatusRequestEntityTooLarge, Status: "INVALID_ARGUMENT", Reason: "BODY_TOO_LARGE",
					Message: fmt.Sprintf("the request body is %d bytes; at most %d are accepted", r.ContentLength, max)})
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &limitedBody{r: r.Body, left: max, req: requestFrom(r.Context())}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// limitedBody is http.MaxBytesReader that also marks the request, so the
// error handler can answer 413 whatever the decoder made of the error.
type limitedBody struct {
	r    io.ReadCloser
	left int64
	req  *request
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		b.req.bodyTooLarge = true
		return 0, errBodyTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

var errBodyTooLarge = errors.New("request body too large")

// Conditions reads the headers that become request fields —
// Idempotency-Key, If-Match and Doudi-Consistency-Token — and refuses
// malformed ones with 400 naming the header.
func Conditions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := requestFrom(r.Context())
		bad := func(header, why string) {
			WriteError(w, r, Error{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Reason: "INVALID_HEADER",
				Message: "invalid " + header + " header: " + why, FieldViolations: []FieldViolation{{Field: header, Description: why}}})
		}
		if v := r.Header.Values(HeaderIdempotencyKey); len(v) > 0 {
			key := strings.TrimSpace(v[0])
			if len(v) > 1 || key == "" || len(key) > 100 || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c == 0x7f }) {
				bad(HeaderIdempotencyKey, "must be one value of 1–100 visible characters, e.g. a UUID")
				return
			}
			req.idempotencyKey = key
		}
		if v := r.Header.Values(HeaderIfMatch); len(v) > 0 {
			tag, err := parseIfMatch(strings.Join(v, ","))
			if err != nil {
				bad(HeaderIfMatch, err.Error())
				return
			}
			req.ifMatch = tag
		}
		if v := strings.TrimSpace(r.Header.Get(HeaderConsistencyToken)); v != "" {
			req.consistencyToken = v
		}
		next.ServeHTTP(w, r)
	})
}

// parseIfMatch reads one strong entity tag, "3" (the quotes may be left
// out); "*" means any version and sets no condition.
func parseIfMatch(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "*":
		return "", nil
	case strings.Contains(v, ","):
		return "", errors.New(`give one entity tag, e.g. "3"`)
	case strings.HasPrefix(v, "W/"):
		return "", errors.New("weak entity tags cannot match (If-Match uses strong comparison)")
	}
	tag := strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
	if tag == "" || strings.ContainsFunc(tag, func(c rune) bool { return c < 0x21 || c == '"' || c > 0x7e }) {
		return "", errors.New(`must be the resource's ETag, e.g. "3"`)
	}
	return tag, nil
}
