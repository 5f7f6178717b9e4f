package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/service"
	"github.com/doudi-platform/doudi/services/platform/telemetry"
)

const waitLimit = 10 * time.Second

func testConfig() config.Common {
	return config.Common{
		ServiceName:     "visits",
		GRPCAddr:        "127.0.0.1:0",
		HTTPAddr:        "127.0.0.1:0",
		ShutdownTimeout: 5 * time.Second,
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// running is a service started by start, with a way to stop it.
type running struct {
	svc    *service.Service
	cancel context.CancelFunc
	done   chan error
	conn   *grpc.ClientConn
}

// start runs svc and returns once its gRPC health reports SERVING.
func start(t *testing.T, svc *service.Service) *running {
	t.Helper()
	if err := svc.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{svc: svc, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(waitLimit):
			t.Error("Run did not return after cancel")
		}
	})

	conn, err := grpc.NewClient(svc.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	r.conn = conn

	watch, stop := watchHealth(t, conn, "")
	defer stop()
	waitForStatus(t, watch, healthpb.HealthCheckResponse_SERVING)
	return r
}

// stop cancels Run's context and returns what Run returned.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(waitLimit):
		t.Fatal("Run did not return")
		return nil
	}
}

func watchHealth(t *testing.T, conn *grpc.ClientConn, name string) (healthpb.Health_WatchClient, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	watch, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{Service: name})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return watch, cancel
}

