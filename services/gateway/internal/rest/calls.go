package rest

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
	"github.com/doudi-platform/doudi/services/gateway/internal/openapi"
	"github.com/doudi-platform/doudi/services/platform/kit"
)

// callMetadata is the gRPC metadata of every call: who calls (the key's
// name and role with its permissions), and the request id, which also
// correlates the events the call records. The mux's header matcher forwards
// no client header, so these cannot be forged.
func callMetadata(ctx context.Context, _ *http.Request) metadata.MD {
	md := metadata.MD{}
	if p, ok := auth.PrincipalFrom(ctx); ok {
		md.Set(MetadataActor, p.Name)
		md.Set(MetadataRoles, p.RolesMetadata())
	}
	if id := RequestID(ctx); id != "" {
		md.Set(MetadataRequestID, id)
		md.Set(MetadataCorrelationID, id)
	}
	return md
}

// CallPolicy is the gRPC client interceptor on every connection to a
// service. It refuses a call the caller's role does not permit (403), then
// copies the HTTP headers that stand for request fields into the request:
//
//	Idempotency-Key          → request_id
//	If-Match                 → etag
//	Doudi-Consistency-Token  → consistency_token
//
// A field is filled only when the request message has it (by name, so
// every service's methods are covered without a per-method table) and the
// body left it empty; a body value that disagrees with its header is a 400.
func CallPolicy() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if strings.HasPrefix(method, "/grpc.health.v1.Health/") {
			return invoker(ctx, method, req, reply, cc, opts...) // the gateway's own readiness check
		}
		p, ok := auth.PrincipalFrom(ctx)
		if !ok {
			return status.Error(codes.Unauthenticated, "no authenticated caller")
		}
		if need := auth.Required(method); !p.Can(need) {
			return permissionDenied(p, need)
		}
		if m, ok := req.(proto.Message); ok {
			r := requestFrom(ctx)
			fields := []struct{ field, header, value string }{
				{"request_id", HeaderIdempotencyKey, r.idempotencyKey},
				{"etag", HeaderIfMatch, r.ifMatch},
				{"consistency_token", HeaderConsistencyToken, r.consistencyToken},
			}
			for _, f := range fields {
				if err := fill(m.ProtoReflect(), f.field, f.header, f.value); err != nil {
					return err
				}
			}
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

func fill(m protoreflect.Message, field, header, value string) error {
	if value == "" {
		return nil
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(field))
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return nil
	}
	switch cur := m.Get(fd).String(); cur {
	case "":
		m.Set(fd, protoreflect.ValueOfString(value))
	case value:
	default:
		return kit.StatusError(codes.InvalidArgument, "INVALID_ARGUMENT",
			"invalid request: "+field+" in the body differs from the "+header+" header",
			kit.FieldViolation{Field: field, Description: "differs from the " + header + " header; send one or make them equal"})
	}
	return nil
}

func permissionDenied(p auth.Principal, need string) error {
	st, err := status.New(codes.PermissionDenied, "the "+p.Role+" role may not do this: it needs "+need).WithDetails(
		&errdetails.ErrorInfo{Reason: "MISSING_PERMISSION", Domain: kit.Domain, Metadata: map[string]string{"permission": need}})
	if err != nil {
		return status.Error(codes.PermissionDenied, "permission denied")
	}
	return st.Err()
}

// forwardResponse sets the response headers a REST client expects from the
// message a service returned:
//
//	ETag                     the resource's etag, quoted (RFC 9110 §8.8.3)
//	Doudi-Consistency-Token  a write's consistency_token
//	201 Created + Location   for methods that create a resource (Create…, and
//	                         the visits ones openapi.Creates lists):
//	                         /v1/<the resource's name>
//
// The resource is the response itself when it has an etag (GetPerson), or
// its first message field that has one (CreatePersonResponse.person).
func forwardResponse(ctx context.Context, w http.ResponseWriter, resp proto.Message) error {
	h := w.Header()
	h.Set("Cache-Control", "no-store") // responses hold personal data
	m := resp.ProtoReflect()
	if tok := stringField(m, "consistency_token"); tok != "" {
		h.Set(HeaderConsistencyToken, tok)
	}
	resource := m
	if stringField(m, "etag") == "" {
		resource = nil
		fields := m.Descriptor().Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && m.Has(fd) {
				if sub := m.Get(fd).Message(); stringField(sub, "etag") != "" {
					resource = sub
					break
				}
			}
		}
	}
	if resource != nil {
		h.Set(HeaderETag, `"`+stringField(resource, "etag")+`"`)
	}
	if method, ok := runtime.RPCMethod(ctx); ok && openapi.Creates(method) {
		if resource != nil {
			if name := stringField(resource, "name"); name != "" {
				h.Set("Location", "/v1/"+name)
			}
		}
		w.WriteHeader(http.StatusCreated)
	}
	return nil
}

func stringField(m protoreflect.Message, name string) string {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() {
		return ""
	}
	return m.Get(fd).String()
}
