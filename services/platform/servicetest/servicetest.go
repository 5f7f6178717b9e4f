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

	"github.com/doudi-platform/doudi/services/platform/host"
)

// Run starts a service with start, serves it until the test ends (then
// stops it and fails the test if it stopped with an error) and returns a
// client connection to its gRPC port.
func Run(t testing.TB, start func(context.Context) (*host.Host, error)) *grpc.ClientConn {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h, err := start(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
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
	return conn
}
