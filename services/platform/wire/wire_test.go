package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

func sampleEvent() eventstore.Recorded {
	return eventstore.Recorded{
		ID:            uuid.MustParse("0190c7e2-6a4b-7c3d-8e9f-0a1b2c3d4e5f"),
		StreamID:      "person-42",
		Version:       7,
		Position:      1234,
		Type:          "beneficiaries.person.tier_assessed",
		SchemaVersion: 2,
		Data:          json.RawMessage(`{"tier":"A","reason":"lives alone"}`),
		Metadata: eventstore.Metadata{
			Tenant:        "shitan",
			Actor:         "worker-7",
			CorrelationID: "corr-1",
			CausationID:   "cause-1",
			RequestID:     "req-1",
			TraceParent:   "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			TraceState:    "doudi=1",
		},
		OccurredAt: time.Date(2024, 3, 1, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600)),
		RecordedAt: time.Date(2024, 3, 2, 1, 0, 0, 5000, time.UTC),
		TxID:       99,
	}
}

func TestSubject(t *testing.T) {
	r := sampleEvent()
	if got, want := wire.Subject("beneficiaries", r), "doudi.beneficiaries.shitan.person.tier_assessed.person-42"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got, want := wire.StreamName("beneficiaries"), "DOUDI_BENEFICIARIES"; got != want {
		t.Errorf("StreamName = %q, want %q", got, want)
	}
	if got, want := wire.StreamSubjects("beneficiaries"), "doudi.beneficiaries.>"; got != want {
		t.Errorf("StreamSubjects = %q, want %q", got, want)
	}
	// A row that bypassed the registry still gets a publishable subject.
	r.Type, r.Metadata.Tenant = "odd.type", ""
	got := wire.Subject("beneficiaries", r)
	if want := "doudi.beneficiaries._._.odd_type.person-42"; got != want {
		t.Errorf("Subject of malformed type = %q, want %q", got, want)
	}
}

func TestSubjectMatchesDocumentedFilters(t *testing.T) {
	subject := wire.Subject("beneficiaries", sampleEvent())
	for _, filter := range []string{
		"doudi.beneficiaries.>",
		"doudi.*.shitan.>",
		"doudi.beneficiaries.shitan.person.tier_assessed.*",
		"doudi.beneficiaries.*.person.*.person-42",
	} {
		if !subjectMatches(filter, subject) {
			t.Errorf("filter %q does not match %q", filter, subject)
		}
	}
	if subjectMatches("doudi.*.tangxia.>", subject) {
		t.Errorf("another tenant's filter matches %q", subject)
	}
}

// subjectMatches is NATS wildcard matching, enough for the documented filters.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(f) == len(s)
}

