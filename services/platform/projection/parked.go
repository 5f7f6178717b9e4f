package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ParkedEvent is an event the projection set aside: its handler kept
// failing, or an earlier event of its aggregate was parked. Headers and Data
// are the message as it came off the wire, so that it can be replayed.
type ParkedEvent struct {
	Projection string
	Source     string
	EventID    string
	EventType  string
	StreamID   string
	Version    int64
	Error      string
	Attempts   int
	ParkedAt   time.Time
	Headers    map[string][]string
	Data       []byte
}

// DefaultParkedPageSize is ListParked's page size when pageSize ≤ 0.
const DefaultParkedPageSize = 100

const maxParkedPageSize = 1000

// ListParked lists the live generation's parked events, oldest first, a page
// at a time; pass the returned token to get the next page ("" when done).
func (r *Runner) ListParked(ctx context.Context, pageSize int, pageToken string) ([]ParkedEvent, string, error) {
	if err := r.ensure(ctx); err != nil {
		return nil, "", err
	}
	if pageSize <= 0 {
		pageSize = DefaultParkedPageSize
	}
	pageSize = min(pageSize, maxParkedPageSize)
	var after int64
	if pageToken != "" {
		var err error
		if after, err = strconv.ParseInt(pageToken, 10, 64); err != nil || after < 0 {
			return nil, "", fmt.Errorf("projection %s: malformed page token %q", r.p.Name, pageToken)
		}
	}
	rows, err := r.pool.Query(ctx, `SELECT p.id, p.projection, p.source, p.event_id, p.event_type, p.stream_id, p.version,
			p.error, p.attempts, p.parked_at, p.headers, p.data
		FROM `+r.table("parked_events")+` p JOIN `+r.table("projection_state")+` s
			ON s.name = p.projection AND s.generation = p.generation
		WHERE p.projection = $1 AND p.id > $2 ORDER BY p.id LIMIT $3`, r.p.Name, after, pageSize+1)
	if err != nil {
		return nil, "", fmt.Errorf("projection %s: list parked: %w", r.p.Name, err)
	}
	defer rows.Close()
	var out []ParkedEvent
	var id, lastID int64
	for rows.Next() {
		var p ParkedEvent
		var headers []byte
		if err := rows.Scan(&id, &p.Projection, &p.Source, &p.EventID, &p.EventType, &p.StreamID, &p.Version,
			&p.Error, &p.Attempts, &p.ParkedAt, &headers, &p.Data); err != nil {
			return nil, "", fmt.Errorf("projection %s: list parked: %w", r.p.Name, err)
		}
		if err := json.Unmarshal(headers, &p.Headers); err != nil {
			return nil, "", fmt.Errorf("projection %s: parked event %s headers: %w", r.p.Name, p.EventID, err)
		}
		if len(out) == pageSize {
			// The extra row only says there is another page.
			return out, strconv.FormatInt(lastID, 10), nil
		}
		out, lastID = append(out, p), id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("projection %s: list parked: %w", r.p.Name, err)
	}
	return out, "", nil
}
