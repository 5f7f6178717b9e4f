package kit

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"unicode"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// Domain is the google.rpc.ErrorInfo domain of every error Doudi returns.
const Domain = "doudi"

// FieldViolation names a request field and what is wrong with it; it becomes
// a google.rpc.BadRequest field violation, which the gateway shows as a 400.
type FieldViolation struct {
	Field       string // a path such as "household.members[2].id_number"
	Description string
}

// StatusError builds a gRPC status error carrying a google.rpc.ErrorInfo
// (reason, domain "doudi") and, when violations are given, a
// google.rpc.BadRequest. The reason is the stable, machine-readable part
// clients switch on; it is normalised to UPPER_SNAKE ("visitClosed" and
// "visit-closed" both become "VISIT_CLOSED"). codes.OK is not an error and is
// replaced by codes.Unknown, so a mistake cannot turn a failure into success.
func StatusError(code codes.Code, reason string, msg string, violations ...FieldViolation) error {
	if code == codes.OK {
		code = codes.Unknown
	}
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: UpperSnake(reason), Domain: Domain}}
	if len(violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field:       v.Field,
				Description: v.Description,
			})
		}
		details = append(details, br)
	}
	st, err := status.New(code, msg).WithDetails(details...)
	if err != nil {
		// Only possible for codes.OK, excluded above; keep the code and message.
		return status.Error(code, msg)
	}
	return st.Err()
}

// UpperSnake converts a reason such as "visitClosed", "visit-closed" or
// "visit closed" to "VISIT_CLOSED".
func UpperSnake(s string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToUpper(r))
		default:
			r = '_'
			if prev != '_' && b.Len() > 0 {
				b.WriteByte('_')
			}
		}
		prev = r
	}
	return strings.TrimRight(b.String(), "_")
}

// RecoverAndMaskInternal is a unary server interceptor that keeps internals
// away from clients: a panic, an error that is not a gRPC status, or a status
// with codes.Unknown or codes.Internal becomes codes.Internal "internal error",
// and the real error (with the stack, for a panic) is logged. Context errors
// become Canceled / DeadlineExceeded, which are the client's own doing.
// A nil logger means slog.Default().
func RecoverAndMaskInternal(logger *slog.Logger) grpc.UnaryServerInterceptor {
	if logger == nil {
		logger = slog.Default()
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				logger.ErrorContext(ctx, "grpc handler panicked",
					"method", info.FullMethod, "panic", p, "stack", string(debug.Stack()))
				resp, err = nil, errInternal
			}
		}()
		resp, err = handler(ctx, req)
		if err == nil {
			return resp, nil
		}
		if st, isStatus := status.FromError(err); isStatus {
			if st.Code() != codes.Unknown && st.Code() != codes.Internal {
				return resp, err
			}
		} else if errors.Is(err, context.Canceled) {
			return nil, status.Error(codes.Canceled, "canceled")
		} else if errors.Is(err, context.DeadlineExceeded) {
			return nil, status.Error(codes.DeadlineExceeded, "deadline exceeded")
		}
		if err == errInternal {
			return nil, err
		}
		logger.ErrorContext(ctx, "grpc handler failed", "method", info.FullMethod, "error", err)
		return nil, errInternal
	}
}

var errInternal = status.Error(codes.Internal, "internal error")
