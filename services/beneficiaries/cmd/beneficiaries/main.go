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

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/service"
	"github.com/doudi-platform/doudi/services/platform/host"
)

func main() {
	host.Command(service.Name, host.Defaults{
		"GRPC_ADDR": service.DefaultGRPCAddr, "HTTP_ADDR": service.DefaultHTTPAddr, "DATABASE_URL": service.DefaultDatabaseURL,
	}, func(ctx context.Context, cfg service.Config) (*host.Host, error) {
		s, err := service.Start(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return s.Host, nil
	})
}
