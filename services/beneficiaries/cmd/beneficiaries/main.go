// Command beneficiaries runs the beneficiaries service: the register of
// households and persons, their categories, tiers and monthly files, with
// personal data sealed per person and reveals audited.
//
// Callers are identified by gRPC metadata that the gateway sets after it
// has authenticated the API key: x-doudi-actor (the user id) and
// x-doudi-roles (comma-separated; "sensitive:read" may reveal sensitive
// fields). Do not expose the gRPC port past the gateway.
//
//	beneficiaries [serve]              run the service
//	beneficiaries republish --from N   publish again every event at or after
//	                                   position N (after a broker lost data)
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/service"
	"github.com/doudi-platform/doudi/services/platform/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "beneficiaries:", err)
		os.Exit(1)
	}
}

func run() error {
	// The service's own defaults for the shared variables.
	var cfg service.Config
	err := config.LoadFrom(&cfg, config.WithDefaults(os.LookupEnv, map[string]string{
		"GRPC_ADDR": service.DefaultGRPCAddr, "HTTP_ADDR": service.DefaultHTTPAddr, "DATABASE_URL": service.DefaultDatabaseURL,
	}))
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := service.Start(ctx, cfg)
	if err != nil {
		return err
	}
	// No arguments (or "serve") runs the service; "republish --from N"
	// repairs the JetStream stream from the event store.
	return s.Host.Main(ctx, os.Args[1:])
}
