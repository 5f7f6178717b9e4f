// Package relay is the outbox relay: it publishes a service's committed events
// from its PostgreSQL event store to the service's JetStream stream.
//
// One replica leads (a PostgreSQL advisory lock); the others stand by and take
// over when the leader's connection goes. The leader reads events in
// commit-safe order after its cursor, publishes a batch asynchronously with
// Nats-Msg-Id = event id, waits for every acknowledgement, and only then
// advances its cursor, on the connection that holds the lock. A crash anywhere
// therefore re-publishes at most the batch in flight, and JetStream's duplicate
// window drops the repeats: nothing is lost, nothing is stored twice.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/leader"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// Defaults for Options.
const (
	DefaultName         = "relay"
	DefaultBatchSize    = 1000
	DefaultPollInterval = 100 * time.Millisecond
	DefaultStandbyRetry = time.Second
	DefaultMaxBackoff   = 5 * time.Second
	DefaultAckTimeout   = 10 * time.Second
	minBackoff          = 50 * time.Millisecond
	republishAttempts   = 8
)

// Options configure a Relay.
type Options struct {
	// Service names the service whose events are relayed, e.g. "visits".
	// Required.
	Service string
	// Name is the cursor's and the leader lock's name (default "relay").
	Name string
	// BatchSize is how many events are published before one cursor update
	// (default 1000).
	BatchSize int
	// PollInterval is how often the store is read when no append in this
	// process woke the relay (default 100ms): other replicas append too.
	PollInterval time.Duration
	// StandbyRetry is how often a standby tries to take the lock (default 1s).
	StandbyRetry time.Duration
	// MaxBackoff caps the wait between failed publishes (default 5s).
	MaxBackoff time.Duration
	// AckTimeout bounds the wait for a batch's acknowledgements (default
	// 10s); a batch not fully acknowledged by then is published again.
	AckTimeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Meter defaults to the global meter provider's.
	Meter metric.Meter

	// afterPublish runs after a batch is acknowledged and before the cursor
	// moves; tests use it to simulate a crash there (export_test.go).
	afterPublish func(batch int) error
}

// Relay publishes one service's events.
type Relay struct {
	store *eventstore.Store
	pub   publisher
	opts  Options
	log   *slog.Logger

	leading       atomic.Bool
	cursor        atomic.Int64 // position of the cursor when leading
	lastPublished atomic.Int64 // unix nanoseconds
	published     atomic.Int64
	errorsTotal   atomic.Int64

	publishedCounter metric.Int64Counter
	errorsCounter    metric.Int64Counter
	lag              metric.Float64Histogram
	backlog          metric.Int64ObservableGauge
	attrs            metric.MeasurementOption
	meter            metric.Meter

	runMu sync.Mutex // one Run at a time: the store's wake-up channel has one receiver
}

