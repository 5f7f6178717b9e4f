// Command doudi-demo loads demo data for Shitan town through the public REST
// API, the way a partner app would: 26 villages, 20 social workers each
// responsible for 1–2 villages, 1,426 households and 1,912 persons over the
// 17 categories and four tiers, three months of monthly file updates with
// some missing, and the station's fieldwork in the visits service: village
// assignments, this month's home-visit theme, policy card edition 25, home
// visits over the last five weeks, publicity events and hotline calls.
//
// Every write carries a deterministic Idempotency-Key, so running it twice
// gives the same data, not twice the data.
//
//	doudi-demo -gateway http://127.0.0.1:8080 -key <api key>
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
)

func main() {
	gateway := flag.String("gateway", "http://127.0.0.1:8080", "the REST gateway's base URL")
	key := flag.String("key", os.Getenv("DOUDI_API_KEY"), "API key (default $DOUDI_API_KEY)")
	tenant := flag.String("tenant", "shitan", "tenant (station/town) code")
	households := flag.Int("households", 1426, "households to register")
	persons := flag.Int("persons", 1912, "persons to register (≥ households)")
	workers := flag.Int("workers", 8, "concurrent requests")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	l := &loader{base: *gateway, key: *key, tenant: *tenant, http: &http.Client{Timeout: 30 * time.Second}}
	if err := l.run(ctx, *households, *persons, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "doudi-demo:", err)
		os.Exit(1)
	}
}

// The default reference data's codes (services/beneficiaries reference data).
var categories = []string{"DIBAO", "LOW_INCOME", "TEKUN", "EXPENDITURE_HARDSHIP", "TEMPORARY_ASSISTANCE", "ORPHAN",
	"UNSUPPORTED_CHILD", "CHILD_IN_DIFFICULTY", "LEFT_BEHIND_CHILD", "ELDERLY_ALONE", "EMPTY_NEST_ELDERLY",
	"ADVANCED_AGE", "SEVERE_DISABILITY", "DISABILITY", "SERIOUS_ILLNESS", "LEFT_BEHIND_ELDERLY", "OTHER"}

const villages = 26

func village(i int) string { return fmt.Sprintf("V%02d", i%villages+1) }

// socialWorker is the social worker responsible for a village: workers 1–6
// hold two villages each, workers 7–20 one each (26 villages, 20 workers).
func socialWorker(v int) string {
	if v < 12 {
		return fmt.Sprintf("sw-%02d", v/2+1)
	}
	return fmt.Sprintf("sw-%02d", v-12+7)
}

var surnames = []rune("陈李黄张梁何罗刘钟林郭叶朱邓")
var given = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"}

type loader struct {
	base, key, tenant string
	http              *http.Client
}

type job struct {
	what string
	do   func(ctx context.Context) error
}

