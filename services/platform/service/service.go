// Package service is the shell every Doudi service runs in: a gRPC server
// (with tracing, health and reflection), an HTTP server for probes, metrics
// and extra handlers, background workers such as the outbox relay and
// projection runners, and an orderly shutdown that lets in-flight work
// finish before the resources it needs are closed.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/telemetry"
)

const (
	defaultShutdownTimeout = 15 * time.Second
	defaultCheckTimeout    = 2 * time.Second
)

// Service is one running service. Build it with New, register gRPC services
// (Service is a grpc.ServiceRegistrar), HTTP handlers, readiness checks,
// workers and closers, then call Run once.
type Service struct {
	cfg          config.Common
	logger       *slog.Logger
	checkTimeout time.Duration

	grpc   *grpc.Server
	health *health.Server
	mux    *http.ServeMux
	http   *http.Server

	mu       sync.Mutex // guards the registrations and listeners below
	services []string
	checks   []namedCheck
	workers  []worker
	closers  []closer
	grpcLis  net.Listener
	httpLis  net.Listener
	started  bool

	ready atomic.Bool
}

type namedCheck struct {
	name  string
	check Check
}

type worker struct {
	name string
	run  func(context.Context) error
}

type closer struct {
	name  string
	close func(context.Context) error
}

// Option configures New.
type Option func(*options)

type options struct {
	logger       *slog.Logger
	telemetry    *telemetry.Telemetry
	grpcOpts     []grpc.ServerOption
	checkTimeout time.Duration
}

// WithLogger sets the logger for the shell and its default interceptor.
// Without it, slog.Default() is used.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithTelemetry serves t's metrics at /metrics and shuts t down as the very
// last closer, so spans from the shutdown itself are still flushed.
func WithTelemetry(t *telemetry.Telemetry) Option { return func(o *options) { o.telemetry = t } }

// WithGRPCOptions adds gRPC server options. Add interceptors with
// grpc.ChainUnaryInterceptor so they run inside the shell's
// RecoverAndMaskInternal (grpc.UnaryInterceptor would run outside it).
func WithGRPCOptions(opts ...grpc.ServerOption) Option {
	return func(o *options) { o.grpcOpts = append(o.grpcOpts, opts...) }
}

// WithCheckTimeout bounds each readiness check (default 2s), so one stuck
// dependency cannot hang the probe.
func WithCheckTimeout(d time.Duration) Option { return func(o *options) { o.checkTimeout = d } }

// New builds the servers for cfg; nothing listens until Listen or Run.
//
// Every unary RPC goes through kit.RecoverAndMaskInternal, so no handler can
// leak an internal error or crash the process with a panic.
func New(cfg config.Common, opts ...Option) *Service {
	o := options{logger: slog.Default(), checkTimeout: defaultCheckTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = defaultShutdownTimeout
	}
	logger := o.logger
	if cfg.ServiceName != "" {
		logger = logger.With("service", cfg.ServiceName)
	}

	grpcOpts := append([]grpc.ServerOption{
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(kit.RecoverAndMaskInternal(logger)),
	}, o.grpcOpts...)
	gs := grpc.NewServer(grpcOpts...)
	hs := health.NewServer()
	// The health server starts out SERVING; a service is not ready until Run
	// has started everything.
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)

	s := &Service{
		cfg:          cfg,
		logger:       logger,
		checkTimeout: o.checkTimeout,
		grpc:         gs,
		health:       hs,
		mux:          http.NewServeMux(),
	}
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	s.mux.HandleFunc("GET /healthz", s.serveLiveness)
	s.mux.HandleFunc("GET /readyz", s.serveReadiness)
	if cfg.Pprof {
		s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	if o.telemetry != nil {
		s.mux.Handle("GET /metrics", o.telemetry.MetricsHandler())
		s.AddCloser("telemetry", o.telemetry.Shutdown)
	}
	return s
}

// RegisterService registers a gRPC service implementation, so generated
// code can register on the Service directly: pb.RegisterVisitsServer(svc, h).
// Its health status follows the service's readiness.
func (s *Service) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.grpc.RegisterService(desc, impl)
	s.health.SetServingStatus(desc.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	s.mu.Lock()
	s.services = append(s.services, desc.ServiceName)
	s.mu.Unlock()
}

// GRPCServer returns the underlying gRPC server.
func (s *Service) GRPCServer() *grpc.Server { return s.grpc }

// Handle mounts an HTTP handler next to /healthz, /readyz and /metrics.
func (s *Service) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Logger returns the shell's logger (with the service name attached).
func (s *Service) Logger() *slog.Logger { return s.logger }

// Go adds a background worker; call it before Run. It runs from Run until shutdown, when its
// context is cancelled after the servers stopped accepting; it should then
// finish its in-flight work and return. A worker that returns earlier, with
// or without an error, brings the whole service down: a service whose relay
// stopped must not keep taking writes.
func (s *Service) Go(name string, run func(ctx context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workers = append(s.workers, worker{name, run})
}

// AddCloser registers a function run at the end of shutdown, after every
// worker has returned. Closers run in reverse order of registration, so a
// resource opened first (the pool) is closed after those built on it.
func (s *Service) AddCloser(name string, close func(ctx context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closers = append(s.closers, closer{name, close})
}

// Listen binds the gRPC and HTTP addresses from the config. Run calls it if
// it has not been called; calling it first lets a caller learn the bound
// addresses (port 0 in tests) before Run.
func (s *Service) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grpcLis != nil {
		return nil
	}
	grpcLis, err := net.Listen("tcp", s.cfg.GRPCAddr)
	if err != nil {
		return fmt.Errorf("listen gRPC on %s: %w", s.cfg.GRPCAddr, err)
	}
	httpLis, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		_ = grpcLis.Close()
		return fmt.Errorf("listen HTTP on %s: %w", s.cfg.HTTPAddr, err)
	}
	s.grpcLis, s.httpLis = grpcLis, httpLis
	return nil
}

