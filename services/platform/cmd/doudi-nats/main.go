// Command doudi-nats runs an embedded NATS server with JetStream for local
// development, so that scripts/dev.sh needs no NATS installed. Production and
// docker-compose use a real NATS cluster.
//
//	doudi-nats -addr 127.0.0.1:4333 -store /tmp/doudi-nats
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4333", "host:port to listen on")
	store := flag.String("store", "", "JetStream storage directory (required)")
	flag.Parse()
	if err := run(*addr, *store); err != nil {
		fmt.Fprintln(os.Stderr, "doudi-nats:", err)
		os.Exit(1)
	}
}

func run(addr, store string) error {
	if store == "" {
		return fmt.Errorf("-store is required")
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	srv, err := server.NewServer(&server.Options{Host: host, Port: port, JetStream: true, StoreDir: store, NoSigs: true})
	if err != nil {
		return err
	}
	srv.ConfigureLogger()
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		return fmt.Errorf("not ready on %s", addr)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	srv.Shutdown()
	srv.WaitForShutdown()
	return nil
}
