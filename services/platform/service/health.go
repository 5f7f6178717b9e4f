package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
)

// Check reports whether one dependency can serve; a nil error means yes.
// It gets a context bounded by the check timeout.
type Check func(ctx context.Context) error

// AddReadinessCheck makes /readyz depend on check, reported under name.
func (s *Service) AddReadinessCheck(name string, check Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, namedCheck{name, check})
}

// PostgresCheck pings the pool, which also proves a connection can be had.
func PostgresCheck(pool *pgxpool.Pool) Check {
	return func(ctx context.Context) error { return pool.Ping(ctx) }
}

// NATSCheck requires the connection to be connected (not reconnecting or
// closed) and the server to answer a round trip.
func NATSCheck(nc *nats.Conn) Check {
	return func(ctx context.Context) error {
		if st := nc.Status(); st != nats.CONNECTED {
			return fmt.Errorf("nats connection is %s", st)
		}
		return nc.FlushWithContext(ctx)
	}
}

// readiness is the /readyz body: {"status":"ok","checks":{"postgres":"ok"}}.
// A failing check's value is "failed: " and its error.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// serveLiveness answers 200 while the process can serve HTTP at all: a
// failing dependency is a readiness problem, and restarting would not fix it.
func (s *Service) serveLiveness(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// serveReadiness runs every check concurrently, each with its own timeout.
func (s *Service) serveReadiness(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	checks := append([]namedCheck(nil), s.checks...)
	s.mu.Unlock()

	results := make(map[string]string, len(checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	failed := false
	for _, c := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), s.checkTimeout)
			defer cancel()
			err := c.check(ctx)
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("timed out after %s", s.checkTimeout)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = true
				results[c.name] = "failed: " + err.Error()
				return
			}
			results[c.name] = "ok"
		})
	}
	wg.Wait()

	report := readiness{Status: "ok", Checks: results}
	code := http.StatusOK
	switch {
	case !s.ready.Load():
		// Before Run has started everything, or while shutting down.
		report.Status, code = "not ready", http.StatusServiceUnavailable
	case failed:
		report.Status, code = "unavailable", http.StatusServiceUnavailable
		s.logger.WarnContext(r.Context(), "readiness check failed", "checks", results)
	}
	writeJSON(w, code, report)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
