package service_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/servicetest"
)

// BenchmarkRegisterPerson measures person registrations over gRPC at 16
// concurrent clients (rate, p50 and p99 latency) against the platform's bare
// one-event append at 16 writers on the same database, in alternating
// phases of the same run. Target: registrations ≥ 50% of the bare append
// rate. Run with -benchtime=1x; each phase runs for a fixed time.
func BenchmarkRegisterPerson(b *testing.B) {
	e := start(b)
	ctx := context.Background()
	const clients = 16
	const phase = 2 * time.Second
	households := make([]string, 32)
	for h := range households {
		households[h] = e.createHousehold(ctx, h).GetName()
	}
	var next atomic.Int64
	register := func(ctx context.Context, w int) error {
		i := int(next.Add(1))
		_, err := e.client.CreatePerson(staff(ctx), personRequest(i, households[i%len(households)]))
		return err
	}
	data := []byte(`{"person_id":"00000000-0000-0000-0000-000000000000","health_notes":"v1:AAAA"}`)
	bare := func(ctx context.Context, w int) error {
		id, _ := uuid.NewV7()
		_, err := e.svc.Host.Store.Append(ctx, eventstore.StreamID("bench-"+id.String()), eventstore.NoStream,
			eventstore.Envelope{Type: person.TypeHealthNotesChanged, Data: data, Metadata: eventstore.Metadata{Tenant: tenant}})
		return err
	}
	// Warm both paths (connections, plans, JIT of the gRPC stack).
	servicetest.ClosedLoop(b, clients, 300*time.Millisecond, register)
	servicetest.ClosedLoop(b, clients, 300*time.Millisecond, bare)
	b.ResetTimer()
	var regRate, bareRate float64
	var regs servicetest.Load
	for round := 0; round < 2; round++ {
		r := servicetest.ClosedLoop(b, clients, phase, register)
		regRate += r.Rate / 2
		regs.Latencies = append(regs.Latencies, r.Latencies...)
		bareRate += servicetest.ClosedLoop(b, clients, phase, bare).Rate / 2
	}
	b.StopTimer()
	slices.Sort(regs.Latencies)
	b.ReportMetric(regRate, "persons/s")
	b.ReportMetric(regs.Percentile(0.50), "p50_ms")
	b.ReportMetric(regs.Percentile(0.99), "p99_ms")
	b.ReportMetric(bareRate, "bare_appends/s")
	b.ReportMetric(regRate/bareRate, "ratio")
	b.ReportMetric(0, "ns/op")
}
