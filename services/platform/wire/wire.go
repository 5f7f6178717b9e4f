// Package wire is the format of Doudi's events on NATS JetStream, shared by
// the relay that publishes them and the consumers that read them.
//
// # Streams and subjects
//
// Each service has one JetStream stream, DOUDI_<SERVICE>, holding the subjects
//
//	doudi.<service>.<tenant>.<aggregate>.<event>.<stream_id>
//
// where <aggregate>.<event> are the last two tokens of the event type
// "<service>.<aggregate>.<event>", <tenant> is the station or town code from
// the event's metadata and <stream_id> the aggregate's stream. Every part is
// one subject token, so a subscriber can filter on any of them:
//
//	doudi.beneficiaries.>                                  everything of one service
//	doudi.*.shitan.>                                       every service, one tenant
//	doudi.beneficiaries.shitan.person.tier_assessed.*      one event type in one tenant
//	doudi.beneficiaries.*.person.*.person-0190c7e2-…       one aggregate's stream
//	doudi.visits.*.visit.completed.*                       one event type, all tenants
//
// # Messages
//
// Messages are CloudEvents 1.0 in binary mode: the attributes are NATS headers
// (ce-specversion, ce-id, ce-source, ce-type, ce-subject, ce-time,
// content-type), the body is the event's JSON data exactly as stored. Doudi's
// own attributes are CloudEvents extensions (ce-tenant, ce-streamversion,
// ce-schemaversion, ce-position, ce-recordedtime, ce-correlationid,
// ce-causationid, ce-actor, ce-requestid). The W3C trace context travels as
// lower-case traceparent and tracestate headers, so one trace runs from the
// REST call to the projection. Nats-Msg-Id is the event id, so JetStream drops
// a re-published event within its duplicate window.
package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
)

// Header names. CloudEvents' NATS binding prefixes attributes with "ce-";
// extension names are lower-case letters and digits of at most 20 characters.
const (
	HeaderSpecVersion   = "ce-specversion"
	HeaderID            = "ce-id"
	HeaderSource        = "ce-source"
	HeaderType          = "ce-type"
	HeaderSubject       = "ce-subject"
	HeaderTime          = "ce-time"
	HeaderContentType   = "content-type"
	HeaderTenant        = "ce-tenant"
	HeaderStreamVersion = "ce-streamversion"
	HeaderSchemaVersion = "ce-schemaversion"
	HeaderPosition      = "ce-position"
	HeaderRecordedTime  = "ce-recordedtime"
	HeaderCorrelationID = "ce-correlationid"
	HeaderCausationID   = "ce-causationid"
	HeaderActor         = "ce-actor"
	HeaderRequestID     = "ce-requestid"
	HeaderTraceParent   = "traceparent"
	HeaderTraceState    = "tracestate"

	SpecVersion = "1.0"
	ContentType = "application/json"

	// SubjectPrefix is the first token of every Doudi event subject.
	SubjectPrefix = "doudi"

	// MinDuplicateWindow is the shortest duplicate window EnsureStream
	// accepts: the relay re-publishes a batch after a crash or an outage, and
	// the window must cover that retry.
	MinDuplicateWindow = 2 * time.Minute
)

var servicePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// StreamName is the JetStream stream of a service's events, DOUDI_<SERVICE>.
func StreamName(service string) string {
	return "DOUDI_" + strings.ToUpper(service)
}

// StreamSubjects is the subject filter of a service's stream, doudi.<service>.>.
func StreamSubjects(service string) string {
	return SubjectPrefix + "." + service + ".>"
}

// Subject is the subject an event is published on:
// doudi.<service>.<tenant>.<aggregate>.<event>.<stream_id>.
func Subject(service string, r eventstore.Recorded) string {
	aggregate, event := "_", "_"
	// The registry guarantees three tokens; a row that bypassed it still gets
	// a valid subject rather than wedging the relay.
	if parts := strings.Split(r.Type, "."); len(parts) == 3 {
		aggregate, event = parts[1], parts[2]
	} else {
		event = r.Type
	}
	var b strings.Builder
	b.Grow(len(SubjectPrefix) + len(service) + len(r.Metadata.Tenant) + len(r.Type) + len(r.StreamID) + 5)
	b.WriteString(SubjectPrefix)
	for _, tok := range [...]string{service, r.Metadata.Tenant, aggregate, event, string(r.StreamID)} {
		b.WriteByte('.')
		b.WriteString(token(tok))
	}
	return b.String()
}

// token makes s one valid subject token.
func token(s string) string {
	if s == "" {
		return "_"
	}
	if strings.ContainsAny(s, ".*> \t\r\n") {
		return strings.Map(func(r rune) rune {
			switch r {
			case '.', '*', '>', ' ', '\t', '\r', '\n':
				return '_'
			}
			return r
		}, s)
	}
	return s
}

