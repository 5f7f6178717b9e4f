// Package servicetest runs a service in a component test the way its
// command does: started through the platform host on 127.0.0.1:0, served
// until the test ends, and reached over a real gRPC connection.
package servicetest

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/doudi-platform/doudi/services/platform/config"
	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
)

// Run starts a service with start, serves it until the test ends (then
// stops it and fails the test if it stopped with an error), and returns it
// with a client connection to its gRPC port.
func Run[S host.Service](t testing.TB, start func(context.Context) (S, error)) (S, *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := start(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	h := svc.Hosted()
	if err := h.Service.Listen(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	conn, err := grpc.NewClient(h.Service.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		cancel()
		<-done
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("service stopped with %v", err)
		}
	})
	return svc, conn
}

// Config loads a service's configuration into cfg for a component test: a
// fresh database schema, the NATS server at natsURL, ports 127.0.0.1:0,
// quiet logs and a fast relay; vars add the service's own variables or
// override these.
func Config(t testing.TB, cfg any, natsURL string, vars map[string]string) {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":        pgtest.NewSchema(t),
		"NATS_URL":            natsURL,
		"GRPC_ADDR":           "127.0.0.1:0",
		"HTTP_ADDR":           "127.0.0.1:0",
		"LOG_LEVEL":           "error",
		"LOG_FORMAT":          "text",
		"RELAY_POLL_INTERVAL": "20ms",
	}
	for k, v := range vars {
		env[k] = v
	}
	if err := config.LoadFrom(cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
}
