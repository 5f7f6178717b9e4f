// Package openapi builds the gateway's one OpenAPI document from the
// per-area documents protoc-gen-openapiv2 generated, adding what the
// gateway does on top of grpc-gateway (API-key security, the Idempotency-Key,
// If-Match and Doudi-Consistency-Token headers, 201 Created, the error
// shape), and renders it as a self-contained HTML page.
package openapi

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

type object = map[string]any

// Merge reads the OpenAPI v2 documents at paths in fsys and merges them into
// one. A definition name two documents use for different schemas is
// prefixed with the second one's area; a path and method both use gets its
// path parameters renamed.
func Merge(fsys fs.FS, paths ...string) ([]byte, error) {
	out := object{
		"swagger": "2.0",
		"info": object{
			"title":   "Doudi API",
			"version": "v1",
			"description": "REST API of the Doudi social-assistance platform. Every call under /v1 needs an API key " +
				"(Authorization: Bearer <key> or X-API-Key: <key>). Writes accept an Idempotency-Key header (a retry " +
				"returns the first result) and If-Match with the resource's ETag (a stale one is 409); they return the " +
				"resource's ETag and a Doudi-Consistency-Token header that reads accept (header or consistency_token " +
				"query parameter) to wait until they reflect the write. Errors are JSON: see the Error definition.",
		},
		"consumes":            []any{"application/json"},
		"produces":            []any{"application/json"},
		"tags":                []any{},
		"paths":               object{},
		"definitions":         object{"Error": errorSchema, "FieldViolation": fieldViolationSchema},
		"securityDefinitions": securityDefinitions,
		"security":            []any{object{"ApiKey": []any{}}, object{"Bearer": []any{}}},
	}
	for _, p := range paths {
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("openapi: %w", err)
		}
		var doc object
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", p, err)
		}
		if err := merge(out, doc, area(p)); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", p, err)
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// area is the document's area from its path, ".../doudi/monitoring/v1/…" →
// "monitoring".
func area(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p == "doudi" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return strings.TrimSuffix(parts[len(parts)-1], ".swagger.json")
}

func merge(out, doc object, area string) error {
	defs := out["definitions"].(object)
	renames := map[string]string{"rpcStatus": "Error"}
	docDefs, _ := doc["definitions"].(object)
	for _, name := range slices.Sorted(maps.Keys(docDefs)) {
		if name == "rpcStatus" || name == "protobufAny" {
			continue // replaced by the gateway's Error
		}
		if existing, ok := defs[name]; ok && !reflect.DeepEqual(existing, docDefs[name]) {
			renames[name] = area + strings.ToUpper(name[:1]) + name[1:]
		}
	}
	rewriteRefs(doc, renames)
	for name, schema := range docDefs {
		if name == "rpcStatus" || name == "protobufAny" {
			continue
		}
		if n, ok := renames[name]; ok {
			name = n
		}
		defs[name] = schema
	}

	tags, _ := doc["tags"].([]any)
	out["tags"] = append(out["tags"].([]any), tags...)

	outPaths := out["paths"].(object)
	docPaths, _ := doc["paths"].(object)
	for _, path := range slices.Sorted(maps.Keys(docPaths)) {
		ops, _ := docPaths[path].(object)
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op, _ := ops[method].(object)
			if op == nil {
				continue
			}
			decorate(method, op)
			p := path
			if taken(outPaths, p, method) {
				if p = renameParams(path, op, "_"+area); taken(outPaths, p, method) {
					return fmt.Errorf("%s %s is in two documents", strings.ToUpper(method), path)
				}
			}
			if outPaths[p] == nil {
				outPaths[p] = object{}
			}
			outPaths[p].(object)[method] = op
		}
	}
	return nil
}

func taken(paths object, path, method string) bool {
	ops, _ := paths[path].(object)
	return ops != nil && ops[method] != nil
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// renameParams appends suffix to the path's parameters, in the path and in
// the operation's parameters.
func renameParams(path string, op object, suffix string) string {
	names := map[string]bool{}
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		names[m[1]] = true
	}
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		if p, ok := p.(object); ok && p["in"] == "path" && names[p["name"].(string)] {
			p["name"] = p["name"].(string) + suffix
		}
	}
	return pathParam.ReplaceAllString(path, "{${1}"+suffix+"}")
}

