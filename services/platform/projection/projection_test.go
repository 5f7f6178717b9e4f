package projection_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

func TestCrashBetweenCommitAndAckAppliesOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	var tokens []projection.Token
	for i := range 10 {
		tokens = append(tokens, e.credit(t, ctx, person(i%3), i+1))
	}
	// All ten reach the stream before the runner starts, so one batch holds them.
	waitUntil(t, 10*time.Second, "the relay to publish", func() bool {
		s, err := e.js.Stream(ctx, wire.StreamName(service))
		return err == nil && s.CachedInfo().State.Msgs == 10
	})

	c := &counters{}
	opts := projection.Options{AckWait: time.Second}
	crashing := newRunner(t, e, c.projection("crash"), opts)
	projection.SetAfterCommit(crashing, func() error { return errors.New("crash") })
	if err := crashing.Run(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("Run = %v, want the simulated crash", err)
	}
	if c.calls.Load() != 10 {
		t.Fatalf("handler calls before the crash = %d, want 10", c.calls.Load())
	}

	// A new runner gets the unacked batch again and skips it by version.
	r := newRunner(t, e, c.projection("crash"), opts)
	background(t, r.Run)
	cons, err := e.js.Consumer(ctx, wire.StreamName(service), projection.ConsumerName(r, 1, service))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the redelivered batch to be acked", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.Delivered.Consumer >= 20 && info.NumAckPending == 0 && info.NumPending == 0
	})
	if c.calls.Load() != 10 {
		t.Errorf("handler calls = %d, want 10: the redelivered events must be skipped", c.calls.Load())
	}
	for p, want := range map[string]int64{person(0): 1 + 4 + 7 + 10, person(1): 2 + 5 + 8, person(2): 3 + 6 + 9} {
		if got, _ := total(t, ctx, r, e.pool, p); got != want {
			t.Errorf("total of %s = %d, want %d", p, got, want)
		}
	}
	if err := r.WaitFor(ctx, tokens[len(tokens)-1]); err != nil {
		t.Fatal(err)
	}
}

func TestPoisonEventIsParkedAndBlocksOnlyItsAggregate(t *testing.T) {
	t.Parallel()
	t.Run("apply", func(t *testing.T) { t.Parallel(); testPoison(t, false) })
	t.Run("apply_batch", func(t *testing.T) { t.Parallel(); testPoison(t, true) })
}

func testPoison(t *testing.T, batched bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	c := &counters{batched: batched, fail: func(ev wire.Event) error {
		if ev.StreamID == "person-poison" && ev.StreamVersion == 2 {
			return errors.New("cannot apply: bad amount")
		}
		return nil
	}}
	name := "poison"
	if batched {
		name = "poison_batched"
	}
	r := newRunner(t, e, c.projection(name), projection.Options{MaxAttempts: 3, RetryBackoff: time.Millisecond})
	background(t, r.Run)

	e.credit(t, ctx, "person-poison", 1)
	poisoned := e.credit(t, ctx, "person-poison", 10)
	e.credit(t, ctx, "person-ok", 5)
	later := e.credit(t, ctx, "person-poison", 100)
	okLast := e.credit(t, ctx, "person-ok", 6)

	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, okLast); err != nil {
		t.Fatalf("other aggregates must go on: %v", err)
	}
	if err := r.WaitFor(wctx, later); !errors.Is(err, projection.ErrTokenParked) {
		t.Fatalf("WaitFor(parked aggregate) = %v, want ErrTokenParked", err)
	}
	if got, _ := total(t, ctx, r, e.pool, "person-ok"); got != 11 {
		t.Errorf("person-ok total = %d, want 11", got)
	}
	if got, n := total(t, ctx, r, e.pool, "person-poison"); got != 1 || n != 1 {
		t.Errorf("person-poison total = %d over %d events, want only version 1 applied", got, n)
	}

	parked, next, err := r.ListParked(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	more, end, err := r.ListParked(ctx, 10, next)
	if err != nil {
		t.Fatal(err)
	}
	parked = append(parked, more...)
	if next == "" || end != "" || len(parked) != 2 {
		t.Fatalf("ListParked pages: %d events, tokens %q then %q; want 2 events over 2 pages", len(parked), next, end)
	}
	first, second := parked[0], parked[1]
	if first.StreamID != "person-poison" || first.Version != poisoned.Version || first.Attempts != 3 ||
		!strings.Contains(first.Error, "bad amount") || first.EventType != credited || first.Source != service {
		t.Errorf("first parked = %+v", first)
	}
	if first.Headers["ce-id"][0] != first.EventID || !strings.Contains(string(first.Data), "10") {
		t.Errorf("the parked event must keep its headers and data for a replay: %v %s", first.Headers, first.Data)
	}
	if second.StreamID != "person-poison" || second.Version != later.Version || !strings.Contains(second.Error, "blocked") {
		t.Errorf("second parked = %+v, want version %d parked behind the first", second, later.Version)
	}
	if _, _, err := r.ListParked(ctx, 10, "not-a-token"); err == nil {
		t.Error("a malformed page token must be rejected")
	}
}