// Source is the CloudEvents source of a service's events in a tenant.
func Source(service, tenant string) string {
	return "/" + SubjectPrefix + "/" + service + "/" + tenant
}

// Encode builds the message for an event of service.
func Encode(service string, r eventstore.Recorded) *nats.Msg {
	id := r.ID.String()
	md := &r.Metadata
	h := make(nats.Header, 20)
	h[HeaderSpecVersion] = []string{SpecVersion}
	h[HeaderID] = []string{id}
	h[jetstream.MsgIDHeader] = []string{id}
	h[HeaderSource] = []string{Source(service, md.Tenant)}
	h[HeaderType] = []string{r.Type}
	h[HeaderSubject] = []string{string(r.StreamID)}
	h[HeaderTime] = []string{r.OccurredAt.UTC().Format(time.RFC3339Nano)}
	h[HeaderContentType] = []string{ContentType}
	h[HeaderTenant] = []string{md.Tenant}
	h[HeaderStreamVersion] = []string{strconv.FormatInt(int64(r.Version), 10)}
	h[HeaderSchemaVersion] = []string{strconv.Itoa(r.SchemaVersion)}
	h[HeaderPosition] = []string{strconv.FormatInt(int64(r.Position), 10)}
	h[HeaderRecordedTime] = []string{r.RecordedAt.UTC().Format(time.RFC3339Nano)}
	for _, kv := range [...][2]string{
		{HeaderCorrelationID, md.CorrelationID},
		{HeaderCausationID, md.CausationID},
		{HeaderActor, md.Actor},
		{HeaderRequestID, md.RequestID},
		{HeaderTraceParent, md.TraceParent},
		{HeaderTraceState, md.TraceState},
	} {
		if kv[1] != "" {
			h[kv[0]] = []string{kv[1]}
		}
	}
	return &nats.Msg{Subject: Subject(service, r), Header: h, Data: r.Data}
}

// Event is a decoded message.
type Event struct {
	// ID is the event id (ce-id), also the message's Nats-Msg-Id.
	ID uuid.UUID
	// Source is ce-source, /doudi/<service>/<tenant>; Service is its service.
	Source  string
	Service string
	// Type is the event type, "<service>.<aggregate>.<event>".
	Type string
	// StreamID is the aggregate's stream (ce-subject).
	StreamID eventstore.StreamID
	// Time is when the event happened in business time (ce-time, occurred_at).
	Time          time.Time
	Tenant        string
	StreamVersion eventstore.Version
	SchemaVersion int
	// Position is the event's place in its service's event store.
	Position eventstore.Position
	// RecordedTime is when the event store took the event.
	RecordedTime time.Time
	// Metadata carries tenant, actor, correlation, causation, request id and
	// trace context as the event store held them.
	Metadata eventstore.Metadata
	// MsgSubject is the NATS subject the message arrived on.
	MsgSubject string
	// Data is the JSON payload.
	Data json.RawMessage
}

// Context returns ctx carrying the remote span context of the event's
// traceparent and tracestate, so a consumer's span joins the writer's trace.
// It uses the W3C propagator directly: the global one may be unset or differ.
func (e Event) Context(ctx context.Context) context.Context {
	if e.Metadata.TraceParent == "" {
		return ctx
	}
	carrier := propagation.MapCarrier{HeaderTraceParent: e.Metadata.TraceParent}
	if e.Metadata.TraceState != "" {
		carrier[HeaderTraceState] = e.Metadata.TraceState
	}
	return propagation.TraceContext{}.Extract(ctx, carrier)
}

// ErrMalformed is the class of every decoding error: a message that cannot be
// decoded never will be, so a consumer parks it instead of retrying.
var ErrMalformed = errors.New("wire: malformed event message")

// DecodeError names the header (or "data") that is missing or invalid.
type DecodeError struct {
	Header string
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wire: malformed event message: %s %s", e.Header, e.Reason)
}

func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// Decode reads an event from a message (a core NATS message or a stream
// message's parts through DecodeParts).
func Decode(msg *nats.Msg) (Event, error) {
	if msg == nil {
		return Event{}, &DecodeError{Header: "message", Reason: "is nil"}
	}
	return DecodeParts(msg.Subject, msg.Header, msg.Data)
}

