package openapi

import "strings"

// creations are the methods that create a resource without being named
// Create…: the visits service's custom methods on a collection (AIP-136),
// which say what happened ("a visit was recorded", "a call came in") rather
// than "create". Keyed by "Service/Method".
var creations = map[string]bool{
	"VisitsService/ScheduleVisit":       true,
	"VisitsService/RecordVisit":         true,
	"VisitsService/ChooseMonthlyTheme":  true,
	"VisitsService/PublishCardEdition":  true,
	"VisitsService/RecordOutreachEvent": true,
	"VisitsService/ReceiveHotlineCall":  true,
}

// Creates reports whether a gRPC method creates a resource, so that its
// REST route answers 201 Created with a Location. method is the full name
// ("/doudi.visits.v1.VisitsService/RecordVisit") or an OpenAPI operationId
// ("VisitsService_RecordVisit").
func Creates(method string) bool {
	var service, name string
	if strings.HasPrefix(method, "/") {
		service, name, _ = strings.Cut(strings.TrimPrefix(method, "/"), "/")
		service = service[strings.LastIndex(service, ".")+1:]
	} else {
		service, name, _ = strings.Cut(method, "_")
	}
	return strings.HasPrefix(name, "Create") || creations[service+"/"+name]
}
