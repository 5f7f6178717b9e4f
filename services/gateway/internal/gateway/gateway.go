// Package gateway wires the REST gateway: configuration, telemetry, the
// gRPC connections to the services, the grpc-gateway mux with the gateway's
// HTTP conventions (package rest), the OpenAPI document and the service
// shell with its probes. cmd/gateway and the tests both start it through
// Start.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/doudi-platform/doudi/contracts"
	beneficiariesv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	visitsv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
	"github.com/doudi-platform/doudi/services/gateway/internal/openapi"
	"github.com/doudi-platform/doudi/services/gateway/internal/rest"
	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/service"
	"github.com/doudi-platform/doudi/services/platform/telemetry"
)

// Name is the gateway's service name in logs, traces and metrics.
const Name = "gateway"

// Config is the gateway's configuration, from the environment. Of
// config.Common, DATABASE_URL and NATS_URL are unused (the gateway keeps no
// state), and GRPC_ADDR serves only the gateway's own gRPC health.
type Config struct {
	config.Common
	// BeneficiariesAddr, MonitoringAddr and VisitsAddr are the services'
	// gRPC addresses.
	BeneficiariesAddr string `env:"BENEFICIARIES_ADDR" default:"127.0.0.1:9101"`
	MonitoringAddr    string `env:"MONITORING_ADDR" default:"127.0.0.1:9102"`
	VisitsAddr        string `env:"VISITS_ADDR" default:"127.0.0.1:9103"`
	// APIKeys are the accepted keys, comma-separated "name:role:sha256hex"
	// entries (see `gateway hashkey` and auth.Roles). None: every API call
	// is refused.
	APIKeys []string `env:"GATEWAY_API_KEYS"`
	// CORSOrigins are the browser origins allowed to call the API,
	// comma-separated ("*" for any); none disables CORS.
	CORSOrigins []string `env:"GATEWAY_CORS_ORIGINS"`
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	MaxBodyBytes int64 `env:"GATEWAY_MAX_BODY_BYTES" default:"1048576"`
	// CallTimeout bounds each call to a service.
	CallTimeout time.Duration `env:"GATEWAY_CALL_TIMEOUT" default:"30s"`
}

// Defaults are the gateway's own defaults for config.Common's variables.
var Defaults = map[string]string{
	"HTTP_ADDR": "127.0.0.1:8080",
	"GRPC_ADDR": "127.0.0.1:9100",
}

// Validate checks what config.Load cannot.
func (c Config) Validate() error {
	var errs []error
	if _, err := auth.ParseKeys(c.APIKeys); err != nil {
		errs = append(errs, fmt.Errorf("GATEWAY_API_KEYS: %w", err))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("GATEWAY_MAX_BODY_BYTES=%d: at least 1024", c.MaxBodyBytes))
	}
	if c.BeneficiariesAddr == "" || c.MonitoringAddr == "" || c.VisitsAddr == "" {
		errs = append(errs, errors.New("BENEFICIARIES_ADDR, MONITORING_ADDR and VISITS_ADDR must not be empty"))
	}
	if c.CallTimeout <= 0 {
		errs = append(errs, errors.New("GATEWAY_CALL_TIMEOUT: must be positive"))
	}
	return errors.Join(errs...)
}

// Load reads the configuration from lookup (os.LookupEnv in main), with
// the gateway's defaults for the shared variables.
func Load(lookup func(string) (string, bool)) (Config, error) {
	var cfg Config
	err := config.LoadFrom(&cfg, config.WithDefaults(lookup, Defaults))
	cfg.ServiceName = Name
	return cfg, err
}

// backend is a service the gateway forwards to.
type backend struct {
	name    string // for logs and /readyz
	service string // the gRPC service's full name, for its health check
	addr    string
	openapi string // its document under contracts.OpenAPI
	// register mounts the service's routes on the mux over conn.
	register func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error
}