func TestRebuildMatchesIncrementalRunAndSwitches(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	c := &counters{}
	r := newRunner(t, e, c.projection("rebuilt"), projection.Options{BatchSize: 7})
	background(t, r.Run)

	var last projection.Token
	for i := range 60 {
		last = e.credit(t, ctx, person(i%9), i)
	}
	if err := r.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "every event to be applied", func() bool { return c.calls.Load() == 60 })
	old, err := r.ActiveSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	incremental := dump(t, ctx, e.pool, old)

	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	schema, err := r.ActiveSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(old, "rebuilt_g1") || !strings.HasSuffix(schema, "rebuilt_g2") {
		t.Fatalf("active schema %q → %q, want rebuilt_g1 → rebuilt_g2", old, schema)
	}
	rebuilt := dump(t, ctx, e.pool, schema)
	if len(rebuilt["counters"]) != 9 || !reflect.DeepEqual(incremental, rebuilt) {
		t.Fatalf("rebuilt tables differ from the incremental run:\nincremental %v\nrebuilt     %v", incremental, rebuilt)
	}
	if len(dump(t, ctx, e.pool, old)) != 0 {
		t.Error("the old generation's schema must be dropped")
	}
	if _, err := e.js.Consumer(ctx, wire.StreamName(service), projection.ConsumerName(r, 1, service)); err == nil {
		t.Error("the old generation's consumer must be deleted")
	}

	// The live runner carries on in the new generation.
	next := e.credit(t, ctx, person(0), 1000)
	if err := r.WaitFor(ctx, next); err != nil {
		t.Fatal(err)
	}
	want := int64(1000)
	for i := 0; i < 60; i += 9 {
		want += int64(i)
	}
	if got, _ := total(t, ctx, r, e.pool, person(0)); got != want {
		t.Errorf("total after the switch = %d, want %d", got, want)
	}
}

