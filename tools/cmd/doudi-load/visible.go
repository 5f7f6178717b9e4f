package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// visible measures write → visible in a monitoring list, open loop: writes
// start on a fixed schedule of rate per second for duration, whatever the
// platform's speed. Each write registers a person; as soon as it returns,
// the caseload list of the person's household is queried with the write's
// Doudi-Consistency-Token (the list waits until the projection has applied
// the write) and must contain the person. The latency is write start →
// list response. At most maxInFlight writes run at once; a write due while
// that many are in flight is skipped (counted, not sent), so an overloaded
// platform shows as an achieved rate below the target rather than as an
// ever-growing queue in this process.
func visible(ctx context.Context, c *client, tenant string, households []string, ppl *persons,
	rate int, duration time.Duration, maxInFlight int) (vis, writes *result, skipped int) {
	var visRec, writeRec recorder
	total := int(float64(rate) * duration.Seconds())
	interval := time.Second / time.Duration(rate)
	slots := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := time.Now()
	lastWrite := start
	for i := 0; i < total && ctx.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		select {
		case slots <- struct{}{}:
		default:
			skipped++
			continue
		}
		household := households[i%len(households)]
		wg.Go(func() {
			defer func() { <-slots }()
			t0 := time.Now()
			w := c.createPerson(ctx, tenant, ppl.body(household))
			wd := time.Since(t0)
			mu.Lock()
			if now := time.Now(); now.After(lastWrite) {
				lastWrite = now
			}
			mu.Unlock()
			if !w.ok() {
				writeRec.add(wd, false, w.problem())
				visRec.add(0, false, "write: "+w.problem())
				return
			}
			writeRec.add(wd, true, "")
			var out struct{ Person struct{ Name string } }
			_ = json.Unmarshal(w.body, &out)
			token := w.header.Get("Doudi-Consistency-Token")
			if token == "" || out.Person.Name == "" {
				visRec.add(0, false, "write returned no consistency token or no person name")
				return
			}
			personID := out.Person.Name[strings.LastIndex(out.Person.Name, "/")+1:]
			householdID := household[strings.LastIndex(household, "/")+1:]
			l := c.do(ctx, http.MethodGet, "/v1/tenants/"+tenant+"/monitoring/caseload?page_size=200&household_id="+url.QueryEscape(householdID),
				nil, map[string]string{"Doudi-Consistency-Token": token})
			d := time.Since(t0)
			if !l.ok() {
				visRec.add(d, false, "list: "+l.problem())
				return
			}
			var page struct{ Items []struct{ PersonID string } }
			if err := json.Unmarshal(l.body, &page); err != nil {
				visRec.add(d, false, "list: "+err.Error())
				return
			}
			for _, it := range page.Items {
				if it.PersonID == personID {
					visRec.add(d, true, "")
					return
				}
			}
			visRec.add(d, false, fmt.Sprintf("list with the write's token lacks person %s (%d items)", personID, len(page.Items)))
		})
	}
	wg.Wait()
	mu.Lock()
	elapsed := max(lastWrite.Sub(start), duration)
	mu.Unlock()
	vis = visRec.result(fmt.Sprintf("write → visible in list (open loop, %d/s)", rate), maxInFlight, elapsed)
	writes = writeRec.result("  the writes alone", maxInFlight, elapsed)
	return vis, writes, skipped
}
