package e2e

import (
	"context"
	"encoding/hex"
	"net"
	"sort"
	"sync"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// otlpReceiver is an OTLP/gRPC trace collector inside the test process: the
// services export their spans to it, and it keeps them.
type otlpReceiver struct {
	coltracepb.UnimplementedTraceServiceServer
	addr string
	srv  *grpc.Server

	mu    sync.Mutex
	spans []*tracepb.ResourceSpans
}

func startOTLPReceiver() (*otlpReceiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &otlpReceiver{addr: l.Addr().String(), srv: grpc.NewServer()}
	coltracepb.RegisterTraceServiceServer(r.srv, r)
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

func (r *otlpReceiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, req.GetResourceSpans()...)
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (r *otlpReceiver) stop() { r.srv.Stop() }

// trace returns the names of the spans received with the trace id (hex),
// by their resource's service.name.
func (r *otlpReceiver) trace(traceID string) map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for _, rs := range r.spans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				if hex.EncodeToString(s.GetTraceId()) == traceID {
					out[service] = append(out[service], s.GetName())
				}
			}
		}
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out
}
