// Package projection runs read models: it consumes services' JetStream
// streams through durable pull consumers and applies each event to
// PostgreSQL tables with a handler, exactly once in effect.
//
// Each batch commits the handlers' rows and a per-aggregate checkpoint
// (applied_versions) in one transaction and only then acks, so a crash
// anywhere means redelivery, and redelivered events are skipped by version.
// Events of one aggregate are applied strictly in version order. A handler
// that keeps failing parks its event (and the aggregate's later events) in
// parked_events instead of stopping the whole projection.
//
// An event whose predecessor in its aggregate has not been applied (a gap:
// the earlier event was handed back after a failed commit, or a republish
// delivers out of order) is not applied and not acked: it is handed back
// with a delay that grows with each delivery (10ms doubling, up to 5s) and
// applied once its predecessor has been. If the predecessor never comes
// (the broker lost it and nobody republished), the event keeps coming back
// and the doudi.projection.gaps metric and a warning say so; run the relay's
// republish to repair the stream.
//
// A projection's tables live in a generation schema "<name>_g<N>"; a rebuild
// fills generation N+1 from the start of the streams while queries read
// generation N, then switches projection_state in one transaction.
package projection

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/doudi-platform/doudi/services/platform/leader"
	"github.com/doudi-platform/doudi/services/platform/migrate"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

//go:embed migrations/*.sql
var migrations embed.FS

const instrumentation = "github.com/doudi-platform/doudi/services/platform/projection"

// Defaults for Options.
const (
	DefaultBatchSize    = 500
	DefaultFetchWait    = 5 * time.Second
	DefaultMaxAttempts  = 5
	DefaultRetryBackoff = 10 * time.Millisecond
	// DefaultAckWait bounds how long events a crashed runner had fetched stay
	// out of reach of its successor; a batch takes well under a second, and a
	// redelivery during a slow batch is only skipped as a duplicate.
	DefaultAckWait     = 5 * time.Second
	maxRetryBackoff    = time.Second
	maxGapDelay        = 5 * time.Second
	pollInterval       = 50 * time.Millisecond
	stateCheckInterval = time.Second
	campaignInterval   = 500 * time.Millisecond
)

// namePattern keeps projection and service names usable as schema names and
// consumer names (no '.', '*', '>' or spaces).
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Source is a service whose whole stream (DOUDI_<SERVICE>) a projection reads.
type Source struct {
	Service string
}

// Projection is a read model: its tables and the handler that fills them.
type Projection struct {
	// Name, e.g. "caseload", names the schemas "<name>_g<N>" and the consumers.
	Name    string
	Sources []Source
	// Setup creates the projection's tables, unqualified: it runs with the
	// search_path set to a fresh generation schema.
	Setup func(ctx context.Context, tx pgx.Tx) error
	// Apply writes the read-model rows for one event in tx (search_path is the
	// generation schema). It must only write through tx: it may run again
	// after a rollback. An error is retried, then the event is parked.
	Apply func(ctx context.Context, tx pgx.Tx, ev wire.Event) error
	// ApplyBatch, optional, writes the rows for several events at once (e.g.
	// one pgx.Batch), in order; an aggregate may occur more than once. It is
	// the fast path for replays, where one round trip per event is the
	// bottleneck. If it fails, the batch is rolled back and applied again
	// event by event with Apply, so that only the failing event is parked.
	// Each event still gets its "project" span, but ctx carries none of them.
	ApplyBatch func(ctx context.Context, tx pgx.Tx, evs []wire.Event) error
}

// Options tune a Runner; zero values take the defaults.
type Options struct {
	// BatchSize is the most messages applied in one transaction (500).
	BatchSize int
	// FetchWait is how long an idle fetch waits for a message before the
	// runner looks again (5s). Arrivals are delivered at once either way.
	FetchWait time.Duration
	// MaxAttempts is how often a failing handler is tried before its event is
	// parked (5).
	MaxAttempts int
	// RetryBackoff is the first pause between attempts (10ms); it doubles up to 1s.
	RetryBackoff time.Duration
	// AckWait is how long JetStream waits for an ack before redelivering (5s).
	AckWait time.Duration
	Logger  *slog.Logger
	Meter   metric.Meter
	// TracerProvider defaults to the global one.
	TracerProvider trace.TracerProvider
}