func backends(cfg Config) []backend {
	return []backend{
		{
			name: "beneficiaries", service: beneficiariesv1.BeneficiariesService_ServiceDesc.ServiceName, addr: cfg.BeneficiariesAddr,
			openapi: "gen/openapi/doudi/beneficiaries/v1/beneficiaries.swagger.json",
			register: func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
				return beneficiariesv1.RegisterBeneficiariesServiceHandlerClient(ctx, mux, beneficiariesv1.NewBeneficiariesServiceClient(conn))
			},
		},
		{
			name: "monitoring", service: monitoringv1.MonitoringService_ServiceDesc.ServiceName, addr: cfg.MonitoringAddr,
			openapi: "gen/openapi/doudi/monitoring/v1/monitoring.swagger.json",
			register: func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
				return monitoringv1.RegisterMonitoringServiceHandlerClient(ctx, mux, monitoringv1.NewMonitoringServiceClient(conn))
			},
		},
		{
			name: "visits", service: visitsv1.VisitsService_ServiceDesc.ServiceName, addr: cfg.VisitsAddr,
			openapi: "gen/openapi/doudi/visits/v1/visits.swagger.json",
			register: func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
				return visitsv1.RegisterVisitsServiceHandlerClient(ctx, mux, visitsv1.NewVisitsServiceClient(conn))
			},
		},
	}
}

// Gateway is a started gateway.
type Gateway struct {
	Config  Config
	Logger  *slog.Logger
	Service *service.Service
}

// Start connects to the services (lazily: gRPC dials on first use and
// /readyz reports whether they answer) and builds the HTTP side; nothing
// listens until Run. logOutput is where logs go (os.Stderr in main).
func Start(ctx context.Context, cfg Config, logOutput io.Writer) (g *Gateway, err error) {
	if logOutput == nil {
		logOutput = os.Stderr
	}
	keys, err := auth.ParseKeys(cfg.APIKeys)
	if err != nil {
		return nil, fmt.Errorf("GATEWAY_API_KEYS: %w", err)
	}
	base := telemetry.NewLogger(cfg.LogLevel, cfg.LogFormat, logOutput)
	logger := slog.New(rest.LogHandler(base.Handler())).With("service", Name)
	if len(keys) == 0 {
		logger.Warn("GATEWAY_API_KEYS is empty: every API call will be refused with 401")
	}
	tel, err := telemetry.Setup(ctx, Name, cfg.OTLPEndpoint)
	if err != nil {
		return nil, err
	}
	var conns []*grpc.ClientConn
	defer func() {
		if err != nil {
			for _, c := range conns {
				_ = c.Close()
			}
			_ = tel.Shutdown(context.Background())
		}
	}()

	var docs []string
	for _, b := range backends(cfg) {
		docs = append(docs, b.openapi)
	}
	spec, err := openapi.Merge(contracts.OpenAPI, docs...)
	if err != nil {
		return nil, err
	}
	page, err := openapi.Docs(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: docs page: %w", err)
	}
	bodyFields, err := openapi.BodyFields(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}

	svc := service.New(cfg.Common, service.WithLogger(logger), service.WithTelemetry(tel))
	api := rest.NewAPIMux(logger, bodyFields)
	for _, b := range backends(cfg) {
		conn, err := grpc.NewClient(b.addr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
			grpc.WithChainUnaryInterceptor(timeout(cfg.CallTimeout), rest.CallPolicy()))
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", b.name, b.addr, err)
		}
		conns = append(conns, conn)
		if err := b.register(ctx, api, conn); err != nil {
			return nil, fmt.Errorf("register %s routes: %w", b.name, err)
		}
		health := healthpb.NewHealthClient(conn)
		svc.AddReadinessCheck(b.name, func(ctx context.Context) error {
			res, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: b.service})
			if err != nil {
				return fmt.Errorf("%s at %s: %w", b.name, b.addr, err)
			}
			if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("%s at %s is %s", b.name, b.addr, res.GetStatus())
			}
			return nil
		})
		svc.AddCloser(b.name+" connection", func(context.Context) error { return conn.Close() })
	}

	rest.Mount(svc, api, rest.Options{
		Logger:        logger,
		Authenticator: auth.NewAuthenticator(keys),
		CORSOrigins:   cfg.CORSOrigins,
		MaxBodyBytes:  cfg.MaxBodyBytes,
		OpenAPI:       spec,
		Docs:          page,
	})
	return &Gateway{Config: cfg, Logger: logger, Service: svc}, nil
}

// Run serves until ctx ends or a signal arrives, then shuts down gracefully.
func (g *Gateway) Run(ctx context.Context) error { return g.Service.Run(ctx) }

// timeout bounds a call that has no earlier deadline.
func timeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