// waitForStatus reads the watch until it reports want; the watch's context
// carries the deadline.
func waitForStatus(t *testing.T, watch healthpb.Health_WatchClient, want healthpb.HealthCheckResponse_ServingStatus) {
	t.Helper()
	for {
		resp, err := watch.Recv()
		if err != nil {
			t.Fatalf("waiting for health %s: %v", want, err)
		}
		if resp.GetStatus() == want {
			return
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: waitLimit}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestProbes(t *testing.T) {
	t.Parallel()
	svc := service.New(testConfig(), service.WithLogger(quietLogger()), service.WithCheckTimeout(50*time.Millisecond))
	var dbDown atomic.Bool
	svc.AddReadinessCheck("postgres", func(context.Context) error {
		if dbDown.Load() {
			return errors.New("connection refused")
		}
		return nil
	})
	svc.AddReadinessCheck("nats", func(context.Context) error { return nil })
	r := start(t, svc)
	base := "http://" + svc.HTTPAddr()

	code, body := get(t, base+"/healthz")
	if code != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Errorf("/healthz = %d %s", code, body)
	}

	code, body = get(t, base+"/readyz")
	if code != http.StatusOK || !jsonEqual(t, body, `{"status":"ok","checks":{"postgres":"ok","nats":"ok"}}`) {
		t.Errorf("/readyz = %d %s, want 200 with both checks ok", code, body)
	}

	dbDown.Store(true)
	code, body = get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable ||
		!jsonEqual(t, body, `{"status":"unavailable","checks":{"postgres":"failed: connection refused","nats":"ok"}}`) {
		t.Errorf("/readyz with the database down = %d %s, want 503 naming postgres", code, body)
	}

	// Liveness does not depend on the database.
	code, _ = get(t, base+"/healthz")
	if code != http.StatusOK {
		t.Errorf("/healthz with the database down = %d, want 200", code)
	}

	if err := r.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestReadinessCheckTimesOut(t *testing.T) {
	t.Parallel()
	svc := service.New(testConfig(), service.WithLogger(quietLogger()), service.WithCheckTimeout(20*time.Millisecond))
	svc.AddReadinessCheck("stuck", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	start(t, svc)
	code, body := get(t, "http://"+svc.HTTPAddr()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"stuck":"failed: timed out after 20ms"`) {
		t.Errorf("/readyz = %d %s, want 503 naming the stuck check", code, body)
	}
}

func TestExtraHandlersAndMetrics(t *testing.T) {
	// Not parallel: it installs the global meter provider.
	tel, err := telemetry.Setup(context.Background(), "visits", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(testConfig(), service.WithLogger(quietLogger()), service.WithTelemetry(tel))
	svc.Handle("GET /v1/ping", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "pong")
	}))
	r := start(t, svc)

	counter, err := otel.Meter("visits").Int64Counter("visits_completed")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(context.Background(), 2)

	base := "http://" + svc.HTTPAddr()
	if code, body := get(t, base+"/v1/ping"); code != http.StatusOK || body != "pong" {
		t.Errorf("/v1/ping = %d %q", code, body)
	}
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{"visits_completed_total", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// otelgrpc records an RPC when the server has finished it, which may be
	// just after the client has its reply: wait for the metric to appear.
	if _, err := healthpb.NewHealthClient(r.conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "otelgrpc server metrics on /metrics", func() bool {
		_, body := get(t, base+"/metrics")
		return strings.Contains(body, `rpc_method="grpc.health.v1.Health/Check"`)
	})
	if err := r.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestGRPCHealthTurnsNotServingOnShutdown(t *testing.T) {
	t.Parallel()
	svc := service.New(testConfig(), service.WithLogger(quietLogger()))
	svc.RegisterService(&pingDesc, nil)
	r := start(t, svc)

	overall, stopOverall := watchHealth(t, r.conn, "")
	perService, stopPerService := watchHealth(t, r.conn, "test.Ping")
	waitForStatus(t, overall, healthpb.HealthCheckResponse_SERVING)
	waitForStatus(t, perService, healthpb.HealthCheckResponse_SERVING)

	r.cancel()
	waitForStatus(t, overall, healthpb.HealthCheckResponse_NOT_SERVING)
	waitForStatus(t, perService, healthpb.HealthCheckResponse_NOT_SERVING)
	// The watches are in-flight RPCs; graceful stop waits for them to end.
	stopOverall()
	stopPerService()

	if err := r.wait(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// pingDesc is a service with no methods, enough to have a health entry.
var pingDesc = grpc.ServiceDesc{ServiceName: "test.Ping", HandlerType: (*any)(nil)}

// recorder collects shutdown steps from several goroutines.
type recorder struct {
	mu    sync.Mutex
	steps []string
}

func (r *recorder) add(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, step)
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.steps...)
}

func TestGracefulShutdownOrder(t *testing.T) {
	t.Parallel()
	var rec recorder
	svc := service.New(testConfig(), service.WithLogger(quietLogger()))

	handling := make(chan struct{})
	release := make(chan struct{})
	svc.Handle("POST /v1/visits", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(handling)
		<-release
		rec.add("in-flight request finished")
		w.WriteHeader(http.StatusCreated)
	}))

	relayStarted := make(chan struct{})
	svc.Go("relay", func(ctx context.Context) error {
		close(relayStarted)
		<-ctx.Done()
		// By now the servers must have stopped accepting.
		if conn, err := net.Dial("tcp", svc.HTTPAddr()); err == nil {
			conn.Close()
			rec.add("relay cancelled while HTTP still accepts")
		}
		rec.add("relay drained its batch")
		return ctx.Err()
	})
	svc.AddCloser("postgres pool", func(context.Context) error { rec.add("close postgres pool"); return nil })
	svc.AddCloser("nats", func(context.Context) error { rec.add("drain nats"); return nil })

	r := start(t, svc)
	<-relayStarted

	reply := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+svc.HTTPAddr()+"/v1/visits", "application/json", nil)
		if err != nil {
			reply <- 0
			return
		}
		resp.Body.Close()
		reply <- resp.StatusCode
	}()
	<-handling

	r.cancel()
	close(release)
	if err := r.wait(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if code := <-reply; code != http.StatusCreated {
		t.Errorf("in-flight request got %d, want 201", code)
	}
	want := []string{
		"in-flight request finished",
		"relay drained its batch",
		"drain nats",
		"close postgres pool",
	}
	if got := rec.get(); !reflect.DeepEqual(got, want) {
		t.Errorf("shutdown steps:\n got %q\nwant %q", got, want)
	}
}

func TestFailingWorkerStopsEverything(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		worker  func(context.Context) error
		wantErr string
	}{
		{"error", func(context.Context) error { return errors.New("lost the advisory lock") }, `worker "projection": lost the advisory lock`},
		{"early return", func(context.Context) error { return nil }, `worker "projection": returned before shutdown`},
		{"panic", func(context.Context) error { panic("index out of range") }, `worker "projection": panic: index out of range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			svc := service.New(testConfig(), service.WithLogger(quietLogger()))
			fail := make(chan struct{})
			svc.Go("projection", func(ctx context.Context) error {
				select {
				case <-fail:
					return tt.worker(ctx)
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			svc.Go("relay", func(ctx context.Context) error {
				<-ctx.Done()
				rec.add("relay stopped")
				return nil
			})
			svc.AddCloser("pool", func(context.Context) error { rec.add("pool closed"); return nil })
			r := start(t, svc)

			close(fail)
			err := r.wait(t)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Run = %v, want %q", err, tt.wantErr)
			}
			if got, want := rec.get(), []string{"relay stopped", "pool closed"}; !reflect.DeepEqual(got, want) {
				t.Errorf("steps = %q, want %q", got, want)
			}
			if conn, err := net.Dial("tcp", svc.HTTPAddr()); err == nil {
				conn.Close()
				t.Error("HTTP still accepts after Run returned")
			}
		})
	}
}

func TestRunFailsWhenAddressIsTaken(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig()
	cfg.HTTPAddr = taken.Addr().String()
	svc := service.New(cfg, service.WithLogger(quietLogger()))
	closed := false
	svc.AddCloser("pool", func(context.Context) error { closed = true; return nil })

	err = svc.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "listen HTTP on "+cfg.HTTPAddr) {
		t.Errorf("Run = %v, want a listen error naming the address", err)
	}
	if !closed {
		t.Error("closers did not run")
	}
}

func TestCloserErrorsAreReturned(t *testing.T) {
	t.Parallel()
	svc := service.New(testConfig(), service.WithLogger(quietLogger()))
	svc.AddCloser("nats", func(context.Context) error { return errors.New("drain timed out") })
	r := start(t, svc)
	if err := r.stop(t); err == nil || err.Error() != "close nats: drain timed out" {
		t.Errorf("Run = %v, want the closer's error", err)
	}
}

func TestNATSCheck(t *testing.T) {
	t.Parallel()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(waitLimit) {
		t.Fatal("embedded NATS server did not start")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	check := service.NATSCheck(nc)

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := check(ctx); err != nil {
		t.Errorf("connected: %v", err)
	}
	nc.Close()
	if err := check(ctx); err == nil || err.Error() != "nats connection is CLOSED" {
		t.Errorf("closed: %v, want nats connection is CLOSED", err)
	}
}

func TestPostgresCheck(t *testing.T) {
	t.Parallel()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres"
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := service.PostgresCheck(pool)(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s: %v (start PostgreSQL or set DATABASE_URL)", url, err)
	}

	// Nothing listens on port 1, so the check must fail rather than hang.
	down, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if err := service.PostgresCheck(down)(ctx); err == nil {
		t.Error("check against a closed port passed")
	}
}

// eventually polls cond until it holds, failing the test after waitLimit.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("invalid JSON %q: %v", got, err)
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

func TestProfilesOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	off := service.New(testConfig(), service.WithLogger(quietLogger()))
	start(t, off)
	if code, _ := get(t, "http://"+off.HTTPAddr()+"/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("profiles served without DEBUG_PPROF: %d", code)
	}
	cfg := testConfig()
	cfg.Pprof = true
	on := service.New(cfg, service.WithLogger(quietLogger()))
	start(t, on)
	if code, body := get(t, "http://"+on.HTTPAddr()+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/ with DEBUG_PPROF = %d", code)
	}
}
