// Package host wires the platform's parts into a running Doudi service, so that
// every service's main.go is configuration and its own handlers only:
// telemetry and logs, the PostgreSQL pool (created database, migrations), the
// event store, NATS and its JetStream stream, the relay, projection runners,
// the EventStoreAdmin operator API, and the service shell with its health,
// readiness and metrics endpoints.
package host

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	platformv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/platform/v1"
	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/service"
	"github.com/doudi-platform/doudi/services/platform/telemetry"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// Config is what every event-sourced service reads from the environment, on
// top of config.Common. Embed it in the service's own config struct.
type Config struct {
	config.Common
	// DBMaxConns bounds the service's PostgreSQL pool.
	DBMaxConns int `env:"DB_MAX_CONNS" default:"16"`
	// StreamReplicas is the JetStream stream's replica count: 1 on one
	// machine, 3 in a cluster.
	StreamReplicas int `env:"STREAM_REPLICAS" default:"1"`
	// StreamDuplicateWindow is how long JetStream remembers message ids to drop
	// re-published events; at least 2 minutes.
	StreamDuplicateWindow time.Duration `env:"STREAM_DUPLICATE_WINDOW" default:"2m"`
	// RelayBatchSize and RelayPollInterval tune the outbox relay.
	RelayBatchSize    int           `env:"RELAY_BATCH_SIZE" default:"1000"`
	RelayPollInterval time.Duration `env:"RELAY_POLL_INTERVAL" default:"100ms"`
	// EventMaxPayloadBytes bounds one event's JSON data.
	EventMaxPayloadBytes int `env:"EVENT_MAX_PAYLOAD_BYTES" default:"65536"`
}

// Validate checks the values config.Load cannot check by type.
func (c Config) Validate() error {
	var errs []error
	if c.DBMaxConns < 2 {
		errs = append(errs, fmt.Errorf("DB_MAX_CONNS=%d: at least 2 (the relay holds one)", c.DBMaxConns))
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		errs = append(errs, fmt.Errorf("STREAM_REPLICAS=%d: must be 1 to 5", c.StreamReplicas))
	}
	if c.StreamDuplicateWindow < 2*time.Minute {
		errs = append(errs, fmt.Errorf("STREAM_DUPLICATE_WINDOW=%s: at least 2m, so that a relay restart never duplicates", c.StreamDuplicateWindow))
	}
	if c.RelayBatchSize < 1 {
		errs = append(errs, fmt.Errorf("RELAY_BATCH_SIZE=%d: at least 1", c.RelayBatchSize))
	}
	if c.EventMaxPayloadBytes < 1024 || c.EventMaxPayloadBytes > 1<<20 {
		errs = append(errs, fmt.Errorf("EVENT_MAX_PAYLOAD_BYTES=%d: between 1024 and 1048576", c.EventMaxPayloadBytes))
	}
	return errors.Join(errs...)
}

// Host is a service's platform: everything its handlers and workers need.
type Host struct {
	Config    Config
	Logger    *slog.Logger
	Telemetry *telemetry.Telemetry
	Pool      *pgxpool.Pool
	NATS      *nats.Conn
	JetStream jetstream.JetStream
	Store     *eventstore.Store
	Relay     *relay.Relay
	Service   *service.Service

	runners []*projection.Runner
}