// New returns a relay for store's events onto js.
func New(store *eventstore.Store, js jetstream.JetStream, opts Options) (*Relay, error) {
	if store == nil || js == nil {
		return nil, errors.New("relay: a store and a JetStream context are required")
	}
	if opts.Service == "" {
		return nil, errors.New("relay: Options.Service is required")
	}
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.StandbyRetry <= 0 {
		opts.StandbyRetry = DefaultStandbyRetry
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = DefaultAckTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Meter == nil {
		opts.Meter = otel.Meter("github.com/doudi-platform/doudi/services/platform/relay")
	}
	r := &Relay{
		store: store,
		pub:   publisher{js: js, service: opts.Service, ackTimeout: opts.AckTimeout},
		opts:  opts,
		log:   opts.Logger.With("service", opts.Service, "relay", opts.Name),
		meter: opts.Meter,
		attrs: metric.WithAttributeSet(attribute.NewSet(attribute.String("service", opts.Service))),
	}
	var errs []error
	var err error
	r.publishedCounter, err = opts.Meter.Int64Counter("doudi.relay.published",
		metric.WithDescription("Events published to JetStream and acknowledged."), metric.WithUnit("{event}"))
	errs = append(errs, err)
	r.errorsCounter, err = opts.Meter.Int64Counter("doudi.relay.errors",
		metric.WithDescription("Failed publish attempts and lost store connections."), metric.WithUnit("{error}"))
	errs = append(errs, err)
	r.lag, err = opts.Meter.Float64Histogram("doudi.relay.lag",
		metric.WithDescription("Time from an event's recording to its publish acknowledgement."), metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
	errs = append(errs, err)
	r.backlog, err = opts.Meter.Int64ObservableGauge("doudi.relay.backlog",
		metric.WithDescription("Committed events not yet published (head position - cursor position; approximate)."),
		metric.WithUnit("{event}"))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("relay: metrics: %w", err)
	}
	return r, nil
}

// Run relays until ctx ends, leading when it holds the lock and standing by
// otherwise. It returns nil when ctx ends; the batch in flight then is
// abandoned without moving the cursor, so the next leader publishes it again.
func (r *Relay) Run(ctx context.Context) error {
	if !r.runMu.TryLock() {
		return errors.New("relay: Run is already running")
	}
	defer r.runMu.Unlock()
	reg, err := r.meter.RegisterCallback(r.observeBacklog, r.backlog)
	if err != nil {
		return fmt.Errorf("relay: metrics: %w", err)
	}
	defer reg.Unregister()

	pool := r.store.Pool()
	var wait backoff
	for {
		lock, err := leader.Campaign(ctx, pool, r.opts.Name, r.opts.StandbyRetry)
		if err != nil {
			return nil // Campaign only fails when ctx ends.
		}
		r.log.Info("relay leads")
		r.leading.Store(true)
		err = r.lead(ctx, lock)
		r.leading.Store(false)
		lock.Release()
		switch {
		case ctx.Err() != nil:
			r.log.Info("relay stopped")
			return nil
		case errors.Is(err, errHook):
			return err
		}
		// The leader's connection broke (or the store failed): the lock went
		// with it, so campaign again like any standby.
		r.errorsTotal.Add(1)
		r.errorsCounter.Add(context.Background(), 1, r.attrs)
		r.log.Warn("relay lost leadership", "err", err)
		if !wait.sleep(ctx, r.opts.MaxBackoff) {
			return nil
		}
	}
}

// errHook marks an error returned by the test hook: Run returns it as a crash.
var errHook = errors.New("relay: stopped by test hook")

// lead publishes while it holds lock; it returns when ctx ends or the
// connection that holds the lock fails.
//
// The next batch is read while the broker acknowledges the current one, but
// it is sent only once every event before it was acknowledged: a batch that
// fails is published again from the cursor before anything after it.
func (r *Relay) lead(ctx context.Context, lock *leader.Lock) error {
	conn := lock.Conn()
	cursor, err := loadCursor(ctx, conn, r.opts.Name)
	if err != nil {
		return err
	}
	r.cursor.Store(int64(cursor.Position))
	poll := time.NewTimer(r.opts.PollInterval)
	defer poll.Stop()
	var wait backoff
	var woken wake
	var batch []eventstore.Recorded
	fresh := false // batch was read after the cursor and is not yet sent
	for {
		if ctx.Err() != nil {
			return nil
		}
		if !fresh {
			if batch, err = eventstore.ReadCommitted(ctx, conn, cursor, r.opts.BatchSize); err != nil {
				return err
			}
		}
		fresh = false
		if len(batch) == 0 {
			poll.Reset(woken.delay(r.opts.PollInterval))
			select {
			case <-ctx.Done():
				return nil
			case <-r.store.Appended():
				woken.set()
			case <-poll.C:
			}
			continue
		}
		woken.clear()

		inflight := r.pub.send(batch)
		last := batch[len(batch)-1]
		next := eventstore.Cursor{TxID: last.TxID, Position: last.Position}
		var ahead []eventstore.Recorded
		var aheadErr error
		if inflight.sendErr == nil {
			ahead, aheadErr = eventstore.ReadCommitted(ctx, conn, next, r.opts.BatchSize)
		}
		if _, err := inflight.wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Keep the acknowledged prefix: the retry then starts at the
			// first failed event, which carries no chain expectation. (If it
			// named an event acknowledged as a duplicate, and anything else had
			// been stored meanwhile — a republish — it could never match.)
			if k := inflight.acked; k > 0 {
				prefix := eventstore.Cursor{TxID: batch[k-1].TxID, Position: batch[k-1].Position}
				saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				serr := saveCursor(saveCtx, conn, r.opts.Name, prefix)
				cancel()
				if serr != nil {
					return serr
				}
				cursor = prefix
				r.cursor.Store(int64(prefix.Position))
				r.published.Add(int64(k))
				r.publishedCounter.Add(ctx, int64(k), r.attrs)
			}
			r.errorsTotal.Add(1)
			r.errorsCounter.Add(ctx, 1, r.attrs)
			r.log.Warn("relay publish failed; retrying the batch", "events", len(batch), "err", err)
			if !wait.sleep(ctx, r.opts.MaxBackoff) {
				return nil
			}
			continue
		}
		wait.reset()
		acked := time.Now()
		if hook := r.opts.afterPublish; hook != nil {
			if err := hook(len(batch)); err != nil {
				return fmt.Errorf("%w: %w", errHook, err)
			}
		}

		// Every event is acknowledged: record that even if ctx ended meanwhile,
		// so a clean stop does not re-publish the batch.
		saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = saveCursor(saveCtx, conn, r.opts.Name, next)
		cancel()
		if err != nil {
			return err
		}
		cursor = next
		r.cursor.Store(int64(next.Position))
		r.published.Add(int64(len(batch)))
		r.lastPublished.Store(acked.UnixNano())
		r.publishedCounter.Add(ctx, int64(len(batch)), r.attrs)
		for i := range batch {
			r.lag.Record(ctx, acked.Sub(batch[i].RecordedAt).Seconds(), r.attrs)
		}
		if aheadErr != nil {
			if ctx.Err() != nil {
				return nil
			}
			return aheadErr
		}
		batch, fresh = ahead, true
	}
}

