package service_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/servicetest"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
)

// BenchmarkRecordVisit measures visits recorded over gRPC at 16 concurrent
// clients (each checked against the register view and the card editions,
// notes sealed with a fresh data key): rate, p50 and p99, against the
// platform's bare one-event append at 16 writers on the same database, in
// alternating phases of the same run. Run with -benchtime=1x.
func BenchmarkRecordVisit(b *testing.B) {
	e := start(b)
	const clients = 16
	const phase = 2 * time.Second
	publishEdition(b, e, 25, "2026-10-01")
	persons := make([]string, 26)
	for i := range persons {
		_, persons[i] = e.register(fmt.Sprintf("V%02d", 1+i))
	}
	var next atomic.Int64
	record := func(ctx context.Context, _ int) error {
		i := int(next.Add(1))
		p := persons[i%len(persons)]
		rep := report(fmt.Sprintf("r-%d", i), now.Add(-time.Duration(i%72)*time.Hour))
		rep.Cards = []*pb.CardHandout{{Edition: 25, Count: 1}}
		_, err := e.client.RecordVisit(staff(), &pb.RecordVisitRequest{Parent: "tenants/" + tenant,
			Visit:  &pb.Visit{Kind: pb.VisitKind_VISIT_KIND_ROUTINE, Village: fmt.Sprintf("V%02d", 1+i%len(persons)), Persons: []string{p}, SocialWorker: "sw-017"},
			Report: rep})
		return err
	}
	data := []byte(`{"call_id":"00000000-0000-0000-0000-000000000000","owner":"sw-017"}`)
	bare := func(ctx context.Context, _ int) error {
		id, _ := uuid.NewV7()
		_, err := e.svc.Host.Store.Append(ctx, eventstore.StreamID("bench-"+id.String()), eventstore.NoStream,
			eventstore.Envelope{Type: hotline.TypeTriaged, Data: data, Metadata: eventstore.Metadata{Tenant: tenant}})
		return err
	}
	// The register view must know every person before the first visit.
	waitUntil(b, func() bool { return record(context.Background(), 0) == nil })
	servicetest.Versus(b, clients, phase, record, bare, "visits/s", "bare_appends/s")
}
