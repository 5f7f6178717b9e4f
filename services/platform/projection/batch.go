package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/doudi-platform/doudi/services/platform/wire"
)

// item is one fetched message, decoded once for all attempts at its batch.
type item struct {
	msg       jetstream.Msg
	seq       uint64
	delivered uint64
	ev        wire.Event
	err       error // the message could not be decoded
}

// outcome says what to do with a message once its batch has committed.
type outcome uint8

const (
	ack outcome = iota
	// putBack: an earlier event of the aggregate has not been applied yet;
	// the message is handed back (Nak with delay) to come again later.
	putBack
)

type batchResult struct {
	outcomes     []outcome
	applied      int64
	parked       int64
	gaps         int64
	lastRecorded time.Time
}

// errCareful aborts the fast path (no savepoints) when a handler fails; the
// batch is then applied again with a savepoint per event.
var errCareful = errors.New("projection: handler failed; redo the batch with savepoints")

func decode(msgs []jetstream.Msg) []item {
	items := make([]item, len(msgs))
	for i, m := range msgs {
		it := item{msg: m}
		if md, err := m.Metadata(); err == nil {
			it.seq, it.delivered = md.Sequence.Stream, md.NumDelivered
		}
		it.ev, it.err = wire.DecodeParts(m.Subject(), m.Headers(), m.Data())
		items[i] = it
	}
	return items
}

// processBatch applies one fetched batch of g in one transaction, then acks.
// If anything fails before the commit nothing is acked: the messages are
// handed back and come again. live is set for the live generation (see
// applyBatch).
func (r *Runner) processBatch(ctx context.Context, conn *pgx.Conn, g *generation, b fetched, live bool) error {
	start := time.Now()
	items := decode(b.msgs)
	var res *batchResult
	err := r.inTx(ctx, conn, func(tx pgx.Tx, careful bool) (err error) {
		res, err = r.applyBatch(ctx, tx, g, b.src, items, careful, live)
		return err
	})
	if err != nil {
		for _, it := range items {
			_ = it.msg.NakWithDelay(r.opts.RetryBackoff)
		}
		return err
	}
	if r.afterCommit != nil {
		if err := r.afterCommit(); err != nil {
			return fmt.Errorf("%w: %v", errStopped, err)
		}
	}
	r.finish(items, res, b.src, start)
	return nil
}

// inTx runs fn in a transaction on conn, first without savepoints (fast),
// and once more with a savepoint per event if a handler failed.
func (r *Runner) inTx(ctx context.Context, conn *pgx.Conn, fn func(tx pgx.Tx, careful bool) error) error {
	for _, careful := range []bool{false, true} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("projection %s: begin: %w", r.p.Name, err)
		}
		err = fn(tx, careful)
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			if errors.Is(err, errCareful) && !careful {
				continue
			}
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("projection %s: commit: %w", r.p.Name, err)
		}
		return nil
	}
	return errCareful // not reached: the careful pass never returns errCareful
}

// finish acks (or hands back) the messages of a committed batch, wakes
// waiters and records metrics.
func (r *Runner) finish(items []item, res *batchResult, src int, start time.Time) {
	for i, it := range items {
		if res.outcomes[i] == putBack {
			_ = it.msg.NakWithDelay(r.gapDelay(it.delivered))
		} else {
			_ = it.msg.Ack()
		}
	}
	r.notifyApplied()
	ctx := context.Background()
	attrs := metric.WithAttributes(attribute.String("projection", r.p.Name), attribute.String("source", r.p.Sources[src].Service))
	r.m.duration.Record(ctx, time.Since(start).Seconds(), attrs)
	if res.applied > 0 {
		r.m.applied.Add(ctx, res.applied, attrs)
	}
	if res.parked > 0 {
		r.m.parked.Add(ctx, res.parked, attrs)
	}
	if res.gaps > 0 {
		r.m.gaps.Add(ctx, res.gaps, attrs)
		r.log.Warn("events put back: an earlier event of their aggregate has not been applied yet",
			"source", r.p.Sources[src].Service, "count", res.gaps)
	}
	if !res.lastRecorded.IsZero() {
		r.m.lag.Record(ctx, time.Since(res.lastRecorded).Seconds(), attrs)
	}
}

// gapDelay grows with each delivery so that an event waiting for a missing
// predecessor does not spin.
func (r *Runner) gapDelay(delivered uint64) time.Duration {
	d := r.opts.RetryBackoff << min(max(delivered, 1)-1, 20)
	return min(d, maxGapDelay)
}

