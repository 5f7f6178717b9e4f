package e2e

// This file is what a civil-affairs system would write: a plain JetStream
// consumer (nats.go's jetstream package, nothing of Doudi's) checked
// against contracts/EVENTS.md.

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The catalogue's beneficiaries payloads this test writes: the clear keys
// that are always present, the optional ones, and the sealed ones (JSON
// paths; values must be "v1:" ciphertext).
var catalogue = map[string]struct{ clear, optional, sealed []string }{
	"beneficiaries.household.registered": {
		clear:  []string{"household_id", "tenant", "village", "registered_on"},
		sealed: []string{"address"},
	},
	"beneficiaries.person.registered": {
		clear: []string{"person_id", "tenant", "household_id", "village", "name", "gender", "birth_date",
			"relationship", "categories", "registered_on", "id_number_index"},
		sealed: []string{"sensitive.id_number", "sensitive.phone", "sensitive.health_notes"},
	},
	"beneficiaries.person.tier_assessed": {
		clear:    []string{"person_id", "tier", "reason", "risk_factors", "assessed_by", "effective_on"},
		optional: []string{"previous_tier"},
	},
}

func TestChangeEventsReachAPlainJetStreamSubscriber(t *testing.T) {
	begin(t)
	household := newHousehold(t, "V08")
	created := newPerson(t, household)
	person := created.json(t)["person"].(map[string]any)["name"].(string)
	r := call(t, "POST", "/v1/"+person+":assessTier", map[string]any{
		"tier": 2, "reason": "独居老人", "riskFactors": []string{"独居"}, "assessedBy": "sw-02"})
	expect(t, r, http.StatusOK)
	secrets := []string{personBody(next, household)["idNumber"].(string), personBody(next, household)["phone"].(string), "高血压", "石滩镇V08村1号"}

	nc, err := nats.Connect(pf.natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "DOUDI_BENEFICIARIES", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"doudi.beneficiaries." + tenant + ".>"}})
	if err != nil {
		t.Fatal(err)
	}

	// Read the stream until this test's three events have come.
	want := map[string]string{ // stream id → wanted types, in order
		"household-" + lastSegment(household): "beneficiaries.household.registered",
		"person-" + lastSegment(person):       "beneficiaries.person.registered beneficiaries.person.tier_assessed",
	}
	it, err := cons.Messages()
	if err != nil {
		t.Fatal(err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop) // ends a Next that would wait forever
	defer stop()
	got := map[string][]string{}
	var msgs []jetstream.Msg
	for len(got["household-"+lastSegment(household)]) < 1 || len(got["person-"+lastSegment(person)]) < 2 {
		msg, err := it.Next()
		if err != nil {
			t.Fatalf("waiting for the events (have %v): %v", got, err)
		}
		subject := strings.Split(msg.Subject(), ".")
		if len(subject) != 6 {
			t.Fatalf("subject %q: want doudi.beneficiaries.<tenant>.<aggregate>.<event>.<stream_id>", msg.Subject())
		}
		if _, mine := want[subject[5]]; mine {
			got[subject[5]] = append(got[subject[5]], msg.Headers().Get("ce-type"))
			msgs = append(msgs, msg)
		}
	}
	for stream, types := range want {
		if strings.Join(got[stream], " ") != types {
			t.Errorf("%s: events %v, want %s", stream, got[stream], types)
		}
	}

	traceparent := regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)
	for _, msg := range msgs {
		h := msg.Headers()
		subject := strings.Split(msg.Subject(), ".")
		typ := h.Get("ce-type")
		t.Run(typ, func(t *testing.T) {
			if h.Get("ce-specversion") != "1.0" {
				t.Errorf("ce-specversion = %q", h.Get("ce-specversion"))
			}
			if id, err := uuid.Parse(h.Get("ce-id")); err != nil || h.Get("Nats-Msg-Id") != id.String() {
				t.Errorf("ce-id %q, Nats-Msg-Id %q: want the same UUID", h.Get("ce-id"), h.Get("Nats-Msg-Id"))
			}
			if h.Get("ce-source") != "/doudi/beneficiaries/"+tenant {
				t.Errorf("ce-source = %q", h.Get("ce-source"))
			}
			if typ != "beneficiaries."+subject[3]+"."+subject[4] {
				t.Errorf("ce-type %q does not match the subject %q", typ, msg.Subject())
			}
			if h.Get("ce-subject") != subject[5] {
				t.Errorf("ce-subject %q, subject %q", h.Get("ce-subject"), msg.Subject())
			}
			for _, k := range []string{"ce-time", "ce-recordedtime"} {
				if ts, err := time.Parse(time.RFC3339Nano, h.Get(k)); err != nil || ts.Location() != time.UTC {
					t.Errorf("%s = %q: want RFC 3339 in UTC (%v)", k, h.Get(k), err)
				}
			}
			if h.Get("content-type") != "application/json" {
				t.Errorf("content-type = %q", h.Get("content-type"))
			}
			if h.Get("ce-tenant") != tenant || h.Get("ce-schemaversion") != "1" || h.Get("ce-streamversion") == "" || h.Get("ce-position") == "" {
				t.Errorf("ce-tenant %q, ce-schemaversion %q, ce-streamversion %q, ce-position %q",
					h.Get("ce-tenant"), h.Get("ce-schemaversion"), h.Get("ce-streamversion"), h.Get("ce-position"))
			}
			// The header's name must be lower case on the wire; nats.Header
			// keeps names as sent.
			if v := h["traceparent"]; len(v) != 1 || !traceparent.MatchString(v[0]) {
				t.Errorf("traceparent = %v (headers %v)", v, h)
			}

			var body map[string]any
			if err := json.Unmarshal(msg.Data(), &body); err != nil {
				t.Fatalf("body is not a JSON object: %v\n%s", err, msg.Data())
			}
			spec := catalogue[typ]
			keys := flatten("", body)
			for _, k := range spec.clear {
				if _, ok := keys[k]; !ok {
					t.Errorf("clear field %s missing; body %s", k, msg.Data())
				}
			}
			for _, k := range spec.sealed {
				if s, ok := keys[k].(string); !ok || !strings.HasPrefix(s, "v1:") {
					t.Errorf("sealed field %s = %v, want v1:… ciphertext", k, keys[k])
				}
			}
			documented := slices.Concat(spec.clear, spec.optional, spec.sealed)
			var extra []string
			for k := range keys {
				if !slices.Contains(documented, k) {
					extra = append(extra, k)
				}
			}
			sort.Strings(extra)
			if len(extra) > 0 {
				t.Errorf("fields not in contracts/EVENTS.md: %v; body %s", extra, msg.Data())
			}
			for _, s := range secrets {
				if strings.Contains(string(msg.Data()), s) {
					t.Errorf("sensitive value %q in clear in the body %s", s, msg.Data())
				}
			}
			if typ == "beneficiaries.person.registered" && (body["gender"] != "male" || body["relationship"] != "self" ||
				body["person_id"] != lastSegment(person) || body["household_id"] != lastSegment(household)) {
				t.Errorf("person.registered body %s", msg.Data())
			}
			if typ == "beneficiaries.person.tier_assessed" && (body["tier"] != 2.0 || body["assessed_by"] != "sw-02") {
				t.Errorf("tier_assessed body %s", msg.Data())
			}
		})
	}
}

// flatten maps a JSON object's leaf keys by dotted path ("sensitive.phone").
func flatten(prefix string, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range flatten(prefix+k+".", sub) {
				out[sk] = sv
			}
			continue
		}
		out[prefix+k] = v
	}
	return out
}
