package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/eventually"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/relay"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	service  = "beneficiaries"
	credited = "beneficiaries.person.credited"
)

// env is a service's event store with its relay running into an embedded
// JetStream server: events reach the projection the way they do in production.
type env struct {
	pool  *pgxpool.Pool
	store *eventstore.Store
	srv   *natstest.Server
	js    jetstream.JetStream
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	srv := natstest.Start(t)
	js, err := jetstream.New(natstest.Connect(t, srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wire.EnsureStream(ctx, js, service, 1, 0); err != nil {
		t.Fatal(err)
	}
	store, err := eventstore.Open(ctx, pool, eventstore.Options{Registry: eventstore.NewRegistry().Register(credited, 1)})
	if err != nil {
		t.Fatal(err)
	}
	rl, err := relay.New(store, js, relay.Options{Service: service, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	background(t, rl.Run)
	return &env{pool: pool, store: store, srv: srv, js: js}
}

// background runs fn until the test ends.
func background(t testing.TB, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = fn(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// credit appends one event adding amount to the person's counter and returns
// its consistency token.
func (e *env) credit(t testing.TB, ctx context.Context, person string, amount int) projection.Token {
	t.Helper()
	tok, err := e.tryCredit(ctx, person, amount)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tryCredit is credit for goroutines other than the test's.
func (e *env) tryCredit(ctx context.Context, person string, amount int) (projection.Token, error) {
	env, err := eventstore.NewEnvelope(credited, map[string]int{"amount": amount}, eventstore.Metadata{Tenant: "shitan"}, time.Time{})
	if err != nil {
		return projection.Token{}, err
	}
	res, err := e.store.Append(ctx, eventstore.StreamID(person), eventstore.Any, env)
	if err != nil {
		return projection.Token{}, err
	}
	return projection.Token{Service: service, Stream: person, Version: int64(res.Version)}, nil
}

// counters is a projection keeping a running total per person. calls counts
// handler invocations; fail, when set, makes the handler fail for an event.
type counters struct {
	calls atomic.Int64
	fail  func(ev wire.Event) error
	seen  func(ctx context.Context, ev wire.Event)
	// batched also sets ApplyBatch (the same writes, one event after another).
	batched bool
}

func (c *counters) projection(name string) projection.Projection {
	p := projection.Projection{
		Name:    name,
		Sources: []projection.Source{{Service: service}},
		Setup: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `CREATE TABLE counters (
				person       text   PRIMARY KEY,
				total        bigint NOT NULL,
				events       bigint NOT NULL,
				last_version bigint NOT NULL)`)
			return err
		},
		Apply: func(ctx context.Context, tx pgx.Tx, ev wire.Event) error {
			c.calls.Add(1)
			if c.seen != nil {
				c.seen(ctx, ev)
			}
			if c.fail != nil {
				if err := c.fail(ev); err != nil {
					return err
				}
			}
			var data struct{ Amount int }
			if err := json.Unmarshal(ev.Data, &data); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO counters AS c (person, total, events, last_version) VALUES ($1, $2, 1, $3)
				ON CONFLICT (person) DO UPDATE SET total = c.total + excluded.total, events = c.events + 1,
					last_version = excluded.last_version`, string(ev.StreamID), data.Amount, int64(ev.StreamVersion))
			return err
		},
	}
	if c.batched {
		p.ApplyBatch = func(ctx context.Context, tx pgx.Tx, evs []wire.Event) error {
			for _, ev := range evs {
				if err := p.Apply(ctx, tx, ev); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return p
}

func newRunner(t testing.TB, e *env, p projection.Projection, opts projection.Options) *projection.Runner {
	t.Helper()
	if opts.FetchWait == 0 {
		opts.FetchWait = time.Second
	}
	r, err := projection.NewRunner(e.pool, e.js, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// total reads a person's counter through the live generation, the way query
// code does.
func total(t testing.TB, ctx context.Context, r *projection.Runner, pool *pgxpool.Pool, person string) (sum, events int64) {
	t.Helper()
	schema, err := r.ActiveSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = pool.QueryRow(ctx, `SELECT total, events FROM `+pgx.Identifier{schema, "counters"}.Sanitize()+` WHERE person = $1`, person).
		Scan(&sum, &events)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	return sum, events
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	err := eventually.Wait(timeout, func() error {
		if !cond() {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// dump returns every row of every table of schema, as text, sorted.
func dump(t testing.TB, ctx context.Context, pool *pgxpool.Pool, schema string) map[string][]string {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		rows, err := pool.Query(ctx, `SELECT t::text FROM `+pgx.Identifier{schema, tb}.Sanitize()+` t`)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(lines)
		out[tb] = lines
	}
	return out
}

func person(i int) string { return fmt.Sprintf("person-%03d", i) }
