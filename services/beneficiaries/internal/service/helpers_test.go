package service_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/service"
	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/servicetest"
	"github.com/doudi-platform/doudi/services/platform/wire"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const tenant = "shitan"

// env is a running beneficiaries service with a real client.
type env struct {
	t      testing.TB
	svc    *service.Service
	client pb.BeneficiariesServiceClient
	js     jetstream.JetStream
}

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// start runs the service on a fresh schema and an embedded JetStream server,
// listening on 127.0.0.1:0, and stops it when the test ends.
func start(t testing.TB) *env {
	t.Helper()
	ns := natstest.Start(t)
	var cfg service.Config
	servicetest.Config(t, &cfg, ns.URL(), map[string]string{
		"DB_MAX_CONNS":                   "24",
		"BENEFICIARIES_CONSISTENCY_WAIT": "2s",
		"BENEFICIARIES_MASTER_KEY":       randomKey(32),
		"BENEFICIARIES_BLIND_INDEX_KEY":  randomKey(32),
	})
	svc, conn := servicetest.Run(t, func(ctx context.Context) (*service.Service, error) { return service.Start(ctx, cfg) })
	js, err := jetstream.New(natstest.Connect(t, ns.URL()))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, client: pb.NewBeneficiariesServiceClient(conn), js: js}
}

// staff is a caller who may reveal sensitive fields; clerk may not.
func staff(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-doudi-actor", "sw-017", "x-doudi-roles", "staff,sensitive:read")
}

func clerk(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-doudi-actor", "clerk-3", "x-doudi-roles", "staff")
}

func village(h int) string { return fmt.Sprintf("V%02d", h%26+1) }

var categoryCodes = []string{"DIBAO", "LOW_INCOME", "TEKUN", "ELDERLY_ALONE", "DISABILITY", "ADVANCED_AGE"}

func (e *env) createHousehold(ctx context.Context, h int) *pb.Household {
	e.t.Helper()
	res, err := e.client.CreateHousehold(staff(ctx), &pb.CreateHouseholdRequest{Parent: "tenants/" + tenant,
		Household: &pb.Household{Village: village(h), Address: fmt.Sprintf("石滩镇%s村%d号", village(h), h)}})
	if err != nil {
		e.t.Fatalf("create household %d: %v", h, err)
	}
	return res.GetHousehold()
}

func personRequest(i int, household string) *pb.CreatePersonRequest {
	id, birth := residentid.Sample(i)
	return &pb.CreatePersonRequest{Parent: "tenants/" + tenant, Person: &pb.Person{
		FullName: fmt.Sprintf("陈%d", i), Gender: pb.Gender_GENDER_MALE, BirthDate: birth, IdNumber: id,
		Phone: fmt.Sprintf("138%08d", i), HealthNotes: "高血压", Household: household,
		RelationshipToHead: pb.Relationship_RELATIONSHIP_SELF, Categories: []string{categoryCodes[i%len(categoryCodes)]},
		RegistrationDate: "2024-01-10",
	}}
}

func (e *env) createPerson(ctx context.Context, i int, household string) *pb.CreatePersonResponse {
	e.t.Helper()
	res, err := e.client.CreatePerson(staff(ctx), personRequest(i, household))
	if err != nil {
		e.t.Fatalf("create person %d: %v", i, err)
	}
	return res
}

// parallel runs f(i) for i in [0, n) on workers goroutines and fails the
// test with the first error.
func parallel(t testing.TB, n, workers int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("item %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// eventCount is the number of events in the store.
func (e *env) eventCount(ctx context.Context) int {
	e.t.Helper()
	var n int
	if err := e.svc.Host.Pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// waitForStream waits until the service's JetStream stream holds want
// messages, and fails if it holds more or never gets there.
func (e *env) waitForStream(ctx context.Context, want uint64) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var got uint64
	for time.Now().Before(deadline) {
		s, err := e.js.Stream(ctx, wire.StreamName(service.Name))
		if err == nil {
			info, err := s.Info(ctx)
			if err == nil {
				got = info.State.Msgs
				if got >= want {
					break
				}
			}
		}
		tick := time.NewTimer(20 * time.Millisecond)
		<-tick.C
	}
	if got != want {
		e.t.Fatalf("stream holds %d events, want %d", got, want)
	}
}

// violation returns the status code and the fields a call's error names.
func violation(err error) (codes.Code, []string) {
	st := status.Convert(err)
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return st.Code(), fields
}

func reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.HasPrefix(x, s+"[") {
			return true
		}
	}
	return false
}
