package kit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/kit/endpoint"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/doudi-platform/doudi/services/platform/kit"
)

var errVisitClosed = errors.New("visit already closed")

// toStatus is the kind of ErrorMapper a service's ports/grpc package holds.
func toStatus(err error) error {
	switch {
	case errors.Is(err, errVisitClosed):
		return kit.StatusError(codes.FailedPrecondition, "VISIT_CLOSED", "the visit is already closed")
	}
	return err
}

// visits is a hand-written gRPC service (no generated code) whose methods
// call handlers adapted by kit.Unary, as a service's ports/grpc would.
type visits struct {
	complete func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	limited  func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
}

func completeVisit(_ context.Context, req *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	switch req.GetValue() {
	case "closed":
		return nil, fmt.Errorf("complete visit v-1: %w", errVisitClosed)
	case "invalid":
		return nil, kit.StatusError(codes.InvalidArgument, "invalid_visit", "the visit is invalid",
			kit.FieldViolation{Field: "occurred_at", Description: "must not be in the future"},
			kit.FieldViolation{Field: "village_id", Description: "is required"})
	case "sql":
		return nil, errors.New(`ERROR: relation "visits" does not exist (SQLSTATE 42P01)`)
	case "leaky status":
		return nil, status.Error(codes.Unknown, "pq: password authentication failed for user doudi")
	case "panic":
		panic("nil map in visit aggregate")
	case "deadline":
		return nil, fmt.Errorf("query: %w", context.DeadlineExceeded)
	}
	return wrapperspb.String("completed " + req.GetValue()), nil
}

func unaryMethod(name string, call func(*visits) func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			req := new(wrapperspb.StringValue)
			if err := dec(req); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return call(srv.(*visits))(ctx, req.(*wrapperspb.StringValue))
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.Visits/" + name}
			return interceptor(ctx, req, info, h)
		},
	}
}

var visitsDesc = grpc.ServiceDesc{
	ServiceName: "test.Visits",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unaryMethod("Complete", func(v *visits) func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return v.complete
		}),
		unaryMethod("Limited", func(v *visits) func(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return v.limited
		}),
	},
}

// syncBuffer lets the test read what the server goroutines logged.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startServer(t *testing.T) (*grpc.ClientConn, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	srv := grpc.NewServer(grpc.UnaryInterceptor(kit.RecoverAndMaskInternal(logger)))
	srv.RegisterService(&visitsDesc, &visits{
		complete: kit.Unary(completeVisit, kit.MapErrors(toStatus), kit.Timeout(time.Minute)),
		limited:  kit.Unary(completeVisit, kit.RateLimit(rate.Every(time.Hour), 2)),
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn, logs
}

func call(conn *grpc.ClientConn, method, value string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, "/test.Visits/"+method, wrapperspb.String(value), resp)
	return resp.GetValue(), err
}

func TestGRPCErrorsSeenByClient(t *testing.T) {
	t.Parallel()
	conn, logs := startServer(t)

	tests := []struct {
		value      string
		wantCode   codes.Code
		wantMsg    string
		wantReason string
		wantLogged string // the real error, kept in the server log
	}{
		{value: "v-1", wantCode: codes.OK},
		{value: "closed", wantCode: codes.FailedPrecondition, wantMsg: "the visit is already closed", wantReason: "VISIT_CLOSED"},
		{value: "invalid", wantCode: codes.InvalidArgument, wantMsg: "the visit is invalid", wantReason: "INVALID_VISIT"},
		{value: "sql", wantCode: codes.Internal, wantMsg: "internal error", wantLogged: "SQLSTATE 42P01"},
		{value: "leaky status", wantCode: codes.Internal, wantMsg: "internal error", wantLogged: "password authentication failed"},
		{value: "panic", wantCode: codes.Internal, wantMsg: "internal error", wantLogged: "nil map in visit aggregate"},
		{value: "deadline", wantCode: codes.DeadlineExceeded, wantMsg: "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := call(conn, "Complete", tt.value)
			st, ok := status.FromError(err)
			if !ok {
				t.Fatalf("error %v is not a gRPC status", err)
			}
			if st.Code() != tt.wantCode {
				t.Fatalf("code = %s (%q), want %s", st.Code(), st.Message(), tt.wantCode)
			}
			if tt.wantCode == codes.OK {
				if got != "completed v-1" {
					t.Errorf("reply = %q", got)
				}
				return
			}
			if st.Message() != tt.wantMsg {
				t.Errorf("message = %q, want %q", st.Message(), tt.wantMsg)
			}
			if tt.wantReason != "" {
				if info := errorInfo(st); info == nil || info.GetReason() != tt.wantReason || info.GetDomain() != "doudi" {
					t.Errorf("ErrorInfo = %v, want reason %s in domain doudi", info, tt.wantReason)
				}
			}
			if tt.wantLogged != "" && !strings.Contains(logs.String(), tt.wantLogged) {
				t.Errorf("server log lacks %q:\n%s", tt.wantLogged, logs.String())
			}
		})
	}
}