// Runner runs one projection. Run it on every replica: one is active, the
// others stand by. ActiveSchema, WaitFor and ListParked work on any replica.
type Runner struct {
	pool   *pgxpool.Pool
	js     jetstream.JetStream
	p      Projection
	opts   Options
	log    *slog.Logger
	tracer trace.Tracer
	m      metrics
	attrs  metric.MeasurementOption

	initMu sync.Mutex
	base   string // the schema holding projection_state and parked_events
	// owner names the database and schema the projection writes to, in its
	// consumer names: two deployments (a blue/green switch, two stations'
	// monitoring databases) on one NATS must not share a durable consumer,
	// or each would get half the events.
	owner string

	mu       sync.Mutex
	applied  chan struct{} // closed after each commit, then replaced
	switched chan struct{} // signalled when this process switched generations

	// afterCommit, when set (tests), runs between commit and ack; an error
	// stops the runner without acking, like a crash.
	afterCommit func() error
}

type metrics struct {
	applied  metric.Int64Counter
	parked   metric.Int64Counter
	gaps     metric.Int64Counter
	duration metric.Float64Histogram
	lag      metric.Float64Gauge
}

// NewRunner checks the projection and returns its runner.
func NewRunner(pool *pgxpool.Pool, js jetstream.JetStream, p Projection, opts Options) (*Runner, error) {
	if !namePattern.MatchString(p.Name) {
		return nil, fmt.Errorf("projection: name %q must match %s", p.Name, namePattern)
	}
	if len(p.Sources) == 0 {
		return nil, fmt.Errorf("projection %s: no sources", p.Name)
	}
	seen := map[string]bool{}
	for _, s := range p.Sources {
		if !namePattern.MatchString(s.Service) || seen[s.Service] {
			return nil, fmt.Errorf("projection %s: bad or repeated source service %q", p.Name, s.Service)
		}
		seen[s.Service] = true
	}
	if p.Setup == nil || p.Apply == nil {
		return nil, fmt.Errorf("projection %s: Setup and Apply are required", p.Name)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.FetchWait <= 0 {
		opts.FetchWait = DefaultFetchWait
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = DefaultRetryBackoff
	}
	if opts.AckWait <= 0 {
		opts.AckWait = DefaultAckWait
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Meter == nil {
		opts.Meter = otel.GetMeterProvider().Meter(instrumentation)
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = otel.GetTracerProvider()
	}
	r := &Runner{
		pool: pool, js: js, p: p, opts: opts,
		log:      opts.Logger.With("projection", p.Name),
		tracer:   opts.TracerProvider.Tracer(instrumentation),
		attrs:    metric.WithAttributes(attribute.String("projection", p.Name)),
		applied:  make(chan struct{}),
		switched: make(chan struct{}, 1),
	}
	var err error
	m := opts.Meter
	if r.m.applied, err = m.Int64Counter("doudi.projection.applied", metric.WithDescription("Events applied to a projection.")); err != nil {
		return nil, err
	}
	if r.m.parked, err = m.Int64Counter("doudi.projection.parked", metric.WithDescription("Events parked after failed attempts or behind a parked event.")); err != nil {
		return nil, err
	}
	if r.m.gaps, err = m.Int64Counter("doudi.projection.gaps", metric.WithDescription("Events put back because an earlier event of their aggregate had not arrived.")); err != nil {
		return nil, err
	}
	if r.m.duration, err = m.Float64Histogram("doudi.projection.batch.duration", metric.WithUnit("s"), metric.WithDescription("Time to apply and commit one batch.")); err != nil {
		return nil, err
	}
	if r.m.lag, err = m.Float64Gauge("doudi.projection.lag", metric.WithUnit("s"), metric.WithDescription("Now minus the recorded time of the last event applied.")); err != nil {
		return nil, err
	}
	return r, nil
}

// Name is the projection's name.
func (r *Runner) Name() string { return r.p.Name }

// ensure runs the migrations and creates generation 1 when the projection has
// no generation yet, so that queries work before the runner first runs.
func (r *Runner) ensure(ctx context.Context) error {
	r.initMu.Lock()
	defer r.initMu.Unlock()
	if r.base != "" {
		return nil
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	if err := migrate.Up(ctx, r.pool, "projection", sub); err != nil {
		return err
	}
	var database string
	if err := r.pool.QueryRow(ctx, `SELECT current_schema(), current_database()`).Scan(&r.base, &database); err != nil {
		return fmt.Errorf("projection %s: %w", r.p.Name, err)
	}
	r.owner = consumerToken(database)
	if r.base != "public" {
		r.owner += "_" + consumerToken(r.base)
	}
	base := r.base
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		// Replicas starting together must not both create generation 1.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('doudi.projection.init.' || current_schema() || '.' || $1, 0))`, r.p.Name); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projection_state WHERE name = $1)`, r.p.Name).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		schema := r.schemaOf(1)
		if err := r.createGeneration(ctx, tx, schema, false); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+pgx.Identifier{base, "projection_state"}.Sanitize()+
			` (name, active_schema, generation) VALUES ($1, $2, 1)`, r.p.Name, schema)
		return err
	})
	if err != nil {
		r.base = ""
		return fmt.Errorf("projection %s: initialise: %w", r.p.Name, err)
	}
	return nil
}

