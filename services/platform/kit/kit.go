// Package kit brings go-kit's endpoint model to Doudi's gRPC services without
// go-kit's per-method encode/decode boilerplate: one generic adapter turns a
// typed handler into a go-kit endpoint, applies policy middlewares (rate
// limits, timeouts, error mapping), and hands back a typed function that a
// gRPC method calls directly. It also holds the error side of the contract:
// rich gRPC statuses for domain errors and an interceptor that keeps internal
// errors from reaching clients.
package kit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/ratelimit"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Unary wraps h as a go-kit endpoint, applies mws with the first one
// outermost (it sees the request first and the result last), and returns a
// typed function with h's signature.
//
//	complete := kit.Unary(app.CompleteVisit, kit.MapErrors(toStatus), kit.RateLimit(100, 20))
//	func (s *server) CompleteVisit(ctx context.Context, r *pb.CompleteVisitRequest) (*pb.CompleteVisitReply, error) {
//		return complete(ctx, r)
//	}
func Unary[Req, Resp any](h func(context.Context, Req) (Resp, error), mws ...endpoint.Middleware) func(context.Context, Req) (Resp, error) {
	ep := endpoint.Endpoint(func(ctx context.Context, req any) (any, error) {
		return h(ctx, req.(Req))
	})
	for i := len(mws) - 1; i >= 0; i-- {
		ep = mws[i](ep)
	}
	return func(ctx context.Context, req Req) (Resp, error) {
		var zero Resp
		resp, err := ep(ctx, req)
		if err != nil {
			return zero, err
		}
		if resp == nil {
			return zero, nil
		}
		typed, ok := resp.(Resp)
		if !ok {
			// Only a middleware that replaced the response can get here.
			return zero, fmt.Errorf("kit: endpoint returned %T, want %T", resp, zero)
		}
		return typed, nil
	}
}

// RateLimit rejects requests beyond limit per second (with bursts up to
// burst) with codes.ResourceExhausted, reason RATE_LIMITED. The limiter is
// shared by every call through the endpoint it wraps.
func RateLimit(limit rate.Limit, burst int) endpoint.Middleware {
	limited := ratelimit.NewErroringLimiter(rate.NewLimiter(limit, burst))
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		ep := limited(next)
		return func(ctx context.Context, req any) (any, error) {
			resp, err := ep(ctx, req)
			if errors.Is(err, ratelimit.ErrLimited) {
				return nil, StatusError(codes.ResourceExhausted, "RATE_LIMITED", "rate limit exceeded, retry later")
			}
			return resp, err
		}
	}
}

// Timeout gives the rest of the chain a context that expires after d and
// reports the expiry as codes.DeadlineExceeded. Like any context deadline it
// bounds only handlers that honour ctx (pgx and NATS calls do).
func Timeout(d time.Duration) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			resp, err := next(ctx, req)
			if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && errors.Is(err, context.DeadlineExceeded) {
				return nil, status.Error(codes.DeadlineExceeded, "deadline exceeded")
			}
			return resp, err
		}
	}
}

// ErrorMapper turns a domain error into a gRPC status error (usually with
// StatusError) and returns any error it does not recognise unchanged. Each
// service writes one, as a plain switch over errors.Is / errors.As: there is
// no registry to keep in step.
type ErrorMapper func(error) error

// MapErrors applies m to errors from the rest of the chain that are not
// already gRPC statuses. Put it first so it sees every error.
func MapErrors(m ErrorMapper) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			if err == nil {
				return resp, nil
			}
			if _, isStatus := status.FromError(err); isStatus {
				return resp, err
			}
			return resp, m(err)
		}
	}
}

// Options tune a gRPC port's endpoint middlewares.
type Options struct {
	// Timeout bounds each call (default 30s).
	Timeout time.Duration
	// RateLimit, when positive, limits each method to this many calls per
	// second (bursts of the same size).
	RateLimit float64
}

// Middlewares is every method's chain: mapErrors first (so it sees every
// error), then the timeout and, if set, the rate limit.
func (o Options) Middlewares(mapErrors endpoint.Middleware) []endpoint.Middleware {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	m := []endpoint.Middleware{mapErrors, Timeout(o.Timeout)}
	if o.RateLimit > 0 {
		m = append(m, RateLimit(rate.Limit(o.RateLimit), max(1, int(o.RateLimit))))
	}
	return m
}