func TestEncodeHeaders(t *testing.T) {
	r := sampleEvent()
	msg := wire.Encode("beneficiaries", r)
	want := map[string]string{
		"ce-specversion":   "1.0",
		"ce-id":            r.ID.String(),
		"Nats-Msg-Id":      r.ID.String(),
		"ce-source":        "/doudi/beneficiaries/shitan",
		"ce-type":          "beneficiaries.person.tier_assessed",
		"ce-subject":       "person-42",
		"ce-time":          "2024-03-01T00:30:00.123456789Z",
		"content-type":     "application/json",
		"ce-tenant":        "shitan",
		"ce-streamversion": "7",
		"ce-schemaversion": "2",
		"ce-position":      "1234",
		"ce-recordedtime":  "2024-03-02T01:00:00.000005Z",
		"ce-correlationid": "corr-1",
		"ce-causationid":   "cause-1",
		"ce-actor":         "worker-7",
		"ce-requestid":     "req-1",
		"traceparent":      r.Metadata.TraceParent,
		"tracestate":       "doudi=1",
	}
	for k, v := range want {
		if got := msg.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if len(msg.Header) != len(want) {
		t.Errorf("%d headers, want %d: %v", len(msg.Header), len(want), msg.Header)
	}
	for k := range msg.Header {
		if name, ok := strings.CutPrefix(k, "ce-"); ok && (len(name) > 20 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789") != "") {
			t.Errorf("attribute %s is not a valid CloudEvents extension name", k)
		}
	}
	if string(msg.Data) != string(r.Data) {
		t.Errorf("data = %s, want %s", msg.Data, r.Data)
	}

	// Empty optional metadata is left out, not sent as empty headers.
	r.Metadata = eventstore.Metadata{Tenant: "shitan"}
	msg = wire.Encode("beneficiaries", r)
	for _, k := range []string{"ce-correlationid", "ce-causationid", "ce-actor", "ce-requestid", "traceparent", "tracestate"} {
		if _, ok := msg.Header[k]; ok {
			t.Errorf("empty %s is sent", k)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	r := sampleEvent()
	msg := wire.Encode("beneficiaries", r)
	e, err := wire.Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != r.ID || e.Type != r.Type || e.StreamID != r.StreamID || e.Tenant != "shitan" ||
		e.StreamVersion != r.Version || e.SchemaVersion != r.SchemaVersion || e.Position != r.Position ||
		e.Service != "beneficiaries" || e.Source != "/doudi/beneficiaries/shitan" || e.MsgSubject != msg.Subject {
		t.Errorf("decoded %+v from %+v", e, r)
	}
	if !e.Time.Equal(r.OccurredAt) || !e.RecordedTime.Equal(r.RecordedAt) {
		t.Errorf("times %v %v, want %v %v", e.Time, e.RecordedTime, r.OccurredAt, r.RecordedAt)
	}
	if e.Metadata != r.Metadata {
		t.Errorf("metadata %+v, want %+v", e.Metadata, r.Metadata)
	}
	if string(e.Data) != string(r.Data) {
		t.Errorf("data %s, want %s", e.Data, r.Data)
	}

	// The same through DecodeParts, as a jetstream.Msg gives the parts.
	e2, err := wire.DecodeParts(msg.Subject, msg.Header, msg.Data)
	if err != nil || e2.ID != e.ID {
		t.Errorf("DecodeParts: %v, %v", e2.ID, err)
	}
}

func TestDecodeIgnoresHeaderCase(t *testing.T) {
	msg := wire.Encode("beneficiaries", sampleEvent())
	h := nats.Header{}
	for k, v := range msg.Header {
		h[strings.ToUpper(k)] = v
	}
	if _, err := wire.DecodeParts(msg.Subject, h, msg.Data); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*nats.Msg)
		header string
	}{
		{"missing specversion", func(m *nats.Msg) { m.Header.Del("ce-specversion") }, "ce-specversion"},
		{"wrong specversion", func(m *nats.Msg) { m.Header.Set("ce-specversion", "0.3") }, "ce-specversion"},
		{"wrong content type", func(m *nats.Msg) { m.Header.Set("content-type", "application/protobuf") }, "content-type"},
		{"missing id", func(m *nats.Msg) { m.Header.Del("ce-id") }, "ce-id"},
		{"bad id", func(m *nats.Msg) { m.Header.Set("ce-id", "42") }, "ce-id"},
		{"bad source", func(m *nats.Msg) { m.Header.Set("ce-source", "beneficiaries") }, "ce-source"},
		{"missing type", func(m *nats.Msg) { m.Header.Del("ce-type") }, "ce-type"},
		{"missing subject", func(m *nats.Msg) { m.Header.Del("ce-subject") }, "ce-subject"},
		{"bad time", func(m *nats.Msg) { m.Header.Set("ce-time", "yesterday") }, "ce-time"},
		{"missing tenant", func(m *nats.Msg) { m.Header.Del("ce-tenant") }, "ce-tenant"},
		{"bad stream version", func(m *nats.Msg) { m.Header.Set("ce-streamversion", "0") }, "ce-streamversion"},
		{"bad schema version", func(m *nats.Msg) { m.Header.Set("ce-schemaversion", "x") }, "ce-schemaversion"},
		{"missing position", func(m *nats.Msg) { m.Header.Del("ce-position") }, "ce-position"},
		{"bad recorded time", func(m *nats.Msg) { m.Header.Set("ce-recordedtime", "2024-01-01") }, "ce-recordedtime"},
		{"no data", func(m *nats.Msg) { m.Data = nil }, "data"},
		{"no headers", func(m *nats.Msg) { m.Header = nil }, "ce-specversion"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := wire.Encode("beneficiaries", sampleEvent())
			tc.change(msg)
			_, err := wire.Decode(msg)
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			var de *wire.DecodeError
			if !errors.As(err, &de) || de.Header != tc.header {
				t.Fatalf("err = %v, want one naming %s", err, tc.header)
			}
		})
	}
}