// schemaOf names a generation's schema: "<name>_g<N>", prefixed with the
// runner's own schema unless that is public. Schemas are per database, and
// the prefix keeps projections run from different schemas of one database
// (tests, each in its own schema) apart.
func (r *Runner) schemaOf(gen int64) string {
	if r.base == "public" {
		return fmt.Sprintf("%s_g%d", r.p.Name, gen)
	}
	return fmt.Sprintf("%s_%s_g%d", r.base, r.p.Name, gen)
}

func (r *Runner) consumerName(gen int64, service string) string {
	return fmt.Sprintf("%s_%s_g%d_%s", r.owner, r.p.Name, gen, service)
}

// consumerToken keeps what a JetStream consumer name may hold.
func consumerToken(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			return c
		}
		return '_'
	}, s)
}

func (r *Runner) table(name string) string { return pgx.Identifier{r.base, name}.Sanitize() }

// createGeneration makes a fresh schema with the checkpoint tables and the
// projection's own, in tx. replace drops a leftover schema of that name (a
// rebuild that stopped half-way); otherwise an existing schema is an error:
// generation schemas are per database, so it may belong to a projection of
// the same name run from another schema.
func (r *Runner) createGeneration(ctx context.Context, tx pgx.Tx, schema string, replace bool) error {
	id := pgx.Identifier{schema}.Sanitize()
	if replace {
		if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+id+` CASCADE`); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA `+id+`;
		SET LOCAL search_path TO `+id+`;
		-- blocked_from is the first version parked: that version and the ones
		-- after it are parked too, never applied out of order.
		CREATE TABLE applied_versions (
			source       text   NOT NULL,
			stream_id    text   NOT NULL,
			version      bigint NOT NULL,
			blocked_from bigint,
			PRIMARY KEY (source, stream_id));
		CREATE TABLE source_positions (
			source     text   PRIMARY KEY,
			stream_seq bigint NOT NULL)`); err != nil {
		return err
	}
	if err := r.p.Setup(ctx, tx); err != nil {
		return fmt.Errorf("setup %s: %w", schema, err)
	}
	return nil
}

// generation is one generation's schema and consumers, index-aligned with the
// projection's sources.
type generation struct {
	n         int64
	schema    string
	consumers []jetstream.Consumer
}

// state reads the live generation.
func (r *Runner) state(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int64, string, error) {
	var gen int64
	var schema string
	err := q.QueryRow(ctx, `SELECT generation, active_schema FROM `+r.table("projection_state")+` WHERE name = $1`, r.p.Name).
		Scan(&gen, &schema)
	if err != nil {
		return 0, "", fmt.Errorf("projection %s: read state: %w", r.p.Name, err)
	}
	return gen, schema, nil
}

// ActiveSchema is the schema of the live generation; query code qualifies
// its tables with it: pgx.Identifier{schema, "table"}.Sanitize().
func (r *Runner) ActiveSchema(ctx context.Context) (string, error) {
	if err := r.ensure(ctx); err != nil {
		return "", err
	}
	_, schema, err := r.state(ctx, r.pool)
	return schema, err
}

// openGeneration creates (or finds) the generation's durable consumers. A
// source stream that does not exist yet is waited for: the owning service
// creates it when its relay starts.
func (r *Runner) openGeneration(ctx context.Context, n int64) (*generation, error) {
	g := &generation{n: n, schema: r.schemaOf(n)}
	for _, s := range r.p.Sources {
		cfg := jetstream.ConsumerConfig{
			Durable:       r.consumerName(n, s.Service),
			Description:   fmt.Sprintf("projection %s generation %d", r.p.Name, n),
			DeliverPolicy: jetstream.DeliverAllPolicy,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       r.opts.AckWait,
			// Room for a batch being applied, the next one fetched, and
			// events put back for a gap.
			MaxAckPending: max(4*r.opts.BatchSize, 1000),
		}
		for attempt := 0; ; attempt++ {
			c, err := r.js.CreateOrUpdateConsumer(ctx, wire.StreamName(s.Service), cfg)
			if err == nil {
				g.consumers = append(g.consumers, c)
				break
			}
			if !errors.Is(err, jetstream.ErrStreamNotFound) {
				return nil, fmt.Errorf("projection %s: consumer %s: %w", r.p.Name, cfg.Durable, err)
			}
			if attempt%20 == 0 {
				r.log.Info("waiting for source stream", "stream", wire.StreamName(s.Service))
			}
			if err := sleep(ctx, 500*time.Millisecond); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

// dropGeneration deletes a generation's consumers and schema. Missing ones
// are fine: it is repeated after a crash.
func (r *Runner) dropGeneration(ctx context.Context, n int64) error {
	for _, s := range r.p.Sources {
		err := r.js.DeleteConsumer(ctx, wire.StreamName(s.Service), r.consumerName(n, s.Service))
		if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("projection %s: delete consumer: %w", r.p.Name, err)
		}
	}
	if _, err := r.pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{r.schemaOf(n)}.Sanitize()+` CASCADE`); err != nil {
		return fmt.Errorf("projection %s: drop generation %d: %w", r.p.Name, n, err)
	}
	return nil
}

// Run applies events while this replica holds the projection's leadership,
// and stands by otherwise. It returns when ctx ends; other errors are logged
// and retried.
func (r *Runner) Run(ctx context.Context) error {
	backoff := r.opts.RetryBackoff
	for {
		err := r.ensure(ctx)
		if err == nil {
			err = r.lead(ctx)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errStopped) {
			return err
		}
		r.log.Error("projection runner failed; retrying", "err", err)
		if err := sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(2*backoff, maxRetryBackoff)
	}
}

// errStopped is returned when a test hook simulates a crash.
var errStopped = errors.New("projection: runner stopped by hook")

// errSwitched means the live generation changed under the runner.
var errSwitched = errors.New("projection: generation switched")

func (r *Runner) lead(ctx context.Context) error {
	lock, err := leader.Campaign(ctx, r.pool, "projection."+r.p.Name, campaignInterval)
	if err != nil {
		return err
	}
	defer lock.Release()
	r.log.Info("projection runner active")
	for {
		n, _, err := r.state(ctx, lock.Conn())
		if err != nil {
			return err
		}
		if n > 1 {
			// Finish the cleanup of a rebuild that stopped after its switch.
			if err := r.dropGeneration(ctx, n-1); err != nil {
				r.log.Warn("cleanup of the previous generation failed", "err", err)
			}
		}
		g, err := r.openGeneration(ctx, n)
		if err != nil {
			return err
		}
		err = r.runGeneration(ctx, lock.Conn().Conn(), g)
		if !errors.Is(err, errSwitched) {
			return err
		}
		r.log.Info("moving to the new generation")
	}
}

// fetched is a batch from one source.
type fetched struct {
	src  int
	msgs []jetstream.Msg
}

// runGeneration applies batches of g until ctx ends, an error, or a switch
// to another generation. Each source has a fetcher, so that an idle source
// does not hold up a busy one; batches are applied one at a time on conn
// (the leadership connection: a runner that lost its lock cannot commit).
func (r *Runner) runGeneration(ctx context.Context, conn *pgx.Conn, g *generation) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	batches := make(chan fetched)
	for i, c := range g.consumers {
		wg.Go(func() { r.fetchLoop(ctx, i, c, batches) })
	}
	tick := time.NewTicker(stateCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b := <-batches:
			// The batch's transaction checks the generation itself.
			if err := r.processBatch(ctx, conn, g, b, true); err != nil {
				return err
			}
			continue
		case <-tick.C:
		case <-r.switched:
		}
		// A rebuild on any replica may have switched generations while this
		// one was idle.
		if n, _, err := r.state(ctx, conn); err != nil {
			return err
		} else if n != g.n {
			return errSwitched
		}
	}
}

// fetchLoop hands batches of one consumer to the applier. It takes what is
// there at once (FetchNoWait) and, when nothing is, waits for the first
// message only, so that a lone event is applied without waiting for a full
// batch.
func (r *Runner) fetchLoop(ctx context.Context, src int, c jetstream.Consumer, out chan<- fetched) {
	failures := 0
	for ctx.Err() == nil {
		msgs, err := r.fetch(ctx, c)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 || failures%50 == 0 {
				r.log.Warn("fetch failed", "source", r.p.Sources[src].Service, "err", err)
			}
			_ = sleep(ctx, min(r.opts.RetryBackoff<<min(failures, 7), maxRetryBackoff))
			continue
		}
		failures = 0
		if len(msgs) == 0 {
			continue
		}
		select {
		case out <- fetched{src: src, msgs: msgs}:
		case <-ctx.Done():
			// Hand them back now rather than after AckWait.
			for _, m := range msgs {
				_ = m.Nak()
			}
			return
		}
	}
}

func (r *Runner) fetch(ctx context.Context, c jetstream.Consumer) ([]jetstream.Msg, error) {
	msgs, err := collect(c.FetchNoWait(r.opts.BatchSize))
	if err != nil || len(msgs) > 0 {
		return msgs, err
	}
	wctx, cancel := context.WithTimeout(ctx, r.opts.FetchWait)
	defer cancel()
	msgs, err = collect(c.Fetch(1, jetstream.FetchContext(wctx)))
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		err = nil // an idle wait that ran out
	}
	return msgs, err
}

func collect(b jetstream.MessageBatch, err error) ([]jetstream.Msg, error) {
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	// Messages received before an error are still good to apply.
	if err := b.Error(); err != nil && len(msgs) == 0 && !errors.Is(err, jetstream.ErrNoMessages) {
		return nil, err
	}
	return msgs, nil
}

// notifyApplied wakes WaitFor callers in this process.
func (r *Runner) notifyApplied() {
	r.mu.Lock()
	close(r.applied)
	r.applied = make(chan struct{})
	r.mu.Unlock()
}

func (r *Runner) appliedSignal() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