func (l *loader) run(ctx context.Context, nh, np, workers int) error {
	if l.key == "" {
		return errors.New("an API key is required (-key or DOUDI_API_KEY)")
	}
	if np < nh {
		return errors.New("-persons must be at least -households")
	}
	rng := rand.New(rand.NewPCG(2017, 1426)) // fixed seed: the same data every run
	now := time.Now()
	months := []string{now.AddDate(0, -2, 0).Format("2006-01"), now.AddDate(0, -1, 0).Format("2006-01"), now.Format("2006-01")}

	householdNames := make([]string, nh)
	if err := l.phase(ctx, "households", nh, workers, func(h int) job {
		return job{fmt.Sprintf("household %d", h), func(ctx context.Context) error {
			var out struct{ Household struct{ Name string } }
			err := l.post(ctx, "/v1/tenants/"+l.tenant+"/households", fmt.Sprintf("demo-%s-household-%d", l.tenant, h),
				map[string]any{"village": village(h), "address": fmt.Sprintf("石滩镇%s%d巷%d号", village(h), h%40+1, h%97+1)}, &out)
			householdNames[h] = out.Household.Name
			return err
		}}
	}); err != nil {
		return err
	}

	type plan struct {
		household, village int
		cats               []string
		tier               int
		missing            [3]bool
		body               map[string]any
	}
	plans := make([]plan, np)
	for i := range plans {
		h := i
		rel := "RELATIONSHIP_SELF"
		if i >= nh {
			h, rel = rng.IntN(nh), "RELATIONSHIP_SPOUSE"
		}
		c1 := categories[rng.IntN(len(categories))]
		cats := []string{c1}
		if rng.IntN(4) == 0 {
			if c2 := categories[rng.IntN(len(categories))]; c2 != c1 {
				cats = append(cats, c2)
			}
		}
		tier := []int{1, 2, 2, 3, 3, 3, 3, 4, 4, 4}[rng.IntN(10)]
		var missing [3]bool
		for m := range missing {
			missing[m] = rng.IntN(100) < 6
		}
		birth, gender := birthFor(rng, c1)
		name := string(surnames[rng.IntN(len(surnames))]) + given[rng.IntN(len(given))]
		plans[i] = plan{household: h, village: h % villages, cats: cats, tier: tier, missing: missing, body: map[string]any{
			"full_name": name, "gender": gender, "birth_date": birth.Format("2006-01-02"),
			"id_number": idNumber(i, birth, gender == "GENDER_MALE"), "phone": fmt.Sprintf("13%d%08d", 5+i%5, 10000000+i*37%89999999),
			"relationship_to_head": rel, "categories": cats, "registration_date": "2024-03-01",
			"health_notes": []string{"", "高血压", "糖尿病", "行动不便", "需定期换尿管"}[rng.IntN(5)],
		}}
	}

	personNames := make([]string, np)
	if err := l.phase(ctx, "persons", np, workers, func(i int) job {
		return job{fmt.Sprintf("person %d", i), func(ctx context.Context) error {
			p := plans[i]
			body := map[string]any{"household": householdNames[p.household]}
			for k, v := range p.body {
				body[k] = v
			}
			var out struct{ Person struct{ Name string } }
			err := l.post(ctx, "/v1/tenants/"+l.tenant+"/persons", fmt.Sprintf("demo-%s-person-%d", l.tenant, i), body, &out)
			personNames[i] = out.Person.Name
			return err
		}}
	}); err != nil {
		return err
	}

	if err := l.phase(ctx, "tiers and social workers", np, workers, func(i int) job {
		return job{fmt.Sprintf("person %d", i), func(ctx context.Context) error {
			p := plans[i]
			if err := l.post(ctx, "/v1/"+personNames[i]+":assignSocialWorker", fmt.Sprintf("demo-%s-sw-%d", l.tenant, i),
				map[string]any{"social_worker": socialWorker(p.village)}, nil); err != nil {
				return err
			}
			return l.post(ctx, "/v1/"+personNames[i]+":assessTier", fmt.Sprintf("demo-%s-tier-%d", l.tenant, i),
				map[string]any{"tier": p.tier, "reason": tierReasons[p.tier-1], "risk_factors": []string{"独居"},
					"assessed_by": socialWorker(p.village)}, nil)
		}}
	}); err != nil {
		return err
	}

	for m, month := range months {
		if err := l.phase(ctx, "monthly updates "+month, np, workers, func(i int) job {
			return job{fmt.Sprintf("person %d", i), func(ctx context.Context) error {
				if plans[i].missing[m] {
					return nil // left missing on purpose: the station manager's chase list
				}
				return l.post(ctx, "/v1/"+personNames[i]+":recordMonthlyFileUpdate", fmt.Sprintf("demo-%s-update-%s-%d", l.tenant, month, i),
					map[string]any{"month": month, "living_situation": "生活基本稳定", "needs": "定期探访",
						"risks": "无明显风险", "help_received": "低保金按时发放"}, nil)
			}}
		}); err != nil {
			return err
		}
	}
	vis := fieldwork{loader: l, now: now, persons: personNames, plans: make([]fieldPlan, np)}
	for i, p := range plans {
		vis.plans[i] = fieldPlan{village: p.village}
	}
	if err := vis.load(ctx, workers); err != nil {
		return err
	}
	fmt.Printf("demo data ready: %d households, %d persons in %d villages, tenant %q\n", nh, np, villages, l.tenant)
	return nil
}

