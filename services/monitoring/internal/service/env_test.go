package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	monitoringv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/monitoring/v1"
	"github.com/doudi-platform/doudi/services/monitoring/internal/service"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/natstest"
	"github.com/doudi-platform/doudi/services/platform/pgtest"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/servicetest"
	"github.com/doudi-platform/doudi/services/platform/streamtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const tenant = "shitan"

// The beneficiaries event types, as contracts/EVENTS.md lists them.
var beneficiariesTypes = []string{
	"beneficiaries.household.registered", "beneficiaries.household.address_changed",
	"beneficiaries.person.registered", "beneficiaries.person.contact_details_changed",
	"beneficiaries.person.health_notes_changed", "beneficiaries.person.moved_household",
	"beneficiaries.person.category_added", "beneficiaries.person.category_removed",
	"beneficiaries.person.tier_assessed", "beneficiaries.person.monthly_file_updated",
	"beneficiaries.person.social_worker_assigned", "beneficiaries.person.exited",
	"beneficiaries.person.reinstated", "beneficiaries.person.forgotten",
}

// The visits event types, as contracts/EVENTS.md lists them.
var visitsTypes = []string{
	"visits.visit.scheduled", "visits.visit.completed", "visits.visit.addendum_recorded",
	"visits.visit.cancelled", "visits.visit.missed", "visits.theme.chosen", "visits.theme.changed",
	"visits.card_edition.published", "visits.card_edition.retired", "visits.outreach.recorded",
	"visits.outreach.corrected", "visits.hotline_call.received", "visits.hotline_call.triaged",
	"visits.hotline_call.followed_up", "visits.assignment.village_assigned",
	"visits.assignment.village_released", "visits.assignment.station_day_scheduled",
}

// env is a beneficiaries and a visits event store whose relays publish into
// an embedded JetStream server (events reach monitoring the way they do in
// production), and the monitoring service itself, served on a real gRPC port.
type env struct {
	store  *eventstore.Store // beneficiaries
	visits *eventstore.Store
	svc    *service.Service
	client monitoringv1.MonitoringServiceClient
	// last is the consistency token of the latest append: events are
	// applied in the order they were published, so once it is applied, so
	// is everything appended before it.
	last string
	// lastOf is the latest write's token per source service.
	lastOf map[string]string
}

// today is the service's injected clock: every "today" in these tests.
var today = time.Date(2025, 6, 20, 10, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, extra map[string]string) *env {
	t.Helper()
	srv := natstest.Start(t)
	js, err := jetstream.New(natstest.Connect(t, srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	store := streamtest.Source(t, js, "beneficiaries", beneficiariesTypes)
	visits := streamtest.Source(t, js, "visits", visitsTypes)

	vars := map[string]string{"LOG_LEVEL": "warn"}
	for k, v := range extra {
		vars[k] = v
	}
	var cfg service.Config
	servicetest.Config(t, &cfg, srv.URL(), vars)
	svc, conn := servicetest.Run(t, func(ctx context.Context) (*service.Service, error) {
		return service.Start(ctx, cfg, service.WithClock(func() time.Time { return today }))
	})
	return &env{store: store, visits: visits, svc: svc, client: monitoringv1.NewMonitoringServiceClient(conn),
		lastOf: map[string]string{}}
}

// ev is one beneficiaries event to append: its wire type, its JSON payload
// with the domain's field names, and its business time.
type ev struct {
	typ  string
	data map[string]any
	at   time.Time
}

// append writes beneficiaries events to a stream and returns the write's
// consistency token.
func (e *env) append(t testing.TB, stream string, evs ...ev) string {
	t.Helper()
	return e.appendTo(t, e.store, "beneficiaries", stream, evs...)
}

// appendTo writes events to a stream of service's store and returns the
// write's consistency token.
func (e *env) appendTo(t testing.TB, store *eventstore.Store, service, stream string, evs ...ev) string {
	t.Helper()
	envs := make([]eventstore.Envelope, len(evs))
	for i, x := range evs {
		env, err := eventstore.NewEnvelope(x.typ, x.data, eventstore.Metadata{Tenant: tenant}, x.at)
		if err != nil {
			t.Fatal(err)
		}
		envs[i] = env
	}
	res, err := store.Append(context.Background(), eventstore.StreamID(stream), eventstore.Any, envs...)
	if err != nil {
		t.Fatal(err)
	}
	e.last = projection.Token{Service: service, Stream: stream, Version: int64(res.Version)}.String()
	e.lastOf[service] = e.last
	return e.last
}

func at(date string) time.Time {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return d.Add(2 * time.Hour) // 10:00 in China
}

// household registers a household and returns its id.
func (e *env) household(t testing.TB, village, on string) string {
	t.Helper()
	id := uuid.NewString()
	e.append(t, "household-"+id, ev{"beneficiaries.household.registered", map[string]any{
		"household_id": id, "tenant": tenant, "village": village,
		"address": "c2VhbGVk", "registered_on": on}, at(on)})
	return id
}

// person is a person to register.
type person struct {
	household, village string
	categories         []string
	on                 string // registered_on
	tier               int    // 0: not assessed
	tierOn             string // default on
	worker             string
}

// register appends a person's registration (with a tier assessment and a
// social worker when given) and returns the person's id.
func (e *env) register(t testing.TB, p person) string {
	t.Helper()
	id := uuid.NewString()
	evs := []ev{{"beneficiaries.person.registered", map[string]any{
		"person_id": id, "tenant": tenant, "household_id": p.household, "village": p.village,
		"name": "某某", "gender": "female", "birth_date": "1950-01-01", "relationship": "self",
		"categories": p.categories, "registered_on": p.on,
		"sensitive":       map[string]any{"id_number": "c2VhbGVk", "phone": "c2VhbGVk"},
		"id_number_index": "aWR4"}, at(p.on)}}
	if p.tier != 0 {
		on := p.tierOn
		if on == "" {
			on = p.on
		}
		evs = append(evs, ev{"beneficiaries.person.tier_assessed", map[string]any{
			"person_id": id, "tier": p.tier, "reason": "独居", "assessed_by": "sw01", "effective_on": on}, at(on)})
	}
	if p.worker != "" {
		evs = append(evs, ev{"beneficiaries.person.social_worker_assigned", map[string]any{
			"person_id": id, "social_worker": p.worker}, at(p.on)})
	}
	e.append(t, "person-"+id, evs...)
	return id
}

func (e *env) personEvent(t testing.TB, id, typ, on string, data map[string]any) string {
	t.Helper()
	data["person_id"] = id
	return e.append(t, "person-"+id, ev{typ, data, at(on)})
}

func (e *env) assessTier(t testing.TB, id string, tier int, on string) {
	e.personEvent(t, id, "beneficiaries.person.tier_assessed", on, map[string]any{
		"tier": tier, "reason": "复评", "assessed_by": "sw01", "effective_on": on})
}

func (e *env) monthlyUpdate(t testing.TB, id, month string, when time.Time) {
	t.Helper()
	e.append(t, "person-"+id, ev{"beneficiaries.person.monthly_file_updated", map[string]any{
		"person_id": id, "month": month, "living_situation": "c2VhbGVk"}, when})
}

func (e *env) exit(t testing.TB, id, reason, on string) {
	e.personEvent(t, id, "beneficiaries.person.exited", on, map[string]any{"reason": reason, "effective_on": on})
}
