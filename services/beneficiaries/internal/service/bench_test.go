package service_test

import (
	"context"
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
	servicetest.Versus(b, clients, phase, register, bare, "persons/s", "bare_appends/s")
}