var tierReasons = []string{"独居高龄且行动不便，需每周联系", "重病家庭，需两周联系", "生活基本稳定，每月跟进", "情况稳定，每季度跟进"}

// birthFor picks a birth date fitting the main category and the gender.
func birthFor(rng *rand.Rand, category string) (time.Time, string) {
	var from, to int
	switch category {
	case "ORPHAN", "UNSUPPORTED_CHILD", "CHILD_IN_DIFFICULTY", "LEFT_BEHIND_CHILD":
		from, to = 2010, 2020
	case "ELDERLY_ALONE", "EMPTY_NEST_ELDERLY", "ADVANCED_AGE", "LEFT_BEHIND_ELDERLY":
		from, to = 1930, 1960
	default:
		from, to = 1950, 2000
	}
	d := time.Date(from+rng.IntN(to-from), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	if rng.IntN(2) == 0 {
		return d, "GENDER_MALE"
	}
	return d, "GENDER_FEMALE"
}

// idNumber makes a valid resident ID number (GB 11643): a Guangzhou area
// code, the birth date, a sequence whose last digit carries the gender (odd
// for men), and the ISO 7064 MOD 11-2 check character. Area and sequence
// together are unique per i, so no two demo persons share a number.
func idNumber(i int, birth time.Time, male bool) string {
	areas := []string{"440118", "440183", "440111", "440112", "440113", "440114", "440115", "440117"}
	seq := (i % 500) * 2
	if male {
		seq++
	}
	return residentid.Complete(fmt.Sprintf("%s%s%03d", areas[i/500%len(areas)], birth.Format("20060102"), seq))
}

// phase runs n jobs on workers goroutines, printing progress as it goes.
func (l *loader) phase(ctx context.Context, name string, n, workers int, mk func(i int) job) error {
	start := time.Now()
	var done atomic.Int64
	var first error
	var once sync.Once
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := range next {
				j := mk(i)
				if err := j.do(ctx); err != nil {
					once.Do(func() { first = fmt.Errorf("%s: %s: %w", name, j.what, err) })
				}
				if d := done.Add(1); d%int64(max(n/10, 1)) == 0 || d == int64(n) {
					fmt.Printf("  %-28s %5d/%d\n", name, d, n)
				}
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if first != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	if first == nil {
		fmt.Printf("  %-28s done in %s\n", name, time.Since(start).Round(time.Millisecond))
	}
	return first
}

// post sends one write with its idempotency key, retrying while the platform
// is still starting (503) or briefly overloaded.
func (l *loader) post(ctx context.Context, path, idempotencyKey string, body any, out any) error {
	raw, _ := json.Marshal(body)
	attempts := 6
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.base+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+l.key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", idempotencyKey)
		resp, err := l.http.Do(req)
		if err == nil {
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				if out != nil {
					return json.Unmarshal(data, out)
				}
				return nil
			case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
				err = fmt.Errorf("%s", resp.Status)
			case resp.StatusCode == http.StatusConflict && bytes.Contains(data, []byte(`"UNKNOWN_REFERENCE"`)):
				// The visits service learns of persons from the
				// beneficiaries stream, which it may not have read up to
				// the persons registered a moment ago: retry for longer.
				err = fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(data))
				attempts = 12
			default:
				return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(data))
			}
		}
		if attempt == attempts-1 || ctx.Err() != nil {
			return fmt.Errorf("POST %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Duration(100<<attempt)*time.Millisecond, 2*time.Second)):
		}
	}
}
