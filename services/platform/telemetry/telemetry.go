// Package telemetry wires a service's traces, metrics and logs: the global
// OpenTelemetry tracer and meter providers, W3C propagation, a Prometheus
// /metrics handler, and a slog logger that stamps trace and span ids on
// every record, so that one trace can be followed from the REST call to the
// projection and matched with its log lines.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Telemetry holds the providers Setup installed, for shutdown and for tests
// that want to inspect them.
type Telemetry struct {
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	// Registry is the service's own Prometheus registry; nothing is
	// registered on prometheus.DefaultRegisterer, so two services (or two
	// tests) in one process do not collide.
	Registry *prometheus.Registry

	metrics http.Handler
}

// Setup installs the global tracer provider, propagator and meter provider
// for serviceName.
//
// Spans are exported over OTLP/gRPC in batches when otlpEndpoint is set; it
// may be a URL ("http://collector:4317" is plaintext, "https://…" uses TLS) or
// a bare host:port, taken as plaintext as for a local collector. Without an
// endpoint spans are still sampled and carry valid ids, so trace context
// still propagates through gRPC, NATS headers and log lines.
func Setup(ctx context.Context, serviceName, otlpEndpoint string) (*Telemetry, error) {
	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(attribute.String("service.name", serviceName)))
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}

	traceOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if otlpEndpoint != "" {
		exporter, err := otlptracegrpc.New(ctx, otlpEndpointOption(otlpEndpoint)...)
		if err != nil {
			return nil, fmt.Errorf("telemetry: otlp exporter for %q: %w", otlpEndpoint, err)
		}
		traceOpts = append(traceOpts, sdktrace.WithBatcher(exporter))
	}
	tp := sdktrace.NewTracerProvider(traceOpts...)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	promExporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		_ = tp.Shutdown(ctx)
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(promExporter), sdkmetric.WithResource(res))

	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{}))

	return &Telemetry{
		TracerProvider: tp,
		MeterProvider:  mp,
		Registry:       reg,
		metrics:        promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
	}, nil
}

func otlpEndpointOption(endpoint string) []otlptracegrpc.Option {
	if strings.Contains(endpoint, "://") {
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(endpoint)}
	}
	return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure()}
}

// MetricsHandler serves the service's registry in the Prometheus text format.
func (t *Telemetry) MetricsHandler() http.Handler { return t.metrics }

// Shutdown flushes pending spans and stops both providers. Call it last, after
// the servers and workers that produce telemetry have stopped.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	return errors.Join(t.TracerProvider.Shutdown(ctx), t.MeterProvider.Shutdown(ctx))
}