// checkpoint is an aggregate's applied version in the generation.
type checkpoint struct {
	version int64
	blocked int64 // first parked version; 0 when not blocked
	dirty   bool
}

type parkedRow struct {
	it       *item
	err      string
	attempts int
}

// applyBatch applies items (all from source src) in tx and writes the
// checkpoints. With live set it first takes a share lock on the projection's
// state row, so that a rebuild's switch (which locks it for update) waits
// for this batch and this batch sees a switch that committed before it.
func (r *Runner) applyBatch(ctx context.Context, tx pgx.Tx, g *generation, src int, items []item, careful, live bool) (*batchResult, error) {
	source := r.p.Sources[src].Service
	if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+pgx.Identifier{g.schema}.Sanitize()); err != nil {
		return nil, err
	}
	if live {
		var n int64
		err := tx.QueryRow(ctx, `SELECT generation FROM `+r.table("projection_state")+` WHERE name = $1 FOR SHARE`, r.p.Name).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n != g.n {
			return nil, errSwitched
		}
	}

	cps := map[string]*checkpoint{}
	var streams []string
	for _, it := range items {
		if it.err == nil {
			if _, ok := cps[string(it.ev.StreamID)]; !ok {
				cps[string(it.ev.StreamID)] = &checkpoint{}
				streams = append(streams, string(it.ev.StreamID))
			}
		}
	}
	// One primary-key probe per stream, whatever the planner believes of
	// the table: with "stream_id = ANY($2)" and statistics that lag behind a
	// fast-growing table (a fresh generation, a rebuild, autovacuum late or
	// off), PostgreSQL chose to read every checkpoint of the source and
	// filter, a cost that grew with the view (13 ms a batch at 16,000
	// persons). The LIMIT keeps the subquery a per-row probe.
	rows, err := tx.Query(ctx, `SELECT a.stream_id, a.version, a.blocked
		FROM unnest($2::text[]) AS s(id)
		CROSS JOIN LATERAL (SELECT stream_id, version, coalesce(blocked_from, 0) AS blocked
		    FROM applied_versions WHERE source = $1 AND stream_id = s.id LIMIT 1) a`, source, streams)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s string
		var c checkpoint
		if err := rows.Scan(&s, &c.version, &c.blocked); err != nil {
			rows.Close()
			return nil, err
		}
		*cps[s] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	res := &batchResult{outcomes: make([]outcome, len(items))}
	var parked []parkedRow
	var together []*item // for ApplyBatch
	var lastSeq uint64
	for i := range items {
		it := &items[i]
		lastSeq = max(lastSeq, it.seq)
		if it.err != nil {
			// Without a stream and version the event cannot be ordered; it is
			// parked on its own and blocks nothing.
			parked = append(parked, parkedRow{it: it, err: "decode: " + it.err.Error()})
			continue
		}
		c := cps[string(it.ev.StreamID)]
		v := int64(it.ev.StreamVersion)
		switch {
		case v <= c.version:
			// Already applied (a redelivery or a republish): ack, change nothing.
		case v > c.version+1:
			res.outcomes[i] = putBack
			res.gaps++
		case c.blocked > 0:
			parked = append(parked, parkedRow{it: it, err: fmt.Sprintf("aggregate blocked: version %d is parked", c.blocked)})
			c.version, c.dirty = v, true
		case !careful && r.p.ApplyBatch != nil:
			together = append(together, it)
			c.version, c.dirty = v, true
		default:
			attempts, handlerErr, err := r.applyOne(ctx, tx, it, careful)
			if err != nil {
				return nil, err
			}
			if handlerErr != nil {
				if !careful {
					return nil, errCareful
				}
				r.log.Error("event parked after failed attempts", "source", source, "stream_id", it.ev.StreamID,
					"version", v, "event_type", it.ev.Type, "attempts", attempts, "err", handlerErr)
				parked = append(parked, parkedRow{it: it, err: handlerErr.Error(), attempts: attempts})
				c.blocked = v
			} else {
				res.applied++
				res.lastRecorded = it.ev.RecordedTime
			}
			c.version, c.dirty = v, true
		}
	}

	if len(together) > 0 {
		if err := r.applyTogether(ctx, tx, together); err != nil {
			return nil, errCareful
		}
		res.applied += int64(len(together))
		res.lastRecorded = together[len(together)-1].ev.RecordedTime
	}

	// One round trip for the checkpoints, the stream position and any parked events.
	var ids []string
	var versions, blocked []int64
	for _, s := range streams {
		if c := cps[s]; c.dirty {
			ids, versions, blocked = append(ids, s), append(versions, c.version), append(blocked, c.blocked)
		}
	}
	batch := &pgx.Batch{}
	if len(ids) > 0 {
		batch.Queue(`INSERT INTO applied_versions (source, stream_id, version, blocked_from)
			SELECT $1, s, v, nullif(b, 0) FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t(s, v, b)
			ON CONFLICT (source, stream_id) DO UPDATE SET version = excluded.version, blocked_from = excluded.blocked_from`,
			source, ids, versions, blocked)
	}
	if lastSeq > 0 {
		batch.Queue(`INSERT INTO source_positions (source, stream_seq) VALUES ($1, $2)
			ON CONFLICT (source) DO UPDATE SET stream_seq = greatest(source_positions.stream_seq, excluded.stream_seq)`,
			source, int64(lastSeq))
	}
	for _, p := range parked {
		headers, err := json.Marshal(p.it.msg.Headers())
		if err != nil {
			return nil, err
		}
		id, typ, stream, version := p.it.ev.ID.String(), p.it.ev.Type, string(p.it.ev.StreamID), int64(p.it.ev.StreamVersion)
		if p.it.err != nil {
			id, typ = p.it.msg.Headers().Get(nats.MsgIdHdr), p.it.msg.Headers().Get("ce-type")
			if id == "" {
				id = fmt.Sprintf("seq-%d", p.it.seq)
			}
		}
		batch.Queue(`INSERT INTO `+r.table("parked_events")+` (projection, generation, source, event_id, event_type,
				stream_id, version, stream_seq, error, attempts, headers, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (projection, generation, source, event_id) DO NOTHING`,
			r.p.Name, g.n, source, id, typ, stream, version, int64(p.it.seq), p.err, p.attempts, headers, p.it.msg.Data())
	}
	res.parked = int64(len(parked))
	if batch.Len() > 0 {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return nil, fmt.Errorf("projection %s: checkpoint: %w", r.p.Name, err)
		}
	}
	return res, nil
}

