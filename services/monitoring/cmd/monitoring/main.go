// Command monitoring runs the monitoring service: the tiered monitoring
// views and station figures, projected from the beneficiaries events and
// served over gRPC (MonitoringService).
//
//	monitoring [serve]              run the service
//	monitoring rebuild              replay the beneficiaries stream into fresh
//	                                tables and switch to them (running services
//	                                keep answering from the old ones meanwhile)
//	monitoring republish --from N   the platform's relay repair (monitoring
//	                                appends no events, so rarely useful)
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/doudi-platform/doudi/services/monitoring/internal/service"
	"github.com/doudi-platform/doudi/services/platform/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "monitoring:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg service.Config
	err := config.LoadFrom(&cfg, config.WithDefaults(os.LookupEnv, map[string]string{
		"GRPC_ADDR": service.DefaultGRPCAddr, "HTTP_ADDR": service.DefaultHTTPAddr, "DATABASE_URL": service.DefaultDatabaseURL,
	}))
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := service.Start(ctx, cfg)
	if err != nil {
		return err
	}
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "rebuild" {
		return rebuild(ctx, s)
	}
	return s.Host.Main(ctx, args)
}

// rebuild replays the projection into a new generation and switches to it.
func rebuild(ctx context.Context, s *service.Service) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer func() {
		s.Host.NATS.Close()
		s.Host.Pool.Close()
		s.Host.Telemetry.Shutdown(context.Background())
	}()
	start := time.Now()
	if err := s.Runner.Rebuild(ctx); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	fmt.Printf("rebuilt projection %s in %s\n", s.Runner.Name(), time.Since(start).Round(time.Millisecond))
	return nil
}