func TestWaitFor(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	c := &counters{}
	r := newRunner(t, e, c.projection("waiting"), projection.Options{})
	background(t, r.Run)

	tok := e.credit(t, ctx, "person-a", 7)
	parsed, err := projection.ParseToken(tok.String())
	if err != nil || parsed != tok {
		t.Fatalf("ParseToken(%q) = %v, %v", tok, parsed, err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, parsed); err != nil {
		t.Fatal(err)
	}
	if got, _ := total(t, ctx, r, e.pool, "person-a"); got != 7 {
		t.Fatalf("after WaitFor the write must be visible: total = %d", got)
	}

	never := projection.Token{Service: service, Stream: "person-a", Version: 99}
	tctx, tcancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer tcancel()
	start := time.Now()
	err = r.WaitFor(tctx, never)
	if !errors.Is(err, projection.ErrNotCaughtUp) || !errors.Is(err, context.DeadlineExceeded) ||
		!strings.Contains(err.Error(), never.String()) {
		t.Fatalf("WaitFor(never) = %v, want a timeout naming the token", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("WaitFor overran its deadline: %s", d)
	}
	if err := r.WaitFor(ctx, projection.Token{Service: "visits", Stream: "x", Version: 1}); err == nil {
		t.Error("a token of a service the projection does not read must be rejected")
	}
}

func TestParseToken(t *testing.T) {
	t.Parallel()
	good, err := projection.ParseToken("beneficiaries/person-abc/3")
	if err != nil || good != (projection.Token{Service: "beneficiaries", Stream: "person-abc", Version: 3}) {
		t.Fatalf("ParseToken = %+v, %v", good, err)
	}
	for _, s := range []string{"", "beneficiaries/person-abc", "beneficiaries/person-abc/0", "beneficiaries/person-abc/-1",
		"beneficiaries/person-abc/03", "beneficiaries/person abc/3", "Beneficiaries/p/1", "a/b/c/1", "beneficiaries/p/x"} {
		if _, err := projection.ParseToken(s); !errors.Is(err, projection.ErrMalformedToken) {
			t.Errorf("ParseToken(%q) = %v, want ErrMalformedToken", s, err)
		}
	}
}

func TestTraceContinuesInHandler(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())

	var mu sync.Mutex
	var handled trace.SpanContext
	c := &counters{seen: func(ctx context.Context, ev wire.Event) {
		mu.Lock()
		handled = trace.SpanContextFromContext(ctx)
		mu.Unlock()
	}}
	r := newRunner(t, e, c.projection("traced"), projection.Options{TracerProvider: tp})
	background(t, r.Run)

	reqCtx, request := tp.Tracer("test").Start(ctx, "POST /persons/person-t/credits")
	tok := e.credit(t, reqCtx, "person-t", 1)
	request.End()
	if err := r.WaitFor(ctx, tok); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if handled.TraceID() != request.SpanContext().TraceID() {
		t.Fatalf("handler trace %s, want the request's %s", handled.TraceID(), request.SpanContext().TraceID())
	}
	var found bool
	for _, s := range spans.Ended() {
		if s.Name() == "project "+credited {
			found = true
			if s.Parent().SpanID() != request.SpanContext().SpanID() || s.SpanContext().SpanID() != handled.SpanID() {
				t.Errorf("project span's parent %s, want the request span %s", s.Parent().SpanID(), request.SpanContext().SpanID())
			}
		}
	}
	if !found {
		t.Fatal(`no "project ` + credited + `" span was recorded`)
	}
}

func TestRestartResumesFromDurableConsumer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	c := &counters{}
	first := newRunner(t, e, c.projection("restart"), projection.Options{})
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- first.Run(rctx) }()
	var last projection.Token
	for i := range 20 {
		last = e.credit(t, ctx, person(i%4), 1)
	}
	if err := first.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v", err)
	}

	for i := range 8 {
		last = e.credit(t, ctx, person(i%4), 1)
	}
	second := newRunner(t, e, c.projection("restart"), projection.Options{})
	background(t, second.Run)
	if err := second.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	cons, err := e.js.Consumer(ctx, wire.StreamName(service), projection.ConsumerName(second, 1, service))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "every event to be acked", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.calls.Load() != 28 || info.Delivered.Consumer != 28 {
		t.Errorf("handler calls %d, deliveries %d; want 28 and 28: the restart must resume, not replay",
			c.calls.Load(), info.Delivered.Consumer)
	}
	for i := range 4 {
		if got, _ := total(t, ctx, second, e.pool, person(i)); got != 7 {
			t.Errorf("total of %s = %d, want 7", person(i), got)
		}
	}
}