// applyTogether runs ApplyBatch, with a span per event as applyOne has.
func (r *Runner) applyTogether(ctx context.Context, tx pgx.Tx, items []*item) error {
	evs := make([]wire.Event, len(items))
	spans := make([]trace.Span, len(items))
	for i, it := range items {
		evs[i] = it.ev
		_, spans[i] = r.tracer.Start(it.ev.Context(ctx), "project "+it.ev.Type, r.spanOptions(it)...)
	}
	err := r.p.ApplyBatch(ctx, tx, evs)
	for _, s := range spans {
		if err != nil {
			s.RecordError(err)
		}
		s.End()
	}
	return err
}

func (r *Runner) spanOptions(it *item) []trace.SpanStartOption {
	return []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("doudi.projection", r.p.Name),
			attribute.String("doudi.event.id", it.ev.ID.String()),
			attribute.String("doudi.stream.id", string(it.ev.StreamID)),
			attribute.Int64("doudi.stream.version", int64(it.ev.StreamVersion)),
		),
	}
}

// applyOne runs the handler for one event under a span that continues the
// event's trace. In the careful pass each attempt runs in a savepoint and is
// retried with backoff; handlerErr is the last failure after MaxAttempts.
// err is a failure of the transaction itself (or a cancelled ctx): the batch
// must be abandoned, and nothing parked.
func (r *Runner) applyOne(ctx context.Context, tx pgx.Tx, it *item, careful bool) (attempts int, handlerErr, err error) {
	ectx, span := r.tracer.Start(it.ev.Context(ctx), "project "+it.ev.Type, r.spanOptions(it)...)
	defer span.End()
	if !careful {
		if err := r.p.Apply(ectx, tx, it.ev); err != nil {
			span.RecordError(err)
			return 1, err, nil
		}
		return 1, nil, nil
	}
	backoff := r.opts.RetryBackoff
	for attempt := 1; ; attempt++ {
		sp, err := tx.Begin(ectx)
		if err != nil {
			return attempt, nil, err
		}
		handlerErr = r.p.Apply(ectx, sp, it.ev)
		if handlerErr == nil {
			return attempt, nil, sp.Commit(ctx)
		}
		span.RecordError(handlerErr)
		if err := sp.Rollback(ctx); err != nil {
			return attempt, nil, err
		}
		if ctx.Err() != nil {
			return attempt, nil, ctx.Err()
		}
		if attempt >= r.opts.MaxAttempts {
			span.SetStatus(codes.Error, "parked")
			return attempt, handlerErr, nil
		}
		if err := sleep(ctx, backoff); err != nil {
			return attempt, nil, err
		}
		backoff = min(2*backoff, maxRetryBackoff)
	}
}
