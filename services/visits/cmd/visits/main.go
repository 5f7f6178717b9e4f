// Command visits runs the visits service: home visits and their reports,
// monthly themes, policy card editions, outreach events, the 24-hour hotline
// and social workers' village assignments, checked against a local view of
// the beneficiaries register.
//
// Callers are identified by gRPC metadata that the gateway sets after it
// has authenticated the API key: x-doudi-actor (the user id) and
// x-doudi-roles (comma-separated; "sensitive:read" may reveal notes and
// callers' numbers). Do not expose the gRPC port past the gateway.
//
//	visits [serve]              run the service
//	visits republish --from N   publish again every event at or after
//	                            position N (after a broker lost data)
package main

import (
	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/visits/internal/service"
)

func main() { host.Command(service.Name, service.Defaults, service.Start) }