func TestStandbyWaitsForTheActiveRunner(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	c := &counters{}
	active := newRunner(t, e, c.projection("standby"), projection.Options{})
	actx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- active.Run(actx) }()
	tok := e.credit(t, ctx, "person-s", 1)
	if err := active.WaitFor(ctx, tok); err != nil {
		t.Fatal(err)
	}

	var standbyCalls sync.Map
	sc := &counters{seen: func(_ context.Context, ev wire.Event) { standbyCalls.Store(ev.ID, true) }}
	standby := newRunner(t, e, sc.projection("standby"), projection.Options{})
	background(t, standby.Run)
	tok = e.credit(t, ctx, "person-s", 1)
	if err := standby.WaitFor(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if sc.calls.Load() != 0 {
		t.Fatalf("the standby applied %d events while the active runner ran", sc.calls.Load())
	}
	stop()
	<-done
	tok = e.credit(t, ctx, "person-s", 1)
	if err := standby.WaitFor(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if got, n := total(t, ctx, standby, e.pool, "person-s"); got != 3 || n != 3 || sc.calls.Load() == 0 {
		t.Fatalf("after failover total = %d over %d events (standby calls %d), want 3 over 3", got, n, sc.calls.Load())
	}
}

func TestNewRunnerRejectsBadProjections(t *testing.T) {
	t.Parallel()
	ok := (&counters{}).projection("tally")
	for name, mutate := range map[string]func(p *projection.Projection){
		"bad name":    func(p *projection.Projection) { p.Name = "Tally.x" },
		"no sources":  func(p *projection.Projection) { p.Sources = nil },
		"bad service": func(p *projection.Projection) { p.Sources = []projection.Source{{Service: "a.b"}} },
		"repeated":    func(p *projection.Projection) { p.Sources = append(p.Sources, p.Sources[0]) },
		"no apply":    func(p *projection.Projection) { p.Apply = nil },
		"no setup":    func(p *projection.Projection) { p.Setup = nil },
	} {
		p := ok
		mutate(&p)
		if _, err := projection.NewRunner(nil, nil, p, projection.Options{}); err == nil {
			t.Errorf("%s: NewRunner accepted %+v", name, p)
		}
	}
}

func TestRebuildWhileWritesContinue(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	c := &counters{}
	r := newRunner(t, e, c.projection("busy"), projection.Options{BatchSize: 5})
	background(t, r.Run)
	want := map[string]int64{}
	for i := range 40 {
		e.credit(t, ctx, person(i%5), i)
		want[person(i%5)] += int64(i)
	}

	type written struct {
		last projection.Token
		err  error
	}
	writes := make(chan written, 1)
	go func() {
		var w written
		for i := 0; i < 40 && w.err == nil; i++ {
			w.last, w.err = e.tryCredit(ctx, person(i%5), 100)
		}
		writes <- w
	}()
	if err := r.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	w := <-writes
	if w.err != nil {
		t.Fatal(w.err)
	}
	last := w.last
	if err := r.WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	if schema, _ := r.ActiveSchema(ctx); !strings.HasSuffix(schema, "busy_g2") {
		t.Fatalf("active schema %q, want busy_g2", schema)
	}
	for p, w := range want {
		if got, n := total(t, ctx, r, e.pool, p); got != w+8*100 || n != 16 {
			t.Errorf("total of %s = %d over %d events, want %d over 16", p, got, n, w+800)
		}
	}
}

// Two deployments of one projection on one NATS (a blue/green switch, two
// stations' databases) each see every event: they do not share a durable
// consumer and split the stream between them.
func TestTwoDatabasesDoNotShareAConsumer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t)
	blue, green := &counters{}, &counters{}
	r1 := newRunner(t, e, blue.projection("twin"), projection.Options{})
	other := &env{pool: pgtest.NewPool(t), store: e.store, srv: e.srv, js: e.js}
	r2 := newRunner(t, other, green.projection("twin"), projection.Options{})
	background(t, r1.Run)
	background(t, r2.Run)

	var last projection.Token
	for i := 1; i <= 10; i++ {
		last = e.credit(t, ctx, "person-twin", i)
	}
	for _, r := range []*projection.Runner{r1, r2} {
		if err := r.WaitFor(ctx, last); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := total(t, ctx, r1, e.pool, "person-twin"); got != 55 {
		t.Errorf("first deployment total %d, want 55", got)
	}
	if got, _ := total(t, ctx, r2, other.pool, "person-twin"); got != 55 {
		t.Errorf("second deployment total %d, want 55", got)
	}
}
