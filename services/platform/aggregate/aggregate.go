// Package aggregate is the write path every service's app layer repeats:
// load an event-sourced aggregate from its stream, check the client's etag,
// let the domain decide, append what it recorded under optimistic
// concurrency, and answer a retried request (same request id) with what the
// first attempt wrote. A service supplies its codec and its aggregates'
// Replay; the domain packages stay free of I/O.
package aggregate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/projection"
)

// Root is what the write path needs of an aggregate: the stream version its
// state was rebuilt at, and the events its last command recorded.
type Root[E eventstore.DomainEvent] interface {
	Version() int64
	Uncommitted() []E
}

// Repository loads and saves one kind of aggregate in a service's event
// store.
type Repository[A Root[E], E eventstore.DomainEvent] struct {
	Store *eventstore.Store
	// Service names the consistency tokens of writes ("<service>/<stream>/<version>").
	Service string
	// Decode is the service's codec for this aggregate's events.
	Decode func(eventType string, data []byte) (E, error)
	// Replay rebuilds the aggregate; with no events it returns the empty
	// aggregate that creation commands start from.
	Replay func(history []E) (A, error)
}

// Loaded is an aggregate as its stream holds it.
type Loaded[A any] struct {
	Aggregate A
	// Version is the stream's version (0: the stream does not exist).
	Version int64
	// Created and Updated are when the stream was first and last written
	// (recorded time).
	Created, Updated time.Time
}

// Etag is the loaded version as clients see it.
func (l Loaded[A]) Etag() string { return strconv.FormatInt(l.Version, 10) }

// Load replays the aggregate's stream; a missing stream gives the empty
// aggregate at version 0.
func (r Repository[A, E]) Load(ctx context.Context, stream eventstore.StreamID) (Loaded[A], error) {
	h, err := eventstore.LoadHistory(ctx, r.Store, stream, r.Decode)
	if err != nil {
		return Loaded[A]{}, err
	}
	a, err := r.Replay(h.Events)
	if err != nil {
		return Loaded[A]{}, fmt.Errorf("replay %s: %w", stream, err)
	}
	return Loaded[A]{Aggregate: a, Version: int64(len(h.Events)), Created: h.Created, Updated: h.Updated}, nil
}

// Command is one write to one aggregate.
type Command[A any] struct {
	Stream eventstore.StreamID
	// Etag, when not empty, is the version the client read: the write fails
	// with a *eventstore.ConflictError if the stream moved on since.
	Etag string
	// Metadata goes with the events; its RequestID makes the write
	// idempotent.
	Metadata eventstore.Metadata
	// Decide runs the domain command on the loaded aggregate. It may record
	// nothing (the command was already done), which writes nothing.
	Decide func(a A, loaded Loaded[A]) error
}

// Written is the outcome of a command: the aggregate as stored afterwards
// and the consistency token of the write.
type Written[A any] struct {
	Loaded[A]
	Token string
	// Replayed: the request id had been used for this stream; nothing was
	// written this time.
	Replayed bool
}

// maxAttempts bounds the retries of a write without an etag that lost a race
// to another writer: each retry decides again on the newer state.
const maxAttempts = 4

// Handle runs cmd: a request id already used for the stream returns the
// stream as it is; otherwise it loads, checks the etag, decides and appends.
func (r Repository[A, E]) Handle(ctx context.Context, cmd Command[A]) (Written[A], error) {
	if id := cmd.Metadata.RequestID; id != "" {
		prev, ok, err := r.Store.FindRequest(ctx, id)
		if err != nil {
			return Written[A]{}, err
		}
		if ok {
			if prev.StreamID != cmd.Stream {
				return Written[A]{}, domainkit.FieldErrors{{Field: "request_id", Reason: "was already used for another resource"}}
			}
			l, err := r.Load(ctx, cmd.Stream)
			return Written[A]{Loaded: l, Token: r.Token(cmd.Stream, int64(prev.Version)), Replayed: true}, err
		}
	}
	for attempt := 1; ; attempt++ {
		l, err := r.Load(ctx, cmd.Stream)
		if err != nil {
			return Written[A]{}, err
		}
		if err := CheckEtag(cmd.Etag, cmd.Stream, l.Version); err != nil {
			return Written[A]{}, err
		}
		if err := cmd.Decide(l.Aggregate, l); err != nil {
			return Written[A]{}, err
		}
		events := l.Aggregate.Uncommitted()
		if len(events) == 0 {
			return Written[A]{Loaded: l, Token: r.Token(cmd.Stream, l.Version)}, nil
		}
		envs, err := eventstore.Encode(events, cmd.Metadata)
		if err != nil {
			return Written[A]{}, err
		}
		expected := eventstore.Exactly(eventstore.Version(l.Version))
		if l.Version == 0 {
			expected = eventstore.NoStream
		}
		res, err := r.Store.Append(ctx, cmd.Stream, expected, envs...)
		var conflict *eventstore.ConflictError
		if errors.As(err, &conflict) && cmd.Etag == "" && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return Written[A]{}, err
		}
		// Reload rather than patch: the stored history is the truth, and a
		// replayed append returns what the first one wrote.
		after, err := r.Load(ctx, cmd.Stream)
		return Written[A]{Loaded: after, Token: r.Token(cmd.Stream, int64(res.Version)), Replayed: res.Replayed}, err
	}
}

// Token is the consistency token of a write to stream at version.
func (r Repository[A, E]) Token(stream eventstore.StreamID, version int64) string {
	return projection.Token{Service: r.Service, Stream: string(stream), Version: version}.String()
}

// CheckEtag turns a client's etag into the version the write must find:
// nil for no etag, a field error for a malformed one, a
// *eventstore.ConflictError for a stale one.
func CheckEtag(etag string, stream eventstore.StreamID, loaded int64) error {
	if etag == "" {
		return nil
	}
	v, err := strconv.ParseInt(etag, 10, 64)
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != etag {
		return domainkit.FieldErrors{{Field: "etag", Reason: "must be the etag of a previous read"}}
	}
	if v != loaded {
		return &eventstore.ConflictError{Stream: stream, Expected: eventstore.Exactly(eventstore.Version(v)), Actual: eventstore.Version(loaded)}
	}
	return nil
}

// NewID is the id of a new resource: the client's (field names it in the
// error when it is not a UUID), else one derived from the request id (so
// that a retry creates the same resource), else a new UUIDv7.
func NewID(given, field, tenant, requestID string) (uuid.UUID, error) {
	if given != "" {
		id, err := uuid.Parse(given)
		if err != nil || id == uuid.Nil {
			return uuid.Nil, domainkit.FieldErrors{{Field: field, Reason: "must be a UUID"}}
		}
		return id, nil
	}
	if requestID != "" {
		return uuid.NewSHA1(requestNamespace, []byte(tenant+"\x00"+field+"\x00"+requestID)), nil
	}
	return uuid.NewV7()
}

var requestNamespace = uuid.MustParse("6f1d2b4e-8a51-4c4e-9d0e-2b1f0c9e7a10")
