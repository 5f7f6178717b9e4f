// Package contracts holds Doudi's public contract: the protobuf APIs and
// event payloads under proto/, and what is generated from them under gen/.
// This file makes the generated OpenAPI documents available to Go code (the
// gateway serves them merged), since go:embed cannot reach across modules.
package contracts

import "embed"

// OpenAPI holds the OpenAPI v2 documents protoc-gen-openapiv2 generated, one
// per area: gen/openapi/doudi/<area>/v1/<area>.swagger.json.
//
//go:embed gen/openapi
var OpenAPI embed.FS
