package postgres

import (
	"context"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// Requests finds appends by request id, so that a retried command returns
// the first result instead of being decided again against the new state.
type Requests struct{ Store *eventstore.Store }

// Seen reports the stream and version an earlier append with requestID wrote.
func (r Requests) Seen(ctx context.Context, requestID string) (stream string, version int64, ok bool, err error) {
	res, ok, err := r.Store.FindRequest(ctx, requestID)
	if err != nil || !ok {
		return "", 0, false, err
	}
	return string(res.StreamID), int64(res.Version), true, nil
}