func TestStatusErrorCarriesFieldViolations(t *testing.T) {
	t.Parallel()
	conn, _ := startServer(t)
	_, err := call(conn, "Complete", "invalid")
	st, _ := status.FromError(err)

	var got []kit.FieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				got = append(got, kit.FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	want := []kit.FieldViolation{
		{Field: "occurred_at", Description: "must not be in the future"},
		{Field: "village_id", Description: "is required"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("field violations = %v, want %v", got, want)
	}
}

func TestRateLimitYieldsResourceExhausted(t *testing.T) {
	t.Parallel()
	conn, _ := startServer(t)
	// A burst of two and one token an hour: the third call in a row is refused.
	for i := range 2 {
		if _, err := call(conn, "Limited", "v-1"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, err := call(conn, "Limited", "v-1")
	st, _ := status.FromError(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("third call: %v, want ResourceExhausted", err)
	}
	if info := errorInfo(st); info.GetReason() != "RATE_LIMITED" {
		t.Errorf("ErrorInfo = %v, want reason RATE_LIMITED", info)
	}
}

func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

func TestUnaryAppliesMiddlewaresInOrder(t *testing.T) {
	t.Parallel()
	var trace []string
	mw := func(name string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				trace = append(trace, name+" before")
				resp, err := next(ctx, req)
				trace = append(trace, name+" after")
				return resp, err
			}
		}
	}
	h := kit.Unary(func(_ context.Context, n int) (string, error) {
		trace = append(trace, "handler")
		return fmt.Sprint(n * 2), nil
	}, mw("first"), mw("second"))

	got, err := h(context.Background(), 21)
	if err != nil || got != "42" {
		t.Fatalf("h(21) = %q, %v", got, err)
	}
	want := []string{"first before", "second before", "handler", "second after", "first after"}
	if !reflect.DeepEqual(trace, want) {
		t.Errorf("order = %v\nwant    %v", trace, want)
	}
}

func TestUnaryNilResponseAndNoMiddlewares(t *testing.T) {
	t.Parallel()
	h := kit.Unary(func(context.Context, string) (*wrapperspb.StringValue, error) { return nil, nil })
	if got, err := h(context.Background(), "x"); got != nil || err != nil {
		t.Errorf("got %v, %v; want nil, nil", got, err)
	}
}

func TestTimeoutReportsDeadlineExceeded(t *testing.T) {
	t.Parallel()
	h := kit.Unary(func(ctx context.Context, _ string) (string, error) {
		<-ctx.Done() // a query honouring its context
		return "", fmt.Errorf("load stream: %w", ctx.Err())
	}, kit.Timeout(10*time.Millisecond))

	_, err := h(context.Background(), "x")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
}

func TestMapErrorsLeavesStatusesAlone(t *testing.T) {
	t.Parallel()
	mapped := 0
	mapper := func(err error) error { mapped++; return err }
	already := status.Error(codes.NotFound, "no such visit")
	h := kit.Unary(func(context.Context, string) (string, error) { return "", already }, kit.MapErrors(mapper))
	if _, err := h(context.Background(), "x"); err != already || mapped != 0 {
		t.Errorf("err = %v, mapped %d times; want the status unchanged and no mapping", err, mapped)
	}
}

func TestUpperSnake(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"VISIT_CLOSED":     "VISIT_CLOSED",
		"visitClosed":      "VISIT_CLOSED",
		"visit-closed":     "VISIT_CLOSED",
		"visit closed  ":   "VISIT_CLOSED",
		"tier2Assessed":    "TIER2_ASSESSED",
		"idempotency.key!": "IDEMPOTENCY_KEY",
	} {
		if got := kit.UpperSnake(in); got != want {
			t.Errorf("UpperSnake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatusErrorNeverOK(t *testing.T) {
	t.Parallel()
	err := kit.StatusError(codes.OK, "oops", "not an error")
	if err == nil || status.Code(err) != codes.Unknown {
		t.Errorf("StatusError(OK) = %v, want a non-nil Unknown status", err)
	}
}
