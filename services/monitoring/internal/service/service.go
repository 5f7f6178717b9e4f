// Package service wires the monitoring service: configuration, the host
// (database, NATS, health, metrics), the caseload projection over the
// beneficiaries stream, the fieldwork projection over the visits stream, and
// the MonitoringService gRPC server.
package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/monitoring/internal/policy"
	grpcport "github.com/doudi-platform/doudi/services/monitoring/internal/ports/grpc"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// The service's own defaults for the shared variables.
const (
	Name               = "monitoring"
	DefaultGRPCAddr    = "127.0.0.1:9102"
	DefaultHTTPAddr    = "127.0.0.1:8102"
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/doudi_monitoring"
)

// Config is the monitoring service's configuration.
type Config struct {
	host.Config
	// WaitTimeout bounds how long a query waits for its consistency token.
	WaitTimeout time.Duration `env:"MONITORING_WAIT_TIMEOUT" default:"5s"`
	// TierContactIntervals is the tier policy: the contact interval of tiers
	// 1 to 4, each "<n>d", "<n>w" or "<n>m" (calendar months).
	TierContactIntervals []string `env:"MONITORING_TIER_CONTACT_INTERVALS" default:"1w,2w,1m,3m"`
	// ProjectionBatchSize is the most events applied in one transaction.
	ProjectionBatchSize int `env:"MONITORING_PROJECTION_BATCH_SIZE" default:"500"`
}

// Validate checks what config.Load cannot check by type.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.WaitTimeout <= 0 || c.WaitTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("MONITORING_WAIT_TIMEOUT=%s: must be more than 0 and at most 1m", c.WaitTimeout))
	}
	if _, err := policy.Parse(c.TierContactIntervals); err != nil {
		errs = append(errs, fmt.Errorf("MONITORING_TIER_CONTACT_INTERVALS: %w", err))
	}
	if c.ProjectionBatchSize < 1 || c.ProjectionBatchSize > 10000 {
		errs = append(errs, fmt.Errorf("MONITORING_PROJECTION_BATCH_SIZE=%d: must be 1 to 10000", c.ProjectionBatchSize))
	}
	return errors.Join(errs...)
}

// Service is a started monitoring service.
type Service struct {
	Host *host.Host
	// Runner runs the caseload projection (beneficiaries events).
	Runner *projection.Runner
	// Fieldwork runs the fieldwork projection (visits events).
	Fieldwork *projection.Runner
	Views     *postgres.Views
}

// Hosted is the platform host the service runs on.
func (s *Service) Hosted() *host.Host { return s.Host }

// Runners are the service's projections, the caseload first.
func (s *Service) Runners() []*projection.Runner { return []*projection.Runner{s.Runner, s.Fieldwork} }

// Option adjusts the service, for tests.
type Option func(*grpcport.Options)

// WithClock makes "today" come from now.
func WithClock(now func() time.Time) Option { return func(o *grpcport.Options) { o.Now = now } }

// Start connects and prepares the service; it serves once Host.Run or
// Host.Main runs. Monitoring appends no events of its own: its event store
// stays empty and its relay idle.
func Start(ctx context.Context, cfg Config, opts ...Option) (*Service, error) {
	cfg.ServiceName = Name
	tiers, err := policy.Parse(cfg.TierContactIntervals)
	if err != nil {
		return nil, err
	}
	h, err := host.Start(ctx, cfg.Config, eventstore.NewRegistry())
	if err != nil {
		return nil, err
	}
	opt := projection.Options{BatchSize: cfg.ProjectionBatchSize}
	runner, err := h.AddProjection(postgres.Projection(), opt)
	if err != nil {
		return nil, err
	}
	fieldwork, err := h.AddProjection(postgres.FieldworkProjection(), opt)
	if err != nil {
		return nil, err
	}
	views := postgres.NewViews(h.Pool, runner.ActiveSchema, fieldwork.ActiveSchema, tiers)
	o := grpcport.Options{WaitTimeout: cfg.WaitTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	waiters := grpcport.Waiters{postgres.SourceService: runner, postgres.FieldworkSourceService: fieldwork}
	monitoringv1.RegisterMonitoringServiceServer(h.Service, grpcport.NewServer(views, waiters, o))
	return &Service{Host: h, Runner: runner, Fieldwork: fieldwork, Views: views}, nil
}
