package projection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/doudi-platform/doudi/services/platform/leader"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

// ErrRebuildInProgress is returned when another rebuild of the projection runs.
var ErrRebuildInProgress = errors.New("projection: a rebuild is already running")

// Rebuild replays the sources from the start into a new generation while
// queries keep reading the live one, then switches to it and drops the old
// one. It may be called on any replica; it returns once the switch is done.
//
// The switch is made safe by the state row's lock: the live runner's
// batches hold it shared, the switch holds it exclusively while it applies
// the last events into the new generation. So the live generation is paused
// during the final catch-up, and at the switch the new generation has
// applied everything the old one had.
func (r *Runner) Rebuild(ctx context.Context) error {
	if err := r.ensure(ctx); err != nil {
		return err
	}
	lock, ok, err := leader.TryAcquire(ctx, r.pool, "projection."+r.p.Name+".rebuild")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrRebuildInProgress, r.p.Name)
	}
	defer lock.Release()
	conn := lock.Conn().Conn()

	cur, _, err := r.state(ctx, conn)
	if err != nil {
		return err
	}
	next := cur + 1
	start := time.Now()
	r.log.Info("rebuild started", "generation", next)
	// A rebuild that stopped half-way left this generation behind; start afresh.
	if err := r.dropGeneration(ctx, next); err != nil {
		return err
	}
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return r.createGeneration(ctx, tx, r.schemaOf(next), true)
	}); err != nil {
		return fmt.Errorf("projection %s: rebuild: %w", r.p.Name, err)
	}
	g, err := r.openGeneration(ctx, next)
	if err != nil {
		return err
	}

	// The rebuild has caught up with a source once it handled the stream's
	// last message as of now.
	targets := make([]uint64, len(g.consumers))
	handled := make([]uint64, len(g.consumers))
	for i, s := range r.p.Sources {
		st, err := r.js.Stream(ctx, wire.StreamName(s.Service))
		if err != nil {
			return fmt.Errorf("projection %s: rebuild: %w", r.p.Name, err)
		}
		targets[i] = st.CachedInfo().State.LastSeq
	}

	for {
		fetchedAny := false
		for i, c := range g.consumers {
			msgs, err := collect(c.FetchNoWait(r.opts.BatchSize))
			if err != nil {
				return fmt.Errorf("projection %s: rebuild: fetch: %w", r.p.Name, err)
			}
			if len(msgs) == 0 {
				continue
			}
			fetchedAny = true
			if err := r.processBatch(ctx, conn, g, fetched{src: i, msgs: msgs}, false); err != nil {
				return err
			}
			for _, m := range msgs {
				if md, err := m.Metadata(); err == nil {
					handled[i] = max(handled[i], md.Sequence.Stream)
				}
			}
		}
		// Once past the targets, switch when what is left is small enough to
		// apply while the live generation is paused.
		reached, small := true, true
		for i, c := range g.consumers {
			info, err := c.Info(ctx)
			if err != nil {
				return fmt.Errorf("projection %s: rebuild: %w", r.p.Name, err)
			}
			if info.NumPending == 0 {
				handled[i] = max(handled[i], targets[i]) // nothing left to deliver
			}
			reached = reached && handled[i] >= targets[i]
			small = small && info.NumPending <= uint64(r.opts.BatchSize)
		}
		if reached && small {
			switched, err := r.switchTo(ctx, conn, cur, g)
			if err != nil {
				return err
			}
			if switched {
				break
			}
			continue
		}
		if !fetchedAny {
			if err := sleep(ctx, pollInterval); err != nil {
				return err
			}
		}
	}
	r.log.Info("rebuild switched", "generation", next, "took", time.Since(start))
	if err := r.dropGeneration(ctx, cur); err != nil {
		// The live runner drops it again when it next starts.
		r.log.Warn("rebuild: dropping the old generation failed", "generation", cur, "err", err)
	}
	return nil
}

// switchTo applies what remains for g and makes g live, in one transaction
// that holds the state row exclusively. It reports false, having changed
// nothing, when events kept arriving faster than it drained them.
func (r *Runner) switchTo(ctx context.Context, conn *pgx.Conn, cur int64, g *generation) (bool, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var live int64
	if err := tx.QueryRow(ctx, `SELECT generation FROM `+r.table("projection_state")+` WHERE name = $1 FOR UPDATE`, r.p.Name).Scan(&live); err != nil {
		return false, err
	}
	if live != cur {
		return false, fmt.Errorf("projection %s: rebuild: generation %d went live meanwhile", r.p.Name, live)
	}
	type held struct {
		src   int
		items []item
		res   *batchResult
	}
	var batches []held
	handBack := func() {
		for _, b := range batches {
			for _, it := range b.items {
				_ = it.msg.Nak()
			}
		}
	}
	start := time.Now()
	for i, c := range g.consumers {
		for {
			msgs, err := collect(c.FetchNoWait(r.opts.BatchSize))
			if err != nil {
				handBack()
				return false, fmt.Errorf("projection %s: rebuild: fetch: %w", r.p.Name, err)
			}
			if len(msgs) == 0 {
				break
			}
			items := decode(msgs)
			batches = append(batches, held{src: i, items: items})
			res, err := r.applyBatch(ctx, tx, g, i, items, true, false)
			if err != nil {
				handBack()
				return false, err
			}
			batches[len(batches)-1].res = res
		}
		info, err := c.Info(ctx)
		if err != nil || info.NumPending > 0 {
			handBack()
			return false, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE `+r.table("projection_state")+`
		SET active_schema = $2, generation = $3, switched_at = now() WHERE name = $1`, r.p.Name, g.schema, g.n); err != nil {
		handBack()
		return false, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+r.table("parked_events")+` WHERE projection = $1 AND generation = $2`, r.p.Name, cur); err != nil {
		handBack()
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		handBack()
		return false, err
	}
	for _, b := range batches {
		r.finish(b.items, b.res, b.src, start)
	}
	r.notifyApplied()
	select {
	case r.switched <- struct{}{}:
	default:
	}
	return true, nil
}
