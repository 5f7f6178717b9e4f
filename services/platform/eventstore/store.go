package eventstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/propagation"

	"github.com/doudi-platform/doudi/services/platform/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Defaults for Options.
const (
	DefaultMaxPayloadBytes = 64 << 10
	DefaultFutureSkew      = 5 * time.Minute
	maxEventsPerAppend     = 1000
	maxStreamIDLen         = 200
	maxMetadataLen         = 512
	anyRetries             = 20
)

// validStreamID reports whether s is letters, digits, '-' and '_' only: a
// stream id is one NATS subject token. (Hand-written: it runs on every append.)
func validStreamID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// validTenant reports whether s is a lower-case code such as "shitan", so that
// the tenant is one NATS subject token.
func validTenant(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Options configure a Store.
type Options struct {
	// Registry lists the event types the store accepts. Required.
	Registry *Registry
	// MaxPayloadBytes bounds one event's JSON data (default 64 KiB).
	MaxPayloadBytes int
	// FutureSkew is how far in the future occurred_at may be (default 5 min):
	// device clocks drift, but business time never runs ahead by hours.
	FutureSkew time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Store appends to and loads from one service's event store.
type Store struct {
	pool     *pgxpool.Pool
	opts     Options
	appended chan struct{}
}

// Open runs the store's migrations and returns a Store.
func Open(ctx context.Context, pool *pgxpool.Pool, opts Options) (*Store, error) {
	if opts.Registry == nil {
		return nil, errors.New("eventstore: Options.Registry is required")
	}
	if opts.MaxPayloadBytes <= 0 {
		opts.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if opts.FutureSkew <= 0 {
		opts.FutureSkew = DefaultFutureSkew
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	if err := migrate.Up(ctx, pool, "eventstore", sub); err != nil {
		return nil, err
	}
	return &Store{pool: pool, opts: opts, appended: make(chan struct{}, 1)}, nil
}

// Pool is the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Registry is the store's codec.
func (s *Store) Registry() *Registry { return s.opts.Registry }

// Appended signals (without blocking, coalescing) after every successful
// append in this process, so that the relay wakes at once instead of waiting
// for its next poll. Only one receiver should use it.
func (s *Store) Appended() <-chan struct{} { return s.appended }

// appendSQL writes the events in one statement, so one round trip and one
// commit carry the whole append. The version check is part of the INSERT: when
// the head is not the expected version no row is written; when two writers
// pass the check together the primary key rejects one. The request id goes on
// the first event, where its unique index rejects a second append with it.
const appendSQL = `
WITH head AS (
    SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $1
), ins AS (
    INSERT INTO events (event_id, stream_id, version, event_type, schema_version, data, metadata, occurred_at, request_id)
    SELECT e.id, $1, head.v + e.ord, e.typ, e.sv, e.data, e.meta, e.occ,
           CASE WHEN e.ord = 1 THEN nullif($9, '') END
    FROM head, unnest($2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[], $7::timestamptz[])
         WITH ORDINALITY AS e(id, typ, sv, data, meta, occ, ord)
    WHERE $8::bigint < 0 OR head.v = $8::bigint
    RETURNING version, position, recorded_at
)
SELECT (SELECT v FROM head), coalesce(min(version), 0), coalesce(max(version), 0),
       coalesce(max(position), 0), coalesce(min(recorded_at), now())
FROM ins`

// appendOneSQL is appendSQL for the common one-event append. It takes scalars
// instead of arrays: the planner sizes unnest() of a known array exactly but
// of a parameter at 100 rows, so with arrays PostgreSQL never settles on the
// cached generic plan and re-plans every append, which costs as much as the
// insert itself.
const appendOneSQL = `
WITH head AS (
    SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $1
)
INSERT INTO events (event_id, stream_id, version, event_type, schema_version, data, metadata, occurred_at, request_id)
SELECT $2::uuid, $1, head.v + 1, $3::text, $4::int, $5::jsonb, $6::jsonb, $7::timestamptz, nullif($9, '')
FROM head
WHERE $8::bigint < 0 OR head.v = $8::bigint
RETURNING (SELECT v FROM head), version, version, position, recorded_at`

// Append appends events to stream if the stream matches expected. It returns
// a *ConflictError when it does not, a *ValidationError (errors.Is ErrInvalid)
// for bad input, and, for a request id seen before, the first append's result
// with Replayed set.
func (s *Store) Append(ctx context.Context, stream StreamID, expected Expected, events ...Envelope) (AppendResult, error) {
	requestID, err := s.prepare(ctx, stream, events)
	if err != nil {
		return AppendResult{}, err
	}
	n := len(events)
	ids := make([]uuid.UUID, n)
	types := make([]string, n)
	versions := make([]int32, n)
	datas := make([]json.RawMessage, n)
	metas := make([][]byte, n)
	occurred := make([]time.Time, n)
	for i, e := range events {
		ids[i], types[i], versions[i], datas[i], occurred[i] = e.ID, e.Type, int32(e.SchemaVersion), e.Data, e.OccurredAt
		if metas[i], err = json.Marshal(e.Metadata); err != nil {
			return AppendResult{}, err
		}
	}
	want := int64(-1)
	switch expected.kind {
	case expectNoStream:
		want = 0
	case expectExact:
		want = int64(expected.version)
	}

	for attempt := 0; ; attempt++ {
		var head, first, last, pos int64
		var recordedAt time.Time
		var err error
		if n == 1 {
			err = s.pool.QueryRow(ctx, appendOneSQL, string(stream), ids[0], types[0], versions[0], datas[0], metas[0], occurred[0], want, requestID).
				Scan(&head, &first, &last, &pos, &recordedAt)
			if errors.Is(err, pgx.ErrNoRows) { // the head was not the expected version
				head, err = -1, nil
			}
		} else {
			err = s.pool.QueryRow(ctx, appendSQL, string(stream), ids, types, versions, datas, metas, occurred, want, requestID).
				Scan(&head, &first, &last, &pos, &recordedAt)
		}
		var pgErr *pgconn.PgError
		switch {
		case err == nil && last > 0:
			select {
			case s.appended <- struct{}{}:
			default:
			}
			return AppendResult{StreamID: stream, FirstVersion: Version(first), Version: Version(last),
				Position: Position(pos), EventIDs: ids, RecordedAt: recordedAt}, nil
		case err == nil:
			// The head was not the expected version: nothing was written.
			if r, ok, err := s.replay(ctx, stream, requestID); ok || err != nil {
				return r, err
			}
			actual := Version(head)
			if head < 0 {
				if actual, err = s.Head(ctx, stream); err != nil {
					return AppendResult{}, err
				}
			}
			return AppendResult{}, &ConflictError{Stream: stream, Expected: expected, Actual: actual}
		case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "events_request_id":
			if r, ok, err := s.replay(ctx, stream, requestID); ok || err != nil {
				return r, err
			}
			return AppendResult{}, fmt.Errorf("eventstore: request %q vanished after a duplicate", requestID)
		case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "events_pkey":
			// Another writer took the same version first.
			if expected.kind == expectAny && attempt < anyRetries {
				continue
			}
			if r, ok, err := s.replay(ctx, stream, requestID); ok || err != nil {
				return r, err
			}
			actual, err := s.Head(ctx, stream)
			if err != nil {
				return AppendResult{}, err
			}
			return AppendResult{}, &ConflictError{Stream: stream, Expected: expected, Actual: actual}
		default:
			return AppendResult{}, fmt.Errorf("eventstore: append to %q: %w", stream, err)
		}
	}
}

// replay returns the result of an earlier append to stream with requestID.
func (s *Store) replay(ctx context.Context, stream StreamID, requestID string) (AppendResult, bool, error) {
	r, ok, err := s.FindRequest(ctx, requestID)
	if !ok || err != nil {
		return AppendResult{}, false, err
	}
	if r.StreamID != stream {
		return AppendResult{}, false, fmt.Errorf("%w: %q was used for %q", ErrRequestReused, requestID, r.StreamID)
	}
	return r, true, nil
}

// FindRequest returns the result of an earlier append with requestID
// (Replayed set), so that a service can answer a retried command with what
// it first did instead of deciding it again against the new state. Its events
// are those its one statement wrote: on the stream and in the transaction of
// the event that carries the request id.
func (s *Store) FindRequest(ctx context.Context, requestID string) (AppendResult, bool, error) {
	if requestID == "" {
		return AppendResult{}, false, nil
	}
	var r AppendResult
	var streamID string
	var first, last, pos int64
	err := s.pool.QueryRow(ctx, `
		SELECT f.stream_id, f.version, max(e.version), max(e.position),
		       array_agg(e.event_id ORDER BY e.version), f.recorded_at
		FROM events f
		JOIN events e ON e.stream_id = f.stream_id AND e.txid = f.txid AND e.version >= f.version
		WHERE f.request_id = $1
		GROUP BY f.stream_id, f.version, f.recorded_at`, requestID).
		Scan(&streamID, &first, &last, &pos, &r.EventIDs, &r.RecordedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return AppendResult{}, false, nil
	}
	if err != nil {
		return AppendResult{}, false, fmt.Errorf("eventstore: read request %q: %w", requestID, err)
	}
	r.StreamID, r.FirstVersion, r.Version, r.Position, r.Replayed = StreamID(streamID), Version(first), Version(last), Position(pos), true
	return r, true, nil
}

// prepare validates the append and fills defaults in place; it returns the
// append's request id.
func (s *Store) prepare(ctx context.Context, stream StreamID, events []Envelope) (string, error) {
	if stream == "" {
		return "", invalid("stream_id", "is empty")
	}
	if len(stream) > maxStreamIDLen || !validStreamID(string(stream)) {
		return "", invalid("stream_id", "must be 1–%d letters, digits, '-' or '_'", maxStreamIDLen)
	}
	if len(events) == 0 {
		return "", invalid("events", "at least one event is required")
	}
	if len(events) > maxEventsPerAppend {
		return "", invalid("events", "at most %d events per append", maxEventsPerAppend)
	}
	now := s.opts.Now()
	var trace propagation.MapCarrier
	requestID := events[0].Metadata.RequestID
	for i := range events {
		e := &events[i]
		field := func(name string) string { return fmt.Sprintf("events[%d].%s", i, name) }
		current, ok := s.opts.Registry.Current(e.Type)
		if !ok {
			return "", invalid(field("type"), "unknown event type %q", e.Type)
		}
		if e.SchemaVersion == 0 {
			e.SchemaVersion = current
		}
		if e.SchemaVersion != current {
			return "", invalid(field("schema_version"), "%s is written at schema version %d, not %d", e.Type, current, e.SchemaVersion)
		}
		if len(e.Data) > s.opts.MaxPayloadBytes {
			return "", invalid(field("data"), "payload of %d bytes is over the limit of %d", len(e.Data), s.opts.MaxPayloadBytes)
		}
		if !utf8.Valid(e.Data) {
			return "", invalid(field("data"), "is not valid UTF-8")
		}
		if !json.Valid(e.Data) {
			return "", invalid(field("data"), "is not valid JSON")
		}
		if e.OccurredAt.IsZero() {
			e.OccurredAt = now
		}
		if e.OccurredAt.After(now.Add(s.opts.FutureSkew)) {
			return "", invalid(field("occurred_at"), "%s is in the future", e.OccurredAt.UTC().Format(time.RFC3339))
		}
		md := &e.Metadata
		if !validTenant(md.Tenant) {
			return "", invalid(field("metadata.tenant"), "must be a lower-case code such as \"shitan\"")
		}
		for _, f := range [...]struct{ name, value string }{{"actor", md.Actor}, {"correlation_id", md.CorrelationID},
			{"causation_id", md.CausationID}, {"request_id", md.RequestID}, {"traceparent", md.TraceParent}, {"tracestate", md.TraceState}} {
			if len(f.value) > maxMetadataLen {
				return "", invalid(field("metadata."+f.name), "longer than %d bytes", maxMetadataLen)
			}
			if !utf8.ValidString(f.value) {
				return "", invalid(field("metadata."+f.name), "is not valid UTF-8")
			}
		}
		if md.RequestID != requestID {
			return "", invalid(field("metadata.request_id"), "all events of one append share one request id")
		}
		if md.TraceParent == "" {
			if trace == nil {
				trace = propagation.MapCarrier{}
				propagation.TraceContext{}.Inject(ctx, trace)
			}
			md.TraceParent, md.TraceState = trace["traceparent"], trace["tracestate"]
		}
		if e.ID == uuid.Nil {
			id, err := uuid.NewV7()
			if err != nil {
				return "", err
			}
			e.ID = id
		}
	}
	return requestID, nil
}

// Head returns the stream's current version (0 when it does not exist).
func (s *Store) Head(ctx context.Context, stream StreamID) (Version, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1`, string(stream)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("eventstore: head of %q: %w", stream, err)
	}
	return Version(v), nil
}

const selectColumns = `event_id, stream_id, version, position, event_type, schema_version, data, metadata,
	occurred_at, recorded_at, txid::text::bigint`

func scanRecorded(row pgx.Row) (Recorded, error) {
	var r Recorded
	var stream string
	var meta []byte
	var txid int64
	if err := row.Scan(&r.ID, &stream, &r.Version, &r.Position, &r.Type, &r.SchemaVersion, &r.Data, &meta,
		&r.OccurredAt, &r.RecordedAt, &txid); err != nil {
		return Recorded{}, err
	}
	r.StreamID, r.TxID = StreamID(stream), uint64(txid)
	if err := json.Unmarshal(meta, &r.Metadata); err != nil {
		return Recorded{}, fmt.Errorf("eventstore: metadata of %s: %w", r.ID, err)
	}
	return r, nil
}

// Load yields the stream's events after version after, upcast to their
// current schema versions, in version order.
func (s *Store) Load(ctx context.Context, stream StreamID, after Version) iter.Seq2[Recorded, error] {
	return func(yield func(Recorded, error) bool) {
		rows, err := s.pool.Query(ctx, `SELECT `+selectColumns+` FROM events
			WHERE stream_id = $1 AND version > $2 ORDER BY version`, string(stream), int64(after))
		if err != nil {
			yield(Recorded{}, fmt.Errorf("eventstore: load %q: %w", stream, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecorded(rows)
			if err == nil {
				err = s.opts.Registry.upcast(&r)
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Recorded{}, fmt.Errorf("eventstore: load %q: %w", stream, err))
		}
	}
}