// wake paces reads after this process appended but the read found nothing:
// another transaction of this database still holds the commit horizon back. Re-reading soon, backing
// off from 1ms to 100ms steps for up to a second, keeps the idle lag near the
// blocker's length instead of a whole poll interval.
type wake struct{ next, spent time.Duration }

const (
	eagerStep = 100 * time.Millisecond
	eagerFor  = time.Second
)

func (w *wake) set()   { w.next, w.spent = time.Millisecond, 0 }
func (w *wake) clear() { w.next = 0 }

func (w *wake) delay(poll time.Duration) time.Duration {
	if w.next == 0 {
		return poll
	}
	d := min(w.next, eagerStep, poll)
	w.spent += d
	w.next *= 2
	if w.spent >= eagerFor {
		w.next = 0
	}
	return d
}

func loadCursor(ctx context.Context, conn *pgxpool.Conn, name string) (eventstore.Cursor, error) {
	if _, err := conn.Exec(ctx, `INSERT INTO relay_cursor (name, txid, position) VALUES ($1, '0', 0)
		ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return eventstore.Cursor{}, fmt.Errorf("relay: create cursor %q: %w", name, err)
	}
	var txid string
	var pos int64
	if err := conn.QueryRow(ctx, `SELECT txid::text, position FROM relay_cursor WHERE name = $1`, name).Scan(&txid, &pos); err != nil {
		return eventstore.Cursor{}, fmt.Errorf("relay: read cursor %q: %w", name, err)
	}
	tx, err := strconv.ParseUint(txid, 10, 64)
	if err != nil {
		return eventstore.Cursor{}, fmt.Errorf("relay: cursor %q: txid %q: %w", name, txid, err)
	}
	return eventstore.Cursor{TxID: tx, Position: eventstore.Position(pos)}, nil
}

func saveCursor(ctx context.Context, conn *pgxpool.Conn, name string, c eventstore.Cursor) error {
	tag, err := conn.Exec(ctx, `UPDATE relay_cursor SET txid = $2::text::xid8, position = $3, updated_at = now()
		WHERE name = $1`, name, strconv.FormatUint(c.TxID, 10), int64(c.Position))
	if err != nil {
		return fmt.Errorf("relay: advance cursor %q: %w", name, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("relay: cursor %q vanished", name)
	}
	return nil
}

// Status is the relay's state as this replica sees it.
type Status struct {
	Service string
	// Leader is true when this replica holds the lock and publishes.
	Leader bool
	// CursorPosition is the position of the last event published and
	// acknowledged (by whichever replica leads).
	CursorPosition eventstore.Position
	// HeadPosition is the highest position written.
	HeadPosition eventstore.Position
	// Backlog is HeadPosition - CursorPosition: approximate, because
	// positions are allocated in insert order, not commit order, and rolled
	// back transactions leave gaps.
	Backlog int64
	// LastPublished is when this replica last had an event acknowledged;
	// zero if never.
	LastPublished time.Time
	// PublishedTotal and ErrorsTotal count since this replica started.
	PublishedTotal int64
	ErrorsTotal    int64
}

// Status reports the relay's state. The cursor is read from the database
// when this replica does not lead, so a standby shows the leader's progress.
func (r *Relay) Status(ctx context.Context) (Status, error) {
	s := Status{
		Service:        r.opts.Service,
		Leader:         r.leading.Load(),
		PublishedTotal: r.published.Load(),
		ErrorsTotal:    r.errorsTotal.Load(),
	}
	if ns := r.lastPublished.Load(); ns != 0 {
		s.LastPublished = time.Unix(0, ns)
	}
	pool := r.store.Pool()
	if s.Leader {
		s.CursorPosition = eventstore.Position(r.cursor.Load())
	} else {
		var pos int64
		err := pool.QueryRow(ctx, `SELECT position FROM relay_cursor WHERE name = $1`, r.opts.Name).Scan(&pos)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return s, fmt.Errorf("relay: status: %w", err)
		}
		s.CursorPosition = eventstore.Position(pos)
	}
	head, err := eventstore.HeadPosition(ctx, pool)
	if err != nil {
		return s, fmt.Errorf("relay: status: %w", err)
	}
	s.HeadPosition = head
	s.Backlog = max(int64(head-s.CursorPosition), 0)
	return s, nil
}

func (r *Relay) observeBacklog(ctx context.Context, o metric.Observer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := r.Status(ctx)
	if err != nil {
		return err
	}
	o.ObserveInt64(r.backlog, s.Backlog, r.attrs)
	return nil
}

// Republish publishes again every committed event at or after position from,
// in commit-safe order and in batches, waiting for each batch's
// acknowledgements. It leaves the relay's cursor alone: it repairs a stream
// after the broker lost data, alongside the running relay. It returns how
// many events the broker acknowledged; those still in the stream's duplicate
// window are acknowledged as duplicates and not stored again.
func Republish(ctx context.Context, store *eventstore.Store, js jetstream.JetStream, service string, from eventstore.Position) (int64, error) {
	pub := publisher{js: js, service: service, ackTimeout: DefaultAckTimeout}
	var after eventstore.Cursor
	var n, dups int64
	for {
		batch, err := eventstore.ReadFrom(ctx, store.Pool(), from, after, DefaultBatchSize)
		if err != nil {
			return n, fmt.Errorf("relay: republish: %w", err)
		}
		if len(batch) == 0 {
			if dups > 0 {
				slog.Default().Warn("relay: republish: the broker dropped events still in its duplicate window as duplicates",
					"service", service, "published", n, "duplicates", dups)
			}
			return n, nil
		}
		// The broker may just be back from the outage being repaired: retry a
		// batch a few times before giving up.
		var wait backoff
		for attempt := 1; ; attempt++ {
			d, err := pub.publishCounting(ctx, batch)
			if err == nil {
				dups += d
				break
			}
			if attempt == republishAttempts || !wait.sleep(ctx, DefaultMaxBackoff) {
				return n, fmt.Errorf("relay: republish from %d: %w", from, err)
			}
		}
		n += int64(len(batch))
		last := batch[len(batch)-1]
		after = eventstore.Cursor{TxID: last.TxID, Position: last.Position}
	}
}

// publisher sends batches of events and waits for their acknowledgements.
type publisher struct {
	js         jetstream.JetStream
	service    string
	ackTimeout time.Duration
}

// errNotConnected stops a batch while the client is (re)connecting.
var errNotConnected = errors.New("relay: not connected to NATS")

// publishCounting publishes batch and waits for every acknowledgement; it
// returns how many were duplicates.
// A repair runs beside the live relay, so it does not chain its events.
func (p *publisher) publishCounting(ctx context.Context, batch []eventstore.Recorded) (int64, error) {
	return p.sendChained(batch, false).wait(ctx)
}

// inflight is a sent batch awaiting its acknowledgements.
type inflight struct {
	p       *publisher
	batch   []eventstore.Recorded
	futures []jetstream.PubAckFuture
	sendErr error
	// acked counts the batch's leading events that were acknowledged before
	// the first failure: those are in the stream, in order.
	acked int
}

// send publishes batch asynchronously, stopping at the first failure.
//
// Each event after the first names the one before it as the stream's
// expected last message id. Publishes are pipelined, so when one is lost
// (its connection dropped) a later one could otherwise be stored before it
// and break per-stream order; with the chain, JetStream refuses every event
// after the lost one, and the batch is published again in order. Duplicates
// are checked before the expectation, so events a failed attempt did store
// are acknowledged as duplicates on the retry and the chain continues. The
// first event needs no expectation: everything before it was acknowledged.
func (p *publisher) send(batch []eventstore.Recorded) *inflight {
	return p.sendChained(batch, true)
}

func (p *publisher) sendChained(batch []eventstore.Recorded, chain bool) *inflight {
	nc := p.js.Conn()
	f := &inflight{p: p, batch: batch, futures: make([]jetstream.PubAckFuture, 0, len(batch))}
	for i := range batch {
		// While the client reconnects, a publish would wait in its reconnect
		// buffer and could be stored after an earlier event of the same stream
		// that was lost with the old connection. Stop instead; the batch is
		// published again, in order, once connected.
		if nc != nil && nc.Status() != nats.CONNECTED {
			f.sendErr = errNotConnected
			break
		}
		msg := wire.Encode(p.service, batch[i])
		opts := []jetstream.PublishOpt{jetstream.WithMsgID(batch[i].ID.String()), jetstream.WithStallWait(p.ackTimeout)}
		if chain && i > 0 {
			opts = append(opts, jetstream.WithExpectLastMsgID(batch[i-1].ID.String()))
		}
		paf, err := p.js.PublishMsgAsync(msg, opts...)
		if err != nil {
			f.sendErr = fmt.Errorf("relay: publish event %s: %w", batch[i].ID, err)
			break
		}
		f.futures = append(f.futures, paf)
	}
	return f
}

// wait waits for the acknowledgement of everything sent, even after a send
// error, so that the error reported is the first in order; it returns how
// many were duplicates. It waits on each future rather than on
// PublishAsyncComplete, which covers every async publish of the JetStream
// context, not just this batch's.
func (f *inflight) wait(ctx context.Context) (int64, error) {
	timeout := time.NewTimer(f.p.ackTimeout)
	defer timeout.Stop()
	var dups int64
	var ackErr error
	for i, paf := range f.futures {
		ev := &f.batch[i]
		select {
		case ack := <-paf.Ok():
			if ack.Duplicate {
				dups++
			}
			if ackErr == nil {
				f.acked = i + 1
			}
		case err := <-paf.Err():
			if ackErr == nil {
				ackErr = fmt.Errorf("relay: publish event %s: %w", ev.ID, err)
			}
		case <-timeout.C:
			return dups, fmt.Errorf("relay: %d of %d acknowledgements missing after %s", len(f.futures)-i, len(f.futures), f.p.ackTimeout)
		case <-ctx.Done():
			return dups, ctx.Err()
		}
	}
	if ackErr != nil {
		return dups, ackErr
	}
	return dups, f.sendErr
}

// backoff is a bounded exponential wait, from minBackoff doubling to a cap.
type backoff struct{ next time.Duration }

func (b *backoff) reset() { b.next = 0 }

// sleep waits the next interval; false when ctx ended first.
func (b *backoff) sleep(ctx context.Context, limit time.Duration) bool {
	if b.next == 0 {
		b.next = minBackoff
	}
	d := min(b.next, limit)
	b.next = min(b.next*2, limit)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
