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
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/service"
	"github.com/doudi-platform/doudi/services/platform/host"
)

func main() { host.Command(service.Name, service.Defaults, service.Start) }