// DecodeParts reads an event from a message's subject, headers and body, as a
// jetstream.Msg (Subject(), Headers(), Data()) or a stream's raw message gives them.
func DecodeParts(subject string, h nats.Header, data []byte) (Event, error) {
	d := decoder{h: h}
	if v := d.required(HeaderSpecVersion); d.err == nil && v != SpecVersion {
		d.fail(HeaderSpecVersion, "is %q, want %q", v, SpecVersion)
	}
	if ct := d.get(HeaderContentType); d.err == nil && ct != "" && ct != ContentType && !strings.HasPrefix(ct, ContentType+";") {
		d.fail(HeaderContentType, "is %q, want %q", ct, ContentType)
	}
	e := Event{MsgSubject: subject}
	if v := d.required(HeaderID); d.err == nil {
		id, err := uuid.Parse(v)
		if err != nil {
			d.fail(HeaderID, "is not a UUID: %q", v)
		}
		e.ID = id
	}
	e.Source = d.required(HeaderSource)
	if d.err == nil {
		parts := strings.Split(e.Source, "/")
		if len(parts) != 4 || parts[0] != "" || parts[1] != SubjectPrefix || parts[2] == "" || parts[3] == "" {
			d.fail(HeaderSource, "is %q, want /%s/<service>/<tenant>", e.Source, SubjectPrefix)
		} else {
			e.Service = parts[2]
		}
	}
	e.Type = d.required(HeaderType)
	e.StreamID = eventstore.StreamID(d.required(HeaderSubject))
	e.Time = d.time(HeaderTime)
	e.Tenant = d.required(HeaderTenant)
	e.StreamVersion = eventstore.Version(d.positive(HeaderStreamVersion))
	e.SchemaVersion = int(d.positive(HeaderSchemaVersion))
	e.Position = eventstore.Position(d.positive(HeaderPosition))
	e.RecordedTime = d.time(HeaderRecordedTime)
	e.Metadata = eventstore.Metadata{
		Tenant:        e.Tenant,
		Actor:         d.get(HeaderActor),
		CorrelationID: d.get(HeaderCorrelationID),
		CausationID:   d.get(HeaderCausationID),
		RequestID:     d.get(HeaderRequestID),
		TraceParent:   d.get(HeaderTraceParent),
		TraceState:    d.get(HeaderTraceState),
	}
	if d.err == nil && len(data) == 0 {
		d.fail("data", "is empty")
	}
	if d.err != nil {
		return Event{}, d.err
	}
	e.Data = json.RawMessage(data)
	return e, nil
}

// decoder keeps the first error so that DecodeParts reads straight through.
type decoder struct {
	h   nats.Header
	err error
}

func (d *decoder) fail(header, format string, args ...any) {
	if d.err == nil {
		d.err = &DecodeError{Header: header, Reason: fmt.Sprintf(format, args...)}
	}
}

// get looks a header up exactly, then ignoring case: NATS headers are
// case-sensitive, but a bridge or another client may have canonicalised them.
func (d *decoder) get(name string) string {
	if v := d.h[name]; len(v) > 0 {
		return v[0]
	}
	for k, v := range d.h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

func (d *decoder) required(name string) string {
	v := d.get(name)
	if v == "" {
		d.fail(name, "is missing")
	}
	return v
}

func (d *decoder) time(name string) time.Time {
	v := d.required(name)
	if d.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		d.fail(name, "is not an RFC 3339 time: %q", v)
	}
	return t.UTC()
}

func (d *decoder) positive(name string) int64 {
	v := d.required(name)
	if d.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		d.fail(name, "is not a positive integer: %q", v)
	}
	return n
}

// StreamConfig is the configuration EnsureStream applies.
func StreamConfig(service string, replicas int, duplicateWindow time.Duration) (jetstream.StreamConfig, error) {
	if !servicePattern.MatchString(service) {
		return jetstream.StreamConfig{}, fmt.Errorf("wire: service %q is not a lower-case name", service)
	}
	if duplicateWindow == 0 {
		duplicateWindow = MinDuplicateWindow
	}
	if duplicateWindow < MinDuplicateWindow {
		return jetstream.StreamConfig{}, fmt.Errorf("wire: duplicate window %s is shorter than %s", duplicateWindow, MinDuplicateWindow)
	}
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:        StreamName(service),
		Description: "Doudi events of the " + service + " service",
		Subjects:    []string{StreamSubjects(service)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Replicas:    replicas,
		Duplicates:  duplicateWindow,
	}, nil
}

// EnsureStream creates the service's stream or updates it to the current
// configuration. replicas < 1 means 1; a zero duplicateWindow means
// MinDuplicateWindow, and a shorter one is rejected.
func EnsureStream(ctx context.Context, js jetstream.JetStream, service string, replicas int, duplicateWindow time.Duration) (jetstream.Stream, error) {
	cfg, err := StreamConfig(service, replicas, duplicateWindow)
	if err != nil {
		return nil, err
	}
	s, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("wire: ensure stream %s: %w", cfg.Name, err)
	}
	return s, nil
}
