package eventstore

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// typeNamePattern is "<service>.<aggregate>.<event>": three lower-case tokens,
// so that an event type is always three NATS subject tokens.
var typeNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)

// Upcaster turns a payload of one schema version into the next version's.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

type typeInfo struct {
	current   int
	upcasters map[int]Upcaster // keyed by the version they upgrade from
}

// Registry lists the event types a store accepts, their current schema
// versions, and the upcasters that read older versions. It is the service's
// codec: aggregates only ever see current payloads.
type Registry struct {
	types map[string]*typeInfo
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: map[string]*typeInfo{}} }

// Register declares an event type at its current schema version (≥ 1).
// It panics on a malformed name: type names are constants in code.
func (r *Registry) Register(eventType string, currentSchemaVersion int) *Registry {
	if !typeNamePattern.MatchString(eventType) {
		panic(fmt.Sprintf("eventstore: event type %q is not <service>.<aggregate>.<event>", eventType))
	}
	if currentSchemaVersion < 1 {
		panic(fmt.Sprintf("eventstore: event type %q: schema version must be ≥ 1", eventType))
	}
	r.types[eventType] = &typeInfo{current: currentSchemaVersion, upcasters: map[int]Upcaster{}}
	return r
}

// Upcast registers fn to turn eventType payloads of schema version from into from+1.
func (r *Registry) Upcast(eventType string, from int, fn Upcaster) *Registry {
	info, ok := r.types[eventType]
	if !ok {
		panic(fmt.Sprintf("eventstore: upcaster for unregistered event type %q", eventType))
	}
	if from < 1 || from >= info.current {
		panic(fmt.Sprintf("eventstore: upcaster for %q from version %d: current is %d", eventType, from, info.current))
	}
	info.upcasters[from] = fn
	return r
}

// Current reports the current schema version of eventType.
func (r *Registry) Current(eventType string) (int, bool) {
	info, ok := r.types[eventType]
	if !ok {
		return 0, false
	}
	return info.current, true
}

// Types lists the registered event types.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.types))
	for t := range r.types {
		out = append(out, t)
	}
	return out
}

// upcast brings ev to the current schema version of its type. Unknown types
// (an event written by a newer release) pass through unchanged.
func (r *Registry) upcast(ev *Recorded) error {
	info, ok := r.types[ev.Type]
	if !ok {
		return nil
	}
	for ev.SchemaVersion < info.current {
		fn, ok := info.upcasters[ev.SchemaVersion]
		if !ok {
			return fmt.Errorf("eventstore: no upcaster for %s from schema version %d", ev.Type, ev.SchemaVersion)
		}
		data, err := fn(ev.Data)
		if err != nil {
			return fmt.Errorf("eventstore: upcast %s from schema version %d: %w", ev.Type, ev.SchemaVersion, err)
		}
		ev.Data = data
		ev.SchemaVersion++
	}
	return nil
}
