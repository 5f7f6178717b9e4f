// Command monitoring runs the monitoring service: the tiered monitoring
// views, follow-up views and station figures, projected from the
// beneficiaries and visits events and served over gRPC (MonitoringService).
//
//	monitoring [serve]              run the service
//	monitoring rebuild              replay each projection's stream (caseload:
//	                                beneficiaries; fieldwork: visits, once that
//	                                stream exists) into fresh tables and switch
//	                                to them (running services keep answering
//	                                from the old ones meanwhile)
//	monitoring republish --from N   the platform's relay repair (monitoring
//	                                appends no events, so rarely useful)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/monitoring/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/monitoring/internal/service"
	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/wire"
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

// rebuild replays the projections into new generations and switches to them,
// one after the other. A projection whose stream does not exist yet has
// nothing to replay: it is skipped rather than waited for.
func rebuild(ctx context.Context, s *service.Service) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer func() {
		s.Host.NATS.Close()
		s.Host.Pool.Close()
		s.Host.Telemetry.Shutdown(context.Background())
	}()
	for _, r := range s.Runners() {
		if r == s.Fieldwork {
			_, err := s.Host.JetStream.Stream(ctx, wire.StreamName(postgres.FieldworkSourceService))
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				fmt.Printf("skipped projection %s: stream %s does not exist yet\n", r.Name(), wire.StreamName(postgres.FieldworkSourceService))
				continue
			}
			if err != nil {
				return fmt.Errorf("rebuild %s: %w", r.Name(), err)
			}
		}
		start := time.Now()
		if err := r.Rebuild(ctx); err != nil {
			return fmt.Errorf("rebuild %s: %w", r.Name(), err)
		}
		fmt.Printf("rebuilt projection %s in %s\n", r.Name(), time.Since(start).Round(time.Millisecond))
	}
	return nil
}
