package projection

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// LiveSchema caches the name of a projection's live generation schema for
// the queries that read it, sparing a round trip per query.
type LiveSchema struct {
	lookup func(context.Context) (string, error)

	mu       sync.Mutex
	cached   string
	cachedAt time.Time
}

// schemaTTL is how long the live schema's name is reused. A rebuild's switch
// drops the old schema, so a query that finds its tables gone looks the name
// up again at once (GenerationGone): the TTL only spares a round trip per
// query, it never serves a dropped generation for long.
const schemaTTL = time.Second

// NewLiveSchema caches what lookup returns, usually Runner.ActiveSchema.
func NewLiveSchema(lookup func(context.Context) (string, error)) *LiveSchema {
	return &LiveSchema{lookup: lookup}
}

// Get returns the live schema's name; fresh looks it up again.
func (l *LiveSchema) Get(ctx context.Context, fresh bool) (string, error) {
	l.mu.Lock()
	if !fresh && l.cached != "" && time.Since(l.cachedAt) < schemaTTL {
		s := l.cached
		l.mu.Unlock()
		return s, nil
	}
	l.mu.Unlock()
	s, err := l.lookup(ctx)
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	l.cached, l.cachedAt = s, time.Now()
	l.mu.Unlock()
	return s, nil
}

// GenerationGone reports whether err says the tables read were dropped: a
// rebuild switched generations since the schema was looked up. Run the query
// again with a fresh schema name.
func GenerationGone(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "3F000") // undefined table / schema
}
