package main

import (
	"context"
	"crypto/sha1"
	"fmt"
	"time"
)

// china is the zone the services count days and months in.
var china = time.FixedZone("UTC+8", 8*60*60)

// Sizes of the fieldwork demo: a few hundred requests at most.
const (
	demoVisits   = 120
	demoOutreach = 6
	demoCalls    = 8
	cardEdition  = 25
)

// fieldPlan is what the fieldwork needs to know of a person.
type fieldPlan struct {
	village int // 0-based village index
}

// fieldwork loads the visits service's demo data for the persons just
// registered. Every resource has an id and every write an Idempotency-Key
// derived from the tenant and its number, and dates are fixed or derived
// from the day of the first run's writes: a second run replays the first
// run's writes (the service answers a known key with the first result).
type fieldwork struct {
	*loader
	now     time.Time
	persons []string // resource names, by person number
	plans   []fieldPlan
}

// demoID is a UUID (version 5 layout, SHA-1 of the name) that names the same
// demo resource on every run.
func demoID(name string) string {
	h := sha1.Sum([]byte("doudi-demo/" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (f *fieldwork) key(what string, i int) string {
	return fmt.Sprintf("demo-%s-%s-%d", f.tenant, what, i)
}

// day is the date in China d days before today (of this run).
func (f *fieldwork) day(d int) time.Time {
	y, m, dd := f.now.In(china).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, china).AddDate(0, 0, -d)
}

func (f *fieldwork) load(ctx context.Context, workers int) error {
	t := "/v1/tenants/" + f.tenant

	// One social worker, one or two villages (一社工多村居): the same split
	// as the beneficiaries' social workers, from the register's start.
	if err := f.phase(ctx, "village assignments", villages, workers, func(v int) job {
		return job{village(v), func(ctx context.Context) error {
			return f.post(ctx, t+"/socialWorkers/"+socialWorker(v)+"/assignments:assignVillage", f.key("assign", v),
				map[string]any{"village": village(v), "effective_date": "2024-03-01"}, nil)
		}}
	}); err != nil {
		return err
	}

	month := f.now.In(china).Format("2006-01")
	if err := f.phase(ctx, "theme and card edition", 2, 1, func(i int) job {
		if i == 0 {
			return job{"theme " + month, func(ctx context.Context) error {
				return f.post(ctx, t+"/monthlyThemes:choose", "demo-"+f.tenant+"-theme-"+month, map[string]any{
					"month": month, "monthly_theme": map[string]any{"title": "政策明白卡进万家",
						"description": "入户讲解社会救助政策，发放第25版明白卡，重点走访独居、高龄和重残家庭。"}}, nil)
			}}
		}
		return job{"card edition 25", func(ctx context.Context) error {
			return f.post(ctx, t+"/cardEditions:publish", f.key("card-edition", cardEdition), map[string]any{
				"card_edition": map[string]any{"revision": cardEdition, "title": "第25版社会救助政策明白卡", "effective_date": "2024-01-01",
					"topics": []string{"CARD_TOPIC_DIBAO", "CARD_TOPIC_LOW_INCOME_EDGE", "CARD_TOPIC_EXPENDITURE_HARDSHIP",
						"CARD_TOPIC_TEKUN", "CARD_TOPIC_TEMPORARY_ASSISTANCE"}}}, nil)
		}}
	}); err != nil {
		return err
	}

	// Completed home visits over the last five weeks, each to one person
	// spread over the register, by the village's social worker, at 09:00–
	// 16:00 of a past day; most hand out a card or two.
	services := [][]string{{"SERVICE_TYPE_POLICY_EXPLANATION"}, {"SERVICE_TYPE_POLICY_EXPLANATION", "SERVICE_TYPE_EMOTIONAL_CARE"},
		{"SERVICE_TYPE_EMOTIONAL_CARE", "SERVICE_TYPE_RESOURCE_LINKAGE"}, {"SERVICE_TYPE_RESPITE"}, {"SERVICE_TYPE_MEDICAL"}}
	n := min(demoVisits, len(f.persons))
	if err := f.phase(ctx, "visits", n, workers, func(i int) job {
		return job{fmt.Sprintf("visit %d", i), func(ctx context.Context) error {
			p := i * len(f.persons) / n
			v := f.plans[p].village
			worker := socialWorker(v)
			kind := "VISIT_KIND_ROUTINE"
			switch i % 10 {
			case 3:
				kind = "VISIT_KIND_THEME_DAY"
			case 7:
				kind = "VISIT_KIND_HOLIDAY_CARE"
			}
			participants := []any{map[string]any{"role": "PARTICIPANT_ROLE_SOCIAL_WORKER", "id": worker}}
			if i%4 == 0 {
				participants = append(participants, map[string]any{"role": "PARTICIPANT_ROLE_VOLUNTEER", "display_name": "志愿者" + given[i%len(given)]})
			}
			report := map[string]any{
				"report_id":    demoID(fmt.Sprintf("%s/visit-report/%d", f.tenant, i)),
				"occur_time":   f.day(1 + i%35).Add(time.Duration(9+i%8) * time.Hour).UTC().Format(time.RFC3339),
				"participants": participants, "services": services[i%len(services)],
				"needs": []string{[]string{"助餐", "就医陪同", "政策咨询", "家居安全"}[i%4]},
			}
			if i%5 != 4 {
				report["cards"] = []any{map[string]any{"edition": cardEdition, "count": 1 + i%2}}
			}
			if i%9 == 0 {
				report["tier_recommendation"], report["tier_recommendation_reason"] = 2, "独居且近期行动不便，建议两周联系一次"
			}
			return f.post(ctx, t+"/visits:record", f.key("visit", i), map[string]any{
				"visit_id": demoID(fmt.Sprintf("%s/visit/%d", f.tenant, i)),
				"visit": map[string]any{"kind": kind, "village": village(v), "persons": []string{f.persons[p]},
					"social_worker": worker},
				"report": report,
			}, nil)
		}}
	}); err != nil {
		return err
	}

	// Publicity events in the villages (政策宣传活动), with cards.
	if err := f.phase(ctx, "outreach events", demoOutreach, workers, func(i int) job {
		return job{fmt.Sprintf("outreach %d", i), func(ctx context.Context) error {
			v := i * 4 % villages
			return f.post(ctx, t+"/outreachEvents:record", f.key("outreach", i), map[string]any{
				"outreach_event_id": demoID(fmt.Sprintf("%s/outreach/%d", f.tenant, i)),
				"outreach_event": map[string]any{"village": village(v), "held_date": f.day(2 + i*5).Format(time.DateOnly),
					"title": "社会救助政策进村宣讲", "organiser": socialWorker(v), "attendance": 30 + i*9,
					"cards": []any{map[string]any{"edition": cardEdition, "count": 40 + i*10}}},
			}, nil)
		}}
	}); err != nil {
		return err
	}

	// Hotline calls (红棉守护热线) over the last three weeks: the even ones
	// from persons on the register, the odd ones from numbers; all but the
	// last two triaged and followed up by a call back; the last one urgent,
	// 3 hours old and still open (overdue).
	return f.phase(ctx, "hotline calls", demoCalls, workers, func(i int) job {
		return job{fmt.Sprintf("call %d", i), func(ctx context.Context) error {
			received := f.now.Add(-time.Duration(20-i*2) * 24 * time.Hour).Add(-time.Duration(i) * time.Hour)
			urgency := []string{"URGENCY_NORMAL", "URGENCY_URGENT"}[i%2]
			if i == demoCalls-1 {
				received, urgency = f.now.Add(-3*time.Hour), "URGENCY_URGENT"
			}
			p := (i*211 + 17) % len(f.persons)
			worker := socialWorker(f.plans[p].village)
			c := map[string]any{"line": 1 + i%6, "receive_time": received.UTC().Truncate(time.Second).Format(time.RFC3339),
				"need": []string{"咨询低保续办", "老人独居，要求上门看看", "申请临时救助", "残疾人补贴问题"}[i%4], "urgency": urgency}
			if i%2 == 0 {
				c["caller_person"] = f.persons[p]
			} else {
				c["caller_number"] = fmt.Sprintf("1390020%04d", 1000+i)
			}
			var out struct {
				HotlineCall struct{ Name string } `json:"hotlineCall"`
			}
			if err := f.post(ctx, t+"/hotlineCalls:receive", f.key("call", i), map[string]any{
				"hotline_call_id": demoID(fmt.Sprintf("%s/call/%d", f.tenant, i)), "hotline_call": c}, &out); err != nil {
				return err
			}
			if i >= demoCalls-2 {
				return nil // still open
			}
			name := "/v1/" + out.HotlineCall.Name
			if err := f.post(ctx, name+":triage", f.key("call-triage", i), map[string]any{"owner": worker}, nil); err != nil {
				return err
			}
			return f.post(ctx, name+":followUp", f.key("call-follow-up", i), map[string]any{"follow_up": map[string]any{
				"method": "FOLLOW_UP_METHOD_CALL_BACK", "by": worker, "outcome": "已回电说明政策，约定下周走访",
				"follow_up_time": received.Add(time.Duration(1+i%3) * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)}}, nil)
		}}
	})
}
