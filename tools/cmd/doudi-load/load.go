package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// client sends the platform's REST requests, the way a partner app would.
type client struct {
	base, key string
	http      *http.Client
}

func newClient(base, key string) *client {
	// Enough idle connections for every concurrent client: the default (2
	// per host) would make most requests open a new connection.
	t := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second}
	return &client{base: base, key: key, http: &http.Client{Transport: t, Timeout: 30 * time.Second}}
}

// response is what a request returned: the status (0 for a transport
// error), the body and the headers the benchmarks read.
type response struct {
	status int
	body   []byte
	header http.Header
	err    error
}

func (r response) ok() bool { return r.err == nil && r.status >= 200 && r.status < 300 }

// problem describes a failed request in a line.
func (r response) problem() string {
	if r.err != nil {
		return r.err.Error()
	}
	b := bytes.TrimSpace(r.body)
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("%d %s", r.status, b)
}

// do sends one request; body is JSON-encoded when not nil.
func (c *client) do(ctx context.Context, method, path string, body any, header map[string]string) response {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return response{err: err}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return response{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{err: err}
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return response{status: resp.StatusCode, body: data, header: resp.Header, err: err}
}

// createPerson registers one person with a fresh idempotency key.
func (c *client) createPerson(ctx context.Context, tenant string, body map[string]any) response {
	return c.do(ctx, http.MethodPost, "/v1/tenants/"+tenant+"/persons", body, map[string]string{"Idempotency-Key": newKey()})
}

// newKey is a random UUID (version 4) for an Idempotency-Key or an id.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// result is one table row's measurements.
type result struct {
	operation      string
	clients        int
	requests, ok   int
	errors         int
	elapsed        time.Duration
	latencies      []time.Duration // of the successful requests
	target, detail string
	verdict        string
	firstError     string
}

func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// percentile is the nearest-rank percentile p (0–1) in ms; NaN with no data.
func (r *result) percentile(p float64) float64 {
	if len(r.latencies) == 0 {
		return -1
	}
	slices.Sort(r.latencies)
	i := int(p*float64(len(r.latencies))+0.999999) - 1
	i = max(0, min(i, len(r.latencies)-1))
	return float64(r.latencies[i].Microseconds()) / 1000
}

// recorder collects latencies and outcomes from many goroutines.
type recorder struct {
	mu         sync.Mutex
	requests   int
	ok, errors int
	latencies  []time.Duration
	firstError string
}

func (rc *recorder) add(d time.Duration, ok bool, problem string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if ok {
		rc.ok++
		rc.latencies = append(rc.latencies, d)
		return
	}
	rc.errors++
	if rc.firstError == "" {
		rc.firstError = problem
	}
}

func (rc *recorder) result(operation string, clients int, elapsed time.Duration) *result {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return &result{operation: operation, clients: clients, requests: rc.requests, ok: rc.ok, errors: rc.errors,
		elapsed: elapsed, latencies: rc.latencies, firstError: rc.firstError}
}

// closedLoop runs clients goroutines, each sending one request after the
// other for duration (or until maxRequests in all), and records each
// request's latency. A request still running at the deadline completes and
// counts.
func closedLoop(ctx context.Context, operation string, clients int, duration time.Duration, maxRequests int,
	send func(ctx context.Context) response) *result {
	var rc recorder
	var sent sync.Mutex
	n := 0
	take := func() bool {
		sent.Lock()
		defer sent.Unlock()
		if maxRequests > 0 && n >= maxRequests {
			return false
		}
		n++
		return true
	}
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil && take() {
				t0 := time.Now()
				r := send(ctx)
				d := time.Since(t0)
				if r.ok() {
					rc.add(d, true, "")
				} else {
					rc.add(d, false, r.problem())
				}
			}
		})
	}
	wg.Wait()
	return rc.result(operation, clients, time.Since(start))
}
