package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
	"github.com/doudi-platform/doudi/services/gateway/internal/gateway"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const tenant = "shitan"

// Keys the tests use, one per role that matters.
var (
	managerKey = auth.NewKey()
	civilKey   = auth.NewKey()
	partnerKey = auth.NewKey()
)

// syncBuffer collects a process's log lines for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// repoRoot is the workspace root, where go build can name any module.
func repoRoot(t testing.TB) string {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOWORK: %v (run the tests inside the Doudi workspace)", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// startBeneficiaries builds the real beneficiaries binary and runs it as a
// process on a fresh schema and the embedded JetStream server ns, on random
// ports; it returns its gRPC address and stops it when the test ends.
func startBeneficiaries(t *testing.T, ns *natstest.Server) string {
	t.Helper()
	return startService(t, "beneficiaries", ns, "BENEFICIARIES_CONSISTENCY_WAIT=10s",
		"BENEFICIARIES_MASTER_KEY="+randomKey(), "BENEFICIARIES_BLIND_INDEX_KEY="+randomKey())
}

// startVisits is startBeneficiaries for the visits service. Give it the
// beneficiaries service's ns so that it can check person references.
func startVisits(t *testing.T, ns *natstest.Server) string {
	t.Helper()
	return startService(t, "visits", ns, "VISITS_CONSISTENCY_WAIT=10s", "VISITS_MASTER_KEY="+randomKey())
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// startService builds services/<name>/cmd/<name> and runs it as a process
// on a fresh schema and the embedded JetStream server ns, on random ports,
// with env added; it returns its gRPC address once the service has started
// and its projection runner is active, and stops it when the test ends.
func startService(t *testing.T, name string, ns *natstest.Server, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	build := exec.Command("go", "build", "-o", bin, "./services/"+name+"/cmd/"+name)
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(),
		"DATABASE_URL="+pgtest.NewSchema(t), "NATS_URL="+ns.URL(),
		"GRPC_ADDR=127.0.0.1:0", "HTTP_ADDR=127.0.0.1:0", "LOG_FORMAT=json", "LOG_LEVEL=info",
		"RELAY_POLL_INTERVAL=20ms", "OTEL_EXPORTER_OTLP_ENDPOINT="), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	addr, projecting := make(chan string, 1), make(chan struct{})
	active := sync.OnceFunc(func() { close(projecting) }) // a service may run several projections
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			var line struct {
				Msg      string
				GRPCAddr string `json:"grpc_addr"`
			}
			switch _ = json.Unmarshal(sc.Bytes(), &line); line.Msg {
			case "service started":
				addr <- line.GRPCAddr
			case "projection runner active":
				active()
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, logs.String())
		}
	})
	// Wait for the persons projection too: writes made before its runner
	// is active were seen to stay out of the list (reported to the
	// beneficiaries service).
	var a string
	timeout := time.After(60 * time.Second)
	for waiting := projecting; a == "" || waiting != nil; {
		select {
		case a = <-addr:
		case <-waiting:
			waiting = nil
		case <-timeout:
			t.Fatalf("%s did not start (and project) within 60s; logs:\n%s", name, logs.String())
		}
	}
	return a
}

// gw is a running gateway in front of real service processes.
type gw struct {
	url  string
	logs *syncBuffer
}

// startGateway runs the gateway in-process on a random port, with the
// test keys, CORS for https://app.example, a 64 KiB body limit, and the
// services at addrs ("BENEFICIARIES_ADDR", address, …); those not given
// point at a closed port (they are not running in these tests).
func startGateway(t *testing.T, addrs ...string) *gw {
	t.Helper()
	env := map[string]string{
		"HTTP_ADDR":          "127.0.0.1:0",
		"GRPC_ADDR":          "127.0.0.1:0",
		"BENEFICIARIES_ADDR": "127.0.0.1:1",
		"MONITORING_ADDR":    "127.0.0.1:1",
		"VISITS_ADDR":        "127.0.0.1:1",
		"GATEWAY_API_KEYS": "manager:station_manager:" + auth.HashKey(managerKey) + ",civil:civil_affairs:" + auth.HashKey(civilKey) +
			",partner:partner:" + auth.HashKey(partnerKey),
		"GATEWAY_CORS_ORIGINS":   "https://app.example",
		"GATEWAY_MAX_BODY_BYTES": "65536",
		"LOG_FORMAT":             "json",
	}
	for i := 0; i+1 < len(addrs); i += 2 {
		env[addrs[i]] = addrs[i+1]
	}
	cfg, err := gateway.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	g, err := gateway.Start(context.Background(), cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Service.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway stopped with: %v", err)
		}
		if t.Failed() {
			t.Logf("gateway logs:\n%s", logs.String())
		}
	})
	return &gw{url: "http://" + g.Service.HTTPAddr(), logs: logs}
}

// response is an HTTP response with its body read.
type response struct {
	*http.Response
	body []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// call sends a request. body is JSON-encoded unless it is a string or
// []byte; headers alternate name and value.
func (g *gw) call(t testing.TB, method, path, key string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, g.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res, raw}
}

// expect fails the test unless the response has the status.
func expect(t testing.TB, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
}

// expectError checks an error response's shape, status and reason, and
// returns its field violations' fields.
func expectError(t testing.TB, r response, status int, reason string) []string {
	t.Helper()
	expect(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want JSON", ct)
	}
	var e struct {
		Code            int
		Status, Message string
		Reason          string
		FieldViolations []struct{ Field, Description string } `json:"field_violations"`
		RequestID       string                                `json:"request_id"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v\n%s", err, r.body)
	}
	if e.Code != status || e.Status == "" || e.Message == "" || e.RequestID == "" || e.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("error body %s: want code %d, a status, a message and the X-Request-Id", r.body, status)
	}
	if reason != "" && e.Reason != reason {
		t.Errorf("reason = %q, want %q; body %s", e.Reason, reason, r.body)
	}
	var fields []string
	for _, v := range e.FieldViolations {
		fields = append(fields, v.Field)
	}
	return fields
}

// personBody is a CreatePerson body for person i in household.
func personBody(i int, household string) map[string]any {
	id, birth := residentid.Sample(i)
	return map[string]any{
		"fullName": fmt.Sprintf("陈%d", i), "gender": "GENDER_MALE", "birthDate": birth, "idNumber": id,
		"phone": fmt.Sprintf("138%08d", i), "healthNotes": "高血压", "household": household,
		"relationshipToHead": "RELATIONSHIP_SELF", "categories": []string{"DIBAO"},
	}
}