// GRPCAddr is the bound gRPC address, or "" before Listen.
func (s *Service) GRPCAddr() string { return addr(&s.mu, &s.grpcLis) }

// HTTPAddr is the bound HTTP address, or "" before Listen.
func (s *Service) HTTPAddr() string { return addr(&s.mu, &s.httpLis) }

func addr(mu *sync.Mutex, lis *net.Listener) string {
	mu.Lock()
	defer mu.Unlock()
	if *lis == nil {
		return ""
	}
	return (*lis).Addr().String()
}

// Run starts the servers and workers and blocks until ctx is cancelled, the
// process gets SIGINT or SIGTERM, or a component fails. It then shuts down:
//
//  1. readiness and gRPC health turn NOT_SERVING;
//  2. the servers stop accepting and finish in-flight requests (up to
//     SHUTDOWN_TIMEOUT, after which gRPC calls are cut off);
//  3. the workers' context is cancelled and Run waits for them (up to
//     SHUTDOWN_TIMEOUT), so the relay finishes its batch;
//  4. closers run in reverse order of registration.
//
// Run returns nil after a requested shutdown, or the failure that caused it
// together with any error from shutting down.
func (s *Service) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		// Nothing started, but resources the caller registered are released.
		return errors.Join(err, s.runClosers())
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("service: Run called twice")
	}
	s.started = true
	workers := append([]worker(nil), s.workers...)
	s.mu.Unlock()

	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	// Failures are reported here; the buffer holds one per component so that
	// none blocks once Run has stopped reading.
	failures := make(chan error, len(workers)+2)
	var stopping atomic.Bool

	var servers sync.WaitGroup
	servers.Go(func() {
		if err := s.grpc.Serve(s.grpcLis); err != nil {
			failures <- fmt.Errorf("gRPC server: %w", err)
		}
	})
	servers.Go(func() {
		if err := s.http.Serve(s.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			failures <- fmt.Errorf("HTTP server: %w", err)
		}
	})

	// Workers get their own cancellation: they stop after the servers, not
	// when the signal arrives. WithoutCancel keeps ctx's values.
	workerCtx, cancelWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWorkers()
	workersDone := make(chan struct{})
	var running sync.WaitGroup
	for _, w := range workers {
		running.Go(func() {
			err := s.runWorker(workerCtx, w)
			if stopping.Load() {
				if err != nil && !errors.Is(err, context.Canceled) {
					s.logger.Error("worker failed while stopping", "worker", w.name, "error", err)
				}
				return
			}
			if err == nil {
				err = errors.New("returned before shutdown")
			}
			failures <- fmt.Errorf("worker %q: %w", w.name, err)
		})
	}
	go func() { running.Wait(); close(workersDone) }()

	s.setReady(true)
	s.logger.Info("service started", "grpc_addr", s.GRPCAddr(), "http_addr", s.HTTPAddr(), "workers", len(workers))

	var cause error
	select {
	case <-ctx.Done():
		s.logger.Info("shutting down", "reason", context.Cause(ctx))
	case cause = <-failures:
		s.logger.Error("shutting down after a failure", "error", cause)
	}
	stopping.Store(true)

	// 1. Tell load balancers and probes to stop sending traffic.
	s.setReady(false)
	s.health.Shutdown()

	// 2. Stop accepting; let in-flight requests finish.
	var errs []error
	errs = append(errs, s.stopServers())
	servers.Wait()

	// 3. Stop the workers and wait for them.
	cancelWorkers()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	select {
	case <-workersDone:
		timer.Stop()
	case <-timer.C:
		errs = append(errs, fmt.Errorf("workers did not stop within %s", s.cfg.ShutdownTimeout))
	}

	// 4. Release resources, newest first.
	errs = append(errs, s.runClosers())

	if err := errors.Join(append([]error{cause}, errs...)...); err != nil {
		return err
	}
	s.logger.Info("service stopped")
	return nil
}

func (s *Service) runWorker(ctx context.Context, w worker) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("worker panicked", "worker", w.name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return w.run(ctx)
}

func (s *Service) setReady(ready bool) {
	s.ready.Store(ready)
	status := healthpb.HealthCheckResponse_NOT_SERVING
	if ready {
		status = healthpb.HealthCheckResponse_SERVING
	}
	s.mu.Lock()
	names := append([]string{""}, s.services...)
	s.mu.Unlock()
	for _, name := range names {
		s.health.SetServingStatus(name, status)
	}
}

// stopServers stops both servers concurrently within one SHUTDOWN_TIMEOUT.
func (s *Service) stopServers() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	grpcDone := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(grpcDone) }()

	httpErr := s.http.Shutdown(ctx)
	if httpErr != nil {
		httpErr = fmt.Errorf("HTTP shutdown: %w", httpErr)
		_ = s.http.Close()
	}
	select {
	case <-grpcDone:
	case <-ctx.Done():
		// GracefulStop waits for every RPC, including long-lived streams
		// such as health watches; past the deadline we cut them off.
		s.logger.Warn("gRPC graceful stop timed out; closing connections", "timeout", s.cfg.ShutdownTimeout)
		s.grpc.Stop()
		<-grpcDone
	}
	return httpErr
}

func (s *Service) runClosers() error {
	s.mu.Lock()
	closers := append([]closer(nil), s.closers...)
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for i := len(closers) - 1; i >= 0; i-- {
		c := closers[i]
		if err := c.close(ctx); err != nil {
			s.logger.Error("closer failed", "closer", c.name, "error", err)
			errs = append(errs, fmt.Errorf("close %s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}
