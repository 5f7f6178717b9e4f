package service_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/eventually"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/servicetest"
	"github.com/doudi-platform/doudi/services/platform/streamtest"
	"github.com/doudi-platform/doudi/services/visits/internal/service"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const tenant = "shitan"

// now is the service's clock in these tests: 10:00 on 2 December 2026 in
// China, so that three days ago is in November.
var now = time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)

// The beneficiaries event types the persons view reads.
var beneficiariesTypes = []string{
	"beneficiaries.household.registered", "beneficiaries.person.registered",
	"beneficiaries.person.moved_household", "beneficiaries.person.exited",
	"beneficiaries.person.reinstated", "beneficiaries.person.forgotten",
}

// env is a running visits service with a real client, and a beneficiaries
// event store relayed into the same embedded JetStream server.
type env struct {
	t             testing.TB
	svc           *service.Service
	client        pb.VisitsServiceClient
	js            jetstream.JetStream
	beneficiaries *eventstore.Store
}

func start(t testing.TB) *env { return startWith(t, true) }

// startWith starts the service; withRegister false leaves the beneficiaries
// stream out, as on a broker where that service has not started yet.
func startWith(t testing.TB, withRegister bool) *env {
	t.Helper()
	ns := natstest.Start(t)
	js, err := jetstream.New(natstest.Connect(t, ns.URL()))
	if err != nil {
		t.Fatal(err)
	}
	var ben *eventstore.Store
	if withRegister {
		ben = streamtest.Source(t, js, "beneficiaries", beneficiariesTypes)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	var cfg service.Config
	servicetest.Config(t, &cfg, ns.URL(), map[string]string{
		"VISITS_MASTER_KEY":       base64.StdEncoding.EncodeToString(key),
		"VISITS_CONSISTENCY_WAIT": "5s",
		"VISITS_PERSON_WAIT":      "3s",
		"VISITS_SHRED_INTERVAL":   "50ms",
	})
	cfg.Now = func() time.Time { return now }
	svc, conn := servicetest.Run(t, func(ctx context.Context) (*service.Service, error) { return service.Start(ctx, cfg) })
	return &env{t: t, svc: svc, client: pb.NewVisitsServiceClient(conn), js: js, beneficiaries: ben}
}

// staff may reveal notes; clerk may not.
func staff() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "x-doudi-actor", "sw-017", "x-doudi-roles", "staff,sensitive:read")
}

func clerk() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "x-doudi-actor", "clerk-3", "x-doudi-roles", "staff")
}

// appendBeneficiaries writes beneficiaries events to a stream of the
// stand-in beneficiaries service, and returns the write's consistency token.
func (e *env) appendBeneficiaries(stream string, typ string, data map[string]any) string {
	e.t.Helper()
	env, err := eventstore.NewEnvelope(typ, data, eventstore.Metadata{Tenant: tenant}, now.Add(-30*24*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.beneficiaries.Append(context.Background(), eventstore.StreamID(stream), eventstore.Any, env)
	if err != nil {
		e.t.Fatal(err)
	}
	return projection.Token{Service: "beneficiaries", Stream: stream, Version: int64(res.Version)}.String()
}

// seen waits until the service's view of the register has applied the
// beneficiaries write of token.
func (e *env) seen(token string) {
	e.t.Helper()
	if _, err := e.client.ListVisits(staff(), &pb.ListVisitsRequest{Parent: "tenants/" + tenant, ConsistencyToken: token}); err != nil {
		e.t.Fatal(err)
	}
}

// register registers a household in village with one person, and returns
// their resource names.
func (e *env) register(village string) (household, person string) {
	e.t.Helper()
	h, p := uuid.NewString(), uuid.NewString()
	e.appendBeneficiaries("household-"+h, "beneficiaries.household.registered", map[string]any{
		"household_id": h, "tenant": tenant, "village": village, "address": "c2VhbGVk", "registered_on": "2026-01-05"})
	e.appendBeneficiaries("person-"+p, "beneficiaries.person.registered", map[string]any{
		"person_id": p, "tenant": tenant, "household_id": h, "village": village, "name": "某某",
		"gender": "female", "birth_date": "1950-01-01", "relationship": "self", "categories": []string{"DIBAO"},
		"registered_on": "2026-01-05", "sensitive": map[string]any{"id_number": "c2VhbGVk"}})
	return "tenants/" + tenant + "/households/" + h, "tenants/" + tenant + "/persons/" + p
}

// personEvent appends an exit, reinstatement or forgetting of a person and
// returns the write's consistency token.
func (e *env) personEvent(person, typ string) string {
	e.t.Helper()
	id := person[len("tenants/"+tenant+"/persons/"):]
	return e.appendBeneficiaries("person-"+id, typ, map[string]any{"person_id": id, "reason": "moved_away", "effective_on": "2026-11-01"})
}

// visitsMessages is the number of messages in the visits stream: what a
// subscriber has seen written.
func (e *env) visitsMessages() uint64 {
	e.t.Helper()
	return natstest.Messages(e.t, e.js, "visits")
}

// storedEvents is the number of events in the visits event store.
func (e *env) storedEvents() int64 {
	e.t.Helper()
	var n int64
	if err := e.svc.Host.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// violations returns the fields a status error's BadRequest names.
func violations(err error) []string {
	st, _ := status.FromError(err)
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}

// wantStatus fails unless err is a status with code naming field.
func wantStatus(t testing.TB, err error, code codes.Code, field string) {
	t.Helper()
	if status.Code(err) != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if field == "" {
		return
	}
	for _, f := range violations(err) {
		if f == field {
			return
		}
	}
	t.Fatalf("error %v names %v, want %s", err, violations(err), field)
}

// report is a valid visit report that occurred at when.
func report(id string, when time.Time) *pb.VisitReport {
	return &pb.VisitReport{
		ReportId: id, OccurTime: tspb(when),
		Participants: []*pb.Participant{{Role: pb.ParticipantRole_PARTICIPANT_ROLE_SOCIAL_WORKER, Id: "sw-017"}},
		Services:     []pb.ServiceType{pb.ServiceType_SERVICE_TYPE_POLICY_EXPLANATION, pb.ServiceType_SERVICE_TYPE_EMOTIONAL_CARE},
		Needs:        []string{"助听器"},
		Notes:        "老人独居，膝盖疼痛，需要上门复诊",
	}
}

// waitUntil fails the test unless cond holds within 5 seconds.
func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	eventually.Require(t, 5*time.Second, func() error {
		if cond() {
			return nil
		}
		return errors.New("the condition does not hold")
	})
}