// Start connects and prepares everything (database created if missing,
// migrations run, stream provisioned) but serves nothing until Run.
func Start(ctx context.Context, cfg Config, registry *eventstore.Registry) (_ *Host, err error) {
	if cfg.ServiceName == "" {
		return nil, errors.New("host: Config.ServiceName is required")
	}
	// h is not the named result: "return nil, err" must not nil it before
	// the deferred closers, which use it, run.
	h := &Host{Config: cfg}
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	h.Logger = telemetry.NewLogger(cfg.LogLevel, cfg.LogFormat, os.Stderr)
	if h.Telemetry, err = telemetry.Setup(ctx, cfg.ServiceName, cfg.OTLPEndpoint); err != nil {
		return nil, err
	}
	closers = append(closers, func() { h.Telemetry.Shutdown(context.Background()) })

	if h.Pool, err = OpenPool(ctx, cfg.DatabaseURL, int32(cfg.DBMaxConns)); err != nil {
		return nil, err
	}
	closers = append(closers, h.Pool.Close)

	if h.Store, err = eventstore.Open(ctx, h.Pool, eventstore.Options{Registry: registry, MaxPayloadBytes: cfg.EventMaxPayloadBytes}); err != nil {
		return nil, err
	}

	h.NATS, err = nats.Connect(cfg.NATSURL, nats.Name(cfg.ServiceName), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(true),
		// No reconnect buffer: the relay must see a failed publish, not have it
		// queued behind a lost one, or per-stream order could break.
		nats.ReconnectBufSize(-1))
	if err != nil {
		return nil, fmt.Errorf("host: NATS at %s: %w", cfg.NATSURL, err)
	}
	closers = append(closers, h.NATS.Close)
	if h.JetStream, err = jetstream.New(h.NATS); err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The client retries its first connection in the background and has no
	// reconnect buffer, so wait for it rather than fail the stream request
	// with "outbound buffer limit exceeded" while the broker is starting.
	if err = waitConnected(sctx, h.NATS); err != nil {
		return nil, fmt.Errorf("host: NATS at %s: %w", cfg.NATSURL, err)
	}
	if _, err = wire.EnsureStream(sctx, h.JetStream, cfg.ServiceName, cfg.StreamReplicas, cfg.StreamDuplicateWindow); err != nil {
		return nil, fmt.Errorf("host: JetStream stream for %s at %s: %w", cfg.ServiceName, cfg.NATSURL, err)
	}

	h.Relay, err = relay.New(h.Store, h.JetStream, relay.Options{Service: cfg.ServiceName,
		BatchSize: cfg.RelayBatchSize, PollInterval: cfg.RelayPollInterval, Logger: h.Logger})
	if err != nil {
		return nil, err
	}

	h.Service = service.New(cfg.Common, service.WithLogger(h.Logger), service.WithTelemetry(h.Telemetry))
	h.Service.AddReadinessCheck("postgres", service.PostgresCheck(h.Pool))
	h.Service.AddReadinessCheck("nats", service.NATSCheck(h.NATS))
	h.Service.Go("relay", h.Relay.Run)
	// Closers run in reverse: NATS drains before the pool closes; the shell
	// flushes telemetry last.
	h.Service.AddCloser("postgres", func(context.Context) error { h.Pool.Close(); return nil })
	h.Service.AddCloser("nats", func(context.Context) error { return h.NATS.Drain() })
	platformv1.RegisterEventStoreAdminServer(h.Service, &admin{host: h})
	return h, nil
}

// AddProjection runs a projection over this service's database as one of
// the service's workers, and lists its parked events in the admin API.
func (h *Host) AddProjection(p projection.Projection, opts projection.Options) (*projection.Runner, error) {
	if opts.Logger == nil {
		opts.Logger = h.Logger
	}
	r, err := projection.NewRunner(h.Pool, h.JetStream, p, opts)
	if err != nil {
		return nil, err
	}
	h.runners = append(h.runners, r)
	h.Service.Go("projection "+p.Name, r.Run)
	return r, nil
}

// Run serves until ctx ends or a signal arrives, then shuts down gracefully.
func (h *Host) Run(ctx context.Context) error {
	return h.Service.Run(ctx)
}

// waitConnected waits until nc is connected or ctx ends.
func waitConnected(ctx context.Context, nc *nats.Conn) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !nc.IsConnected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("not reachable (%w); is nats-server -js running?", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// OpenPool connects to the database in databaseURL, creating it first when
// it does not exist (each service owns its database; a fresh machine has none).
func OpenPool(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("host: DATABASE_URL: %w", err)
	}
	cfg.MaxConns = maxConns
	cfg.ConnConfig.Tracer = queryTracer{}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerUUID(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	err = pool.Ping(ctx)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name
		if err = createDatabase(ctx, databaseURL, cfg.ConnConfig.Database); err == nil {
			err = pool.Ping(ctx)
		}
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("host: PostgreSQL at %s: %w", redact(databaseURL), err)
	}
	return pool, nil
}

func createDatabase(ctx context.Context, databaseURL, name string) error {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return err
	}
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: a replica won the race
		return nil
	}
	return err
}

// redact hides a password in a connection string for error messages.
func redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.User == nil {
		return databaseURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.Replace(u.String(), "xxxxx", "***", 1)
}

// Main runs what the command line asks for: the service itself (no
// arguments, or "serve"), or an operator's repair:
//
//	republish --from <position>   publish again every committed event at or
//	                              after position (after a broker lost data)
func (h *Host) Main(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "serve" {
		return h.Run(ctx)
	}
	switch args[0] {
	case "republish":
		fs := flag.NewFlagSet("republish", flag.ContinueOnError)
		from := fs.Int64("from", 0, "first event position to publish again (≥ 1)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *from < 1 {
			return errors.New("republish: --from <position> is required and must be ≥ 1")
		}
		defer h.close()
		n, err := relay.Republish(ctx, h.Store, h.JetStream, h.Config.ServiceName, eventstore.Position(*from))
		if err != nil {
			return err
		}
		h.Logger.Info("republished", "from", *from, "events", n)
		fmt.Printf("republished %d events from position %d\n", n, *from)
		return nil
	default:
		return fmt.Errorf("unknown command %q: use serve, or republish --from <position>", args[0])
	}
}

// close releases what Start opened, for commands that do not Run.
func (h *Host) close() {
	h.NATS.Close()
	h.Pool.Close()
	h.Telemetry.Shutdown(context.Background())
}
