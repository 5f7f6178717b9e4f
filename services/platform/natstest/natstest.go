// Package natstest runs real NATS servers with JetStream for tests: an
// embedded server per test (the current nats-server module), which a test can
// stop and start again on the same port and storage to simulate an outage,
// and the machine's own server for end-to-end tests.
package natstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/wire"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is an embedded NATS server with JetStream on 127.0.0.1.
type Server struct {
	t    testing.TB
	opts server.Options
	srv  *server.Server
}

// Start runs an embedded JetStream server for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, opts: server.Options{
		Host:      "127.0.0.1",
		Port:      freePort(t),
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("natstest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) start() {
	s.t.Helper()
	opts := s.opts
	srv, err := server.NewServer(&opts)
	if err != nil {
		s.t.Fatalf("natstest: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		s.t.Fatalf("natstest: server on port %d not ready", s.opts.Port)
	}
	s.srv = srv
}

// URL is the server's client URL.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.opts.Port) }

// Stop shuts the server down and waits until it has.
func (s *Server) Stop() {
	if s.srv == nil {
		return
	}
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.srv = nil
}

// Restart starts a stopped server again on the same port with the same storage.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Connect opens a client connection that reconnects forever (the way
// services connect), closed when the test ends.
func Connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond),
		nats.RetryOnFailedConnect(false))
	if err != nil {
		t.Fatalf("natstest: NATS is not reachable at %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// MachineURL is the machine's own NATS server (NATS_URL, default
// nats://127.0.0.1:4222), checked to be reachable; the test fails with what to
// start when it is not.
func MachineURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("NATS_URL")
	if url == "" {
		url = nats.DefaultURL
	}
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		t.Fatalf("natstest: NATS with JetStream is not reachable at %s (%v); start it, e.g. "+
			"nats-server -a 127.0.0.1 -p 4222 -js, or set NATS_URL", url, err)
	}
	nc.Close()
	return url
}

// Messages is the number of messages in service's stream: what a subscriber
// has seen published.
func Messages(t testing.TB, js jetstream.JetStream, service string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, wire.StreamName(service))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
