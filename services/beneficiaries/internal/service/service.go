// Package service wires the beneficiaries service: configuration, the
// platform host (database, event store, JetStream, relay, shell), the
// service's own tables, the persons projection, the app and its gRPC port.
// cmd/beneficiaries and the component tests both start it through Start.
package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	grpcport "github.com/doudi-platform/doudi/services/beneficiaries/internal/ports/grpc"
	"github.com/doudi-platform/doudi/services/platform/audit"
	"github.com/doudi-platform/doudi/services/platform/host"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/reference"
)

// Name is the service's name: its stream, metrics and logs carry it.
const Name = "beneficiaries"

// Config is the service's configuration, from the environment.
type Config struct {
	host.Config
	// MasterKey wraps the per-person data keys: base64 of 32 random bytes.
	// Losing it loses every sealed value; rotating it needs a re-wrap.
	MasterKey string `env:"BENEFICIARIES_MASTER_KEY" required:"true"`
	// BlindIndexKey keys the ID-number blind index: base64 of at least 32
	// bytes. Changing it orphans the index.
	BlindIndexKey string `env:"BENEFICIARIES_BLIND_INDEX_KEY" required:"true"`
	// ReferenceFile is a JSON file of one tenant's reference data (see
	// reference.Load); empty uses the built-in data of Tenants.
	ReferenceFile string `env:"BENEFICIARIES_REFERENCE_FILE"`
	// Tenants served with built-in reference data when no file is given.
	Tenants []string `env:"BENEFICIARIES_TENANTS" default:"shitan"`
	// ConsistencyWait bounds how long a list waits for a consistency token.
	ConsistencyWait time.Duration `env:"BENEFICIARIES_CONSISTENCY_WAIT" default:"5s"`
	// RateLimit, when positive, limits each gRPC method to this many calls/s.
	RateLimit float64 `env:"BENEFICIARIES_RATE_LIMIT" default:"0"`

	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Defaults are the service's own values of the shared variables, under
// the environment (the platform's defaults are generic).
var Defaults = host.Defaults{"GRPC_ADDR": "127.0.0.1:9101", "HTTP_ADDR": "127.0.0.1:8101",
	"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/doudi_beneficiaries"}

// Validate checks the keys on top of the host's checks.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if k, err := base64.StdEncoding.DecodeString(c.MasterKey); err != nil || len(k) != 32 {
		errs = append(errs, errors.New("BENEFICIARIES_MASTER_KEY: must be base64 of exactly 32 bytes"))
	}
	if k, err := base64.StdEncoding.DecodeString(c.BlindIndexKey); err != nil || len(k) < 32 {
		errs = append(errs, errors.New("BENEFICIARIES_BLIND_INDEX_KEY: must be base64 of at least 32 bytes"))
	}
	return errors.Join(errs...)
}

// Service is the started service.
type Service struct {
	Host   *host.Host
	App    *app.App
	Runner *projection.Runner
}

// Hosted is the platform host the service runs on (host.Command).
func (s *Service) Hosted() *host.Host { return s.Host }

// Start connects everything and registers the gRPC service; call
// s.Host.Run to serve.
func Start(ctx context.Context, cfg Config) (*Service, error) {
	cfg.ServiceName = Name
	ref, err := reference.Configured(cfg.ReferenceFile, "BENEFICIARIES_REFERENCE_FILE", cfg.Tenants, "BENEFICIARIES_TENANTS")
	if err != nil {
		return nil, err
	}
	master, err := base64.StdEncoding.DecodeString(cfg.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("BENEFICIARIES_MASTER_KEY: %w", err)
	}
	blind, err := base64.StdEncoding.DecodeString(cfg.BlindIndexKey)
	if err != nil {
		return nil, fmt.Errorf("BENEFICIARIES_BLIND_INDEX_KEY: %w", err)
	}
	h, err := host.Start(ctx, cfg.Config, postgres.Registry())
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Service, error) {
		h.Pool.Close()
		h.NATS.Close()
		return nil, err
	}
	if err := postgres.Migrate(ctx, h.Pool); err != nil {
		return fail(err)
	}
	if err := audit.Migrate(ctx, h.Pool); err != nil {
		return fail(err)
	}
	keys, err := postgres.NewKeys(h.Pool, master, blind)
	if err != nil {
		return fail(err)
	}
	runner, err := h.AddProjection(postgres.PersonsProjection(), projection.Options{})
	if err != nil {
		return fail(err)
	}
	a := app.New(app.Deps{
		Store:           h.Store,
		Persons:         postgres.Persons{Store: h.Store},
		Households:      postgres.Households{Store: h.Store},
		Keys:            keys,
		Audit:           audit.Log{Pool: h.Pool},
		Requests:        postgres.Requests{Store: h.Store},
		View:            postgres.PersonsView{Pool: h.Pool, Runner: runner},
		Reference:       ref,
		Now:             cfg.Now,
		ConsistencyWait: cfg.ConsistencyWait,
	})
	pb.RegisterBeneficiariesServiceServer(h.Service, grpcport.New(a, grpcport.Options{RateLimit: cfg.RateLimit}))
	return &Service{Host: h, App: a, Runner: runner}, nil
}
