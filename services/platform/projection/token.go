package projection

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Token is a consistency token: the write it names is visible once the
// projection has applied Version of Stream from Service. A write's reply
// carries it; a query that passes it waits until the projection caught up.
type Token struct {
	Service string
	Stream  string
	Version int64
}

var streamPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// String formats the token as "<service>/<stream id>/<version>", e.g.
// "beneficiaries/person-abc/3".
func (t Token) String() string { return fmt.Sprintf("%s/%s/%d", t.Service, t.Stream, t.Version) }

// ErrMalformedToken is returned by ParseToken for a string that is not a token.
var ErrMalformedToken = errors.New("projection: malformed consistency token")

// ParseToken reads a token written by Token.String.
func ParseToken(s string) (Token, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Token{}, fmt.Errorf("%w %q: want <service>/<stream id>/<version>", ErrMalformedToken, s)
	}
	if !namePattern.MatchString(parts[0]) {
		return Token{}, fmt.Errorf("%w %q: service %q is not a service name", ErrMalformedToken, s, parts[0])
	}
	if !streamPattern.MatchString(parts[1]) {
		return Token{}, fmt.Errorf("%w %q: stream id %q must be letters, digits, '-' or '_'", ErrMalformedToken, s, parts[1])
	}
	v, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || v < 1 || parts[2] != strconv.FormatInt(v, 10) {
		return Token{}, fmt.Errorf("%w %q: version %q must be a positive integer", ErrMalformedToken, s, parts[2])
	}
	return Token{Service: parts[0], Stream: parts[1], Version: v}, nil
}

// ErrNotCaughtUp is returned (wrapped, with the context's error) when WaitFor
// gives up before the token's event is applied.
var ErrNotCaughtUp = errors.New("projection: not caught up with the consistency token")

// ErrTokenParked is returned when the token's event, or an earlier one of its
// aggregate, was parked: waiting longer would not help.
var ErrTokenParked = errors.New("projection: the consistency token's event is parked")

// WaitFor blocks until the live generation has applied the token's event, or
// ctx ends. The promise is per aggregate: the token's event and every earlier
// event of its stream are applied. Events of other aggregates may still be on
// their way (after a crash, those a dead runner had fetched come back after
// AckWait). It wakes at once when this process commits a batch and polls
// otherwise, for a query served by a replica that is not running the
// projection.
func (r *Runner) WaitFor(ctx context.Context, t Token) error {
	if !r.hasSource(t.Service) {
		return fmt.Errorf("projection %s: token %s: %q is not one of its sources", r.p.Name, t, t.Service)
	}
	if err := r.ensure(ctx); err != nil {
		return err
	}
	timer := time.NewTimer(pollInterval)
	defer timer.Stop()
	for {
		// Take the signal before reading, so a commit between the read and
		// the wait is not missed.
		signal := r.appliedSignal()
		applied, blocked, err := r.appliedVersion(ctx, t)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w %s (projection %s): %w", ErrNotCaughtUp, t, r.p.Name, ctx.Err())
			}
			return err
		}
		if blocked > 0 && blocked <= t.Version {
			return fmt.Errorf("%w: %s (projection %s parked version %d)", ErrTokenParked, t, r.p.Name, blocked)
		}
		if applied >= t.Version {
			return nil
		}
		timer.Reset(pollInterval)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w %s (projection %s has applied version %d): %w", ErrNotCaughtUp, t, r.p.Name, applied, ctx.Err())
		case <-signal:
		case <-timer.C:
		}
	}
}

func (r *Runner) hasSource(service string) bool {
	for _, s := range r.p.Sources {
		if s.Service == service {
			return true
		}
	}
	return false
}

// appliedVersion reads the token's aggregate checkpoint in the live generation.
func (r *Runner) appliedVersion(ctx context.Context, t Token) (applied, blocked int64, err error) {
	_, schema, err := r.state(ctx, r.pool)
	if err != nil {
		return 0, 0, err
	}
	err = r.pool.QueryRow(ctx, `SELECT version, coalesce(blocked_from, 0) FROM `+pgx.Identifier{schema, "applied_versions"}.Sanitize()+
		` WHERE source = $1 AND stream_id = $2`, t.Service, t.Stream).Scan(&applied, &blocked)
	var pgErr *pgconn.PgError
	if errors.Is(err, pgx.ErrNoRows) || errors.As(err, &pgErr) && pgErr.Code == "42P01" {
		// Nothing applied yet, or a rebuild dropped the generation just read:
		// the next poll reads the new one.
		return 0, 0, nil
	}
	return applied, blocked, err
}
