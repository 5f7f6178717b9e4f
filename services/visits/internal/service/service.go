// Package service wires the visits service: configuration, the platform
// host (database, event store, JetStream, relay, shell), the data keys that
// seal notes, the index projection of its own stream, the register
// projection of the beneficiaries stream, the app and its gRPC port.
// cmd/visits and the component tests both start it through Start.
package service

import (
	"context"
	"fmt"
	"time"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/visits/v1"
	"github.com/doudi-platform/doudi/services/platform/audit"
	"github.com/doudi-platform/doudi/services/platform/datakeys"
	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/reference"
	"github.com/doudi-platform/doudi/services/visits/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/visits/internal/app"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/hotline"
	grpcport "github.com/doudi-platform/doudi/services/visits/internal/ports/grpc"
)

// Name is the service's name: its stream, metrics and logs carry it.
const Name = "visits"

// Config is the service's configuration, from the environment.
type Config struct {
	host.Config
	// MasterKey wraps the data keys of visits' and calls' notes: base64 of 32
	// random bytes. Losing it loses every sealed note.
	MasterKey string `env:"VISITS_MASTER_KEY" required:"true"`
	// ReferenceFile is a JSON file of one tenant's reference data (the same
	// format as the beneficiaries service's); empty uses the built-in data
	// of Tenants.
	ReferenceFile string `env:"VISITS_REFERENCE_FILE"`
	// Tenants served with built-in reference data when no file is given.
	Tenants []string `env:"VISITS_TENANTS" default:"shitan"`
	// UrgentWindow and NormalWindow are how soon a hotline call must be
	// followed up, by urgency.
	UrgentWindow time.Duration `env:"VISITS_HOTLINE_URGENT_WINDOW" default:"2h"`
	NormalWindow time.Duration `env:"VISITS_HOTLINE_NORMAL_WINDOW" default:"48h"`
	// ConsistencyWait bounds how long a list waits for a consistency token.
	ConsistencyWait time.Duration `env:"VISITS_CONSISTENCY_WAIT" default:"5s"`
	// PersonWait bounds how long a command waits for a person registered a
	// moment ago to reach the service's view of the register.
	PersonWait time.Duration `env:"VISITS_PERSON_WAIT" default:"2s"`
	// ShredInterval is how often the keys of notes naming a forgotten person
	// are erased (reads erase them on the spot too).
	ShredInterval time.Duration `env:"VISITS_SHRED_INTERVAL" default:"1m"`
	// RateLimit, when positive, limits each gRPC method to this many calls/s.
	RateLimit float64 `env:"VISITS_RATE_LIMIT" default:"0"`

	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Defaults are the service's own values of the shared variables, under
// the environment (the platform's defaults are generic).
var Defaults = host.Defaults{"GRPC_ADDR": "127.0.0.1:9103", "HTTP_ADDR": "127.0.0.1:8103",
	"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/doudi_visits"}

// Validate checks the key and windows on top of the host's checks.
func (c Config) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	if _, err := datakeys.ParseMasterKey("VISITS_MASTER_KEY", c.MasterKey); err != nil {
		return err
	}
	if c.UrgentWindow <= 0 || c.NormalWindow < c.UrgentWindow {
		return fmt.Errorf("VISITS_HOTLINE_URGENT_WINDOW and VISITS_HOTLINE_NORMAL_WINDOW: must be positive, urgent no longer than normal")
	}
	return nil
}

// Service is the started service.
type Service struct {
	Host *host.Host
	App  *app.App
	// Runner projects the service's own events; Register the beneficiaries
	// register.
	Runner, Register *projection.Runner
}

// Hosted is the platform host the service runs on (host.Command).
func (s *Service) Hosted() *host.Host { return s.Host }

// Start connects everything and registers the gRPC service; call
// s.Host.Run (or s.Host.Main) to serve.
func Start(ctx context.Context, cfg Config) (*Service, error) {
	cfg.ServiceName = Name
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ref, err := reference.Configured(cfg.ReferenceFile, "VISITS_REFERENCE_FILE", cfg.Tenants, "VISITS_TENANTS")
	if err != nil {
		return nil, err
	}
	master, _ := datakeys.ParseMasterKey("VISITS_MASTER_KEY", cfg.MasterKey)
	h, err := host.Start(ctx, cfg.Config, postgres.Registry())
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Service, error) {
		h.Pool.Close()
		h.NATS.Close()
		return nil, err
	}
	if err := datakeys.Migrate(ctx, h.Pool); err != nil {
		return fail(err)
	}
	if err := audit.Migrate(ctx, h.Pool); err != nil {
		return fail(err)
	}
	keys, err := datakeys.New(h.Pool, master)
	if err != nil {
		return fail(err)
	}
	runner, err := h.AddProjection(postgres.IndexProjection(), projection.Options{})
	if err != nil {
		return fail(err)
	}
	register, err := h.AddProjection(postgres.RegisterProjection(), projection.Options{})
	if err != nil {
		return fail(err)
	}
	a := app.New(app.Deps{
		Repos:           postgres.NewRepositories(h.Store),
		Index:           postgres.NewIndex(h.Pool, runner, register),
		Keys:            keys,
		Audit:           audit.Log{Pool: h.Pool},
		Reference:       ref,
		Hotline:         hotline.Policy{Urgent: cfg.UrgentWindow, Normal: cfg.NormalWindow},
		Now:             cfg.Now,
		ConsistencyWait: cfg.ConsistencyWait,
		PersonWait:      cfg.PersonWait,
	})
	h.Service.Go("shred forgotten notes", func(ctx context.Context) error {
		return shredLoop(ctx, a, cfg.ShredInterval, h)
	})
	pb.RegisterVisitsServiceServer(h.Service, grpcport.New(a, grpcport.Options{RateLimit: cfg.RateLimit}))
	return &Service{Host: h, App: a, Runner: runner, Register: register}, nil
}

// shredLoop erases, every interval, the data keys of visits and calls that
// name a person the register has forgotten.
func shredLoop(ctx context.Context, a *app.App, interval time.Duration, h *host.Host) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n, err := a.EraseForgotten(ctx); err != nil {
			h.Logger.Warn("shredding notes of forgotten persons failed; retrying next round", "err", err)
		} else if n > 0 {
			h.Logger.Info("shredded notes naming forgotten persons", "owners", n)
		}
	}
}