func TestEventContextCarriesTrace(t *testing.T) {
	e, err := wire.Decode(wire.Encode("beneficiaries", sampleEvent()))
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.SpanContextFromContext(e.Context(context.Background()))
	if !sc.IsRemote() || sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sc.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("span context %+v", sc)
	}
	if sc.TraceState().Get("doudi") != "1" {
		t.Errorf("trace state %v", sc.TraceState())
	}
	e.Metadata.TraceParent = ""
	if trace.SpanContextFromContext(e.Context(context.Background())).IsValid() {
		t.Error("span context without traceparent")
	}
}

func TestStreamConfigRejects(t *testing.T) {
	if _, err := wire.StreamConfig("beneficiaries", 1, time.Minute); err == nil {
		t.Error("a one-minute duplicate window is accepted")
	}
	if _, err := wire.StreamConfig("Bad.Name", 1, 0); err == nil {
		t.Error("a malformed service name is accepted")
	}
	cfg, err := wire.StreamConfig("visits", 0, 0)
	if err != nil || cfg.Duplicates != 2*time.Minute || cfg.Replicas != 1 || cfg.Storage != jetstream.FileStorage {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

func TestEnsureStreamEmbedded(t *testing.T) {
	srv := natstest.Start(t)
	testEnsureStream(t, natstest.Connect(t, srv.URL()), "beneficiaries")
}

// The machine's server is NATS 2.9; the stream config must suit it too.
func TestEnsureStreamMachineNATS(t *testing.T) {
	nc := natstest.Connect(t, natstest.MachineURL(t))
	testEnsureStream(t, nc, fmt.Sprintf("wiretest%08x", rand.Uint32()))
}

func testEnsureStream(t *testing.T, nc *nats.Conn, service string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := js.DeleteStream(context.Background(), wire.StreamName(service)); err != nil {
			t.Errorf("delete stream: %v", err)
		}
	})
	s, err := wire.EnsureStream(ctx, js, service, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := s.CachedInfo()
	if info.Config.Duplicates != 2*time.Minute || info.Config.Storage != jetstream.FileStorage ||
		len(info.Config.Subjects) != 1 || info.Config.Subjects[0] != "doudi."+service+".>" {
		t.Errorf("stream config %+v", info.Config)
	}
	// Running it again (every start-up does) updates in place.
	if _, err := wire.EnsureStream(ctx, js, service, 1, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := wire.EnsureStream(ctx, js, service, 1, time.Second); err == nil {
		t.Error("a one-second duplicate window is accepted")
	}

	// A published event lands in the stream and reads back as sent; the
	// same event id again is dropped as a duplicate.
	r := sampleEvent()
	msg := wire.Encode(service, r)
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := js.PublishMsg(ctx, wire.Encode(service, r))
	if err != nil || !again.Duplicate {
		t.Fatalf("re-publish: %+v, %v; want a duplicate", again, err)
	}
	raw, err := s.GetMsg(ctx, ack.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	e, err := wire.DecodeParts(raw.Subject, raw.Header, raw.Data)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != r.ID || e.MsgSubject != "doudi."+service+".shitan.person.tier_assessed.person-42" || string(e.Data) != string(r.Data) {
		t.Errorf("read back %+v", e)
	}
	info, err = s.Info(ctx)
	if err != nil || info.State.Msgs != 1 || info.Config.Duplicates != 5*time.Minute {
		t.Errorf("stream state %+v config %+v, %v", info.State, info.Config, err)
	}
}