func rewriteRefs(v any, renames map[string]string) {
	switch v := v.(type) {
	case object:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				if n, ok := renames[strings.TrimPrefix(s, "#/definitions/")]; ok {
					v[k] = "#/definitions/" + n
				}
				continue
			}
			rewriteRefs(x, renames)
		}
	case []any:
		for _, x := range v {
			rewriteRefs(x, renames)
		}
	}
}

// decorate adds the gateway's headers and responses to an operation.
func decorate(method string, op object) {
	params, _ := op["parameters"].([]any)
	hasQuery := func(name string) bool {
		for _, p := range params {
			if p, ok := p.(object); ok && p["name"] == name && p["in"] == "query" {
				return true
			}
		}
		return false
	}
	if method == "post" {
		params = append(params, header("Idempotency-Key", "A client-chosen key (e.g. a UUID), at most 100 characters, "+
			"sent as the request's request_id: a retry with the same key returns the first result and writes nothing."))
		params = append(params, header("If-Match", `The resource's ETag as last read, e.g. "3", sent as the request's etag: `+
			"the write fails with 409 if the resource has changed since."))
	}
	if hasQuery("consistencyToken") {
		params = append(params, header("Doudi-Consistency-Token", "A write's consistency token (its Doudi-Consistency-Token "+
			"response header); the read waits until it reflects that write. Same as the consistency_token query parameter."))
	}
	op["parameters"] = params

	responses, _ := op["responses"].(object)
	if responses == nil {
		return
	}
	responses["default"] = object{"description": "An error.", "schema": object{"$ref": "#/definitions/Error"}}
	responses["401"] = object{"description": "No API key, or not a valid one.", "schema": object{"$ref": "#/definitions/Error"}}
	ok, _ := responses["200"].(object)
	if ok == nil {
		return
	}
	headers := object{"ETag": object{"type": "string", "description": `The resource's version, e.g. "3"; send it back in If-Match.`}}
	if method == "post" {
		headers["Doudi-Consistency-Token"] = object{"type": "string", "description": "The write's consistency token."}
	}
	ok["headers"] = headers
	if id, _ := op["operationId"].(string); Creates(id) {
		headers["Location"] = object{"type": "string", "description": "/v1/ and the new resource's name."}
		ok["description"] = "Created."
		delete(responses, "200")
		responses["201"] = ok
	}
}

func header(name, description string) object {
	return object{"name": name, "in": "header", "type": "string", "required": false, "description": description}
}

var (
	securityDefinitions = object{
		"ApiKey": object{"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The API key."},
		"Bearer": object{"type": "apiKey", "in": "header", "name": "Authorization", "description": `"Bearer " and the API key.`},
	}
	errorSchema = object{
		"type":        "object",
		"description": "The body of every error response.",
		"properties": object{
			"code":    object{"type": "integer", "format": "int32", "description": "The HTTP status."},
			"status":  object{"type": "string", "description": "The gRPC status, e.g. INVALID_ARGUMENT, NOT_FOUND, ABORTED."},
			"message": object{"type": "string", "description": "For a person to read."},
			"reason":  object{"type": "string", "description": "Stable UPPER_SNAKE reason to switch on, e.g. ETAG_MISMATCH, DUPLICATE_ID_NUMBER, UNKNOWN_FIELD."},
			"field_violations": object{"type": "array", "items": object{"$ref": "#/definitions/FieldViolation"},
				"description": "The request fields that are wrong (proto field paths, e.g. person.id_number)."},
			"metadata":   object{"type": "object", "additionalProperties": object{"type": "string"}, "description": "Details of the reason, e.g. the existing resource."},
			"request_id": object{"type": "string", "description": "The request's X-Request-Id, to quote when reporting a problem."},
		},
	}
	fieldViolationSchema = object{
		"type": "object",
		"properties": object{
			"field":       object{"type": "string"},
			"description": object{"type": "string"},
		},
	}
)

// BodyFields maps each operation with a body that is one field of its
// request ("METHOD /path", e.g. "POST /v1/{parent}/persons") to that field
// ("person"), so an error in the body can name the field as the request
// does ("person.fullName"). Operations whose body is the whole request
// are not listed.
func BodyFields(merged []byte) (map[string]string, error) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(merged, &doc); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for _, p := range op.Parameters {
				if p.In == "body" && p.Name != "body" {
					out[strings.ToUpper(method)+" "+path] = p.Name
				}
			}
		}
	}
	return out, nil
}
