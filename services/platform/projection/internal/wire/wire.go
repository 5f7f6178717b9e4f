// Package wire is a TEMPORARY stand-in for services/platform/wire, which is
// being written in parallel; it exists only so that the projection runner can
// be built and tested now. Delete it once the real package lands: there must
// be one codec.
package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// Event is a decoded event from the wire.
type Event struct {
	eventstore.Recorded
	Service string
}

// Context returns ctx carrying the event's remote span context.
func (e Event) Context(ctx context.Context) context.Context {
	c := propagation.MapCarrier{"traceparent": e.Metadata.TraceParent, "tracestate": e.Metadata.TraceState}
	return propagation.TraceContext{}.Extract(ctx, c)
}

// StreamName is the JetStream stream of a service.
func StreamName(service string) string { return "DOUDI_" + strings.ToUpper(service) }

// Encode turns a recorded event into a NATS message.
func Encode(service string, r eventstore.Recorded) *nats.Msg {
	parts := strings.SplitN(r.Type, ".", 3)
	for len(parts) < 3 {
		parts = append(parts, "_")
	}
	m := nats.NewMsg(fmt.Sprintf("doudi.%s.%s.%s.%s.%s", service, r.Metadata.Tenant, parts[1], parts[2], r.StreamID))
	h := m.Header
	h.Set("ce-specversion", "1.0")
	h.Set("ce-id", r.ID.String())
	h.Set("ce-type", r.Type)
	h.Set("ce-source", "doudi/"+service)
	h.Set("ce-subject", string(r.StreamID))
	h.Set("ce-time", r.OccurredAt.UTC().Format(time.RFC3339Nano))
	h.Set("ce-tenant", r.Metadata.Tenant)
	h.Set("ce-streamversion", strconv.FormatInt(int64(r.Version), 10))
	h.Set("ce-schemaversion", strconv.Itoa(r.SchemaVersion))
	h.Set("ce-position", strconv.FormatInt(int64(r.Position), 10))
	h.Set("ce-recordedtime", r.RecordedAt.UTC().Format(time.RFC3339Nano))
	h.Set("content-type", "application/json")
	if r.Metadata.TraceParent != "" {
		m.Header["traceparent"] = []string{r.Metadata.TraceParent}
	}
	h.Set(nats.MsgIdHdr, r.ID.String())
	m.Data = r.Data
	return m
}

// Decode reads a NATS message produced by Encode.
func Decode(m *nats.Msg) (Event, error) {
	h := m.Header
	var e Event
	var err error
	if e.ID, err = uuid.Parse(h.Get("ce-id")); err != nil {
		return Event{}, fmt.Errorf("wire: ce-id: %w", err)
	}
	e.Type = h.Get("ce-type")
	e.StreamID = eventstore.StreamID(h.Get("ce-subject"))
	v, err := strconv.ParseInt(h.Get("ce-streamversion"), 10, 64)
	if err != nil || v < 1 {
		return Event{}, errors.New("wire: bad ce-streamversion")
	}
	e.Version = eventstore.Version(v)
	p, _ := strconv.ParseInt(h.Get("ce-position"), 10, 64)
	e.Position = eventstore.Position(p)
	e.SchemaVersion, _ = strconv.Atoi(h.Get("ce-schemaversion"))
	e.OccurredAt, _ = time.Parse(time.RFC3339Nano, h.Get("ce-time"))
	e.RecordedAt, _ = time.Parse(time.RFC3339Nano, h.Get("ce-recordedtime"))
	e.Metadata.Tenant = h.Get("ce-tenant")
	if tp := m.Header["traceparent"]; len(tp) > 0 {
		e.Metadata.TraceParent = tp[0]
	}
	e.Service = strings.TrimPrefix(h.Get("ce-source"), "doudi/")
	e.Data = json.RawMessage(m.Data)
	return e, nil
}

// EnsureStream creates or updates the service's stream.
func EnsureStream(ctx context.Context, js jetstream.JetStream, service string, replicas int, dupWindow time.Duration) (jetstream.Stream, error) {
	return js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName(service),
		Subjects:   []string{"doudi." + service + ".>"},
		Storage:    jetstream.FileStorage,
		Replicas:   replicas,
		Duplicates: dupWindow,
	})
}
