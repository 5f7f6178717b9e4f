package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/doudi-platform/doudi/services/platform/telemetry"
)

// Tests here replace the global providers, so they do not run in parallel.

func setup(t *testing.T, endpoint string) *telemetry.Telemetry {
	t.Helper()
	tel, err := telemetry.Setup(t.Context(), "visits", endpoint)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return tel
}

func TestTraceContextPropagatesWithoutExporter(t *testing.T) {
	setup(t, "")

	ctx, span := otel.Tracer("test").Start(context.Background(), "complete visit")
	defer span.End()
	if !span.SpanContext().IsValid() || !span.SpanContext().IsSampled() {
		t.Fatalf("span context %v: want valid and sampled", span.SpanContext())
	}

	tenant, err := baggage.NewMember("tenant", "shitan")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(tenant)
	if err != nil {
		t.Fatal(err)
	}
	ctx = baggage.ContextWithBaggage(ctx, bag)

	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if carrier["traceparent"] == "" || carrier["baggage"] == "" {
		t.Fatalf("carrier %v: want traceparent and baggage", carrier)
	}

	extracted := otel.GetTextMapPropagator().Extract(context.Background(), carrier)
	if got := trace.SpanContextFromContext(extracted); got.TraceID() != span.SpanContext().TraceID() {
		t.Errorf("extracted trace id %s, want %s", got.TraceID(), span.SpanContext().TraceID())
	}
	if got := baggage.FromContext(extracted).Member("tenant").Value(); got != "shitan" {
		t.Errorf("extracted baggage tenant = %q, want shitan", got)
	}
}

func TestMetricsHandlerExposesGlobalMeterAndRuntime(t *testing.T) {
	tel := setup(t, "")

	counter, err := otel.Meter("visits").Int64Counter("visits_completed")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(context.Background(), 3)

	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{"visits_completed_total", "go_goroutines", "process_cpu_seconds_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if !strings.Contains(body, `service_name="visits"`) {
		t.Errorf("/metrics lacks the service name in target_info")
	}
}

// collector is an in-process OTLP/gRPC trace collector.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	names []string
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.names = append(c.names, s.GetName())
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func (c *collector) spanNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

func TestSpansAreExportedOverOTLP(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, col)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	tel, err := telemetry.Setup(t.Context(), "visits", "http://"+lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "append events")
	span.End()

	// Shutdown flushes the batch, so the span must have arrived when it returns.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if names := col.spanNames(); len(names) != 1 || names[0] != "append events" {
		t.Errorf("collector got spans %v, want [append events]", names)
	}
}

func TestLoggerAddsTraceIDs(t *testing.T) {
	setup(t, "")
	var buf bytes.Buffer
	logger := telemetry.NewLogger("info", "json", &buf)

	ctx, span := otel.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	logger.With("component", "relay").InfoContext(ctx, "published", "count", 3)
	logger.InfoContext(context.Background(), "no span")
	logger.DebugContext(ctx, "filtered out at info")

	lines := decodeLines(t, &buf)
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %v", len(lines), lines)
	}
	if lines[0]["trace_id"] != span.SpanContext().TraceID().String() ||
		lines[0]["span_id"] != span.SpanContext().SpanID().String() ||
		lines[0]["component"] != "relay" {
		t.Errorf("first line %v: want trace_id, span_id and component", lines[0])
	}
	if _, ok := lines[1]["trace_id"]; ok {
		t.Errorf("second line %v: want no trace_id without a span", lines[1])
	}
}

func TestLoggerLevelsAndFormats(t *testing.T) {
	tests := []struct {
		level, format string
		wantDebug     bool
		wantPrefix    string
	}{
		{"debug", "json", true, "{"},
		{"info", "text", false, "time="},
		{"warn", "json", false, ""},
		{"nonsense", "nonsense", false, "{"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		logger := telemetry.NewLogger(tt.level, tt.format, &buf)
		logger.Debug("d")
		logger.Info("i")
		out := buf.String()
		if got := strings.Contains(out, "msg=d") || strings.Contains(out, `"msg":"d"`); got != tt.wantDebug {
			t.Errorf("%s/%s: debug logged = %v, want %v", tt.level, tt.format, got, tt.wantDebug)
		}
		if !strings.HasPrefix(out, tt.wantPrefix) {
			t.Errorf("%s/%s: output %q, want prefix %q", tt.level, tt.format, out, tt.wantPrefix)
		}
		if tt.level == "warn" && out != "" {
			t.Errorf("warn: info was logged: %q", out)
		}
	}
}

func decodeLines(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	var lines []map[string]any
	dec := json.NewDecoder(r)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return lines
		} else if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
}
