package projection

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/doudi-platform/doudi/services/platform/wire"
)

// Queueing returns p with Apply and ApplyBatch built from queue, which adds
// the statements that apply one event to a batch (or none, for an event the
// projection ignores). A batch of events is then written in one pipelined
// round trip: replays and rebuilds are bound by round trips, not by the
// statements.
func (p Projection) Queueing(queue func(b *pgx.Batch, ev wire.Event) error) Projection {
	applyBatch := func(ctx context.Context, tx pgx.Tx, evs []wire.Event) error {
		var b pgx.Batch
		for _, ev := range evs {
			if err := queue(&b, ev); err != nil {
				return fmt.Errorf("%s %s v%d: %w", ev.Type, ev.StreamID, ev.StreamVersion, err)
			}
		}
		if b.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, &b).Close()
	}
	p.Apply = func(ctx context.Context, tx pgx.Tx, ev wire.Event) error {
		return applyBatch(ctx, tx, []wire.Event{ev})
	}
	p.ApplyBatch = applyBatch
	return p
}
