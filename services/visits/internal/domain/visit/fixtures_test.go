package visit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/domainkit/domainkittest"
	"github.com/doudi-platform/doudi/services/platform/scenario"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/visit"
)

type visitCase = scenario.Case[*visit.Visit, visit.Event]

// run runs one scenario in parallel with its siblings.
func run(t *testing.T, cases map[string]visitCase) {
	t.Helper()
	scenario.RunAll(t, visit.Replay, cases)
}

var (
	// 09:00 on 2 June 2025 in China.
	now = time.Date(2025, 6, 2, 1, 0, 0, 0, time.UTC)
	// 15:00 on 30 May 2025 in China, three days earlier: in May.
	threeDaysAgo = time.Date(2025, 5, 30, 7, 0, 0, 0, time.UTC)
	// 08:00 on 2 June 2025 in China, an hour ago.
	thisMorning = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

	vid     = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000f1")
	cid     = uuid.MustParse("0190c7e2-0000-7000-8000-0000000000c1")
	pid     = "0190c7e2-0000-7000-8000-0000000000a1"
	seal    = domainkittest.Sealer{}
	errKeys = errors.New("key store unreachable")

	detailsCmd = visit.VisitDetails{
		VisitID: vid, Tenant: "shitan", Kind: "routine", Village: "V03",
		PersonIDs: []string{pid}, SocialWorker: "sw-07",
	}
	details = visit.Details{
		VisitID: vid, Tenant: "shitan", Kind: visit.Routine, Village: "V03",
		PersonIDs: []string{pid}, SocialWorker: "sw-07",
	}
	scheduled = visit.Scheduled{Details: details, PlannedOn: date("2025-06-02")}

	reportCmd = visit.ReportVisit{
		ReportID:   "r-tablet-1",
		OccurredAt: thisMorning,
		Participants: []visit.Participant{
			{Role: "social_worker", ID: "sw-07"},
			{Role: "civil_affairs_staff", ID: "mz-02", Name: "李专干"},
			{Role: "volunteer", Name: "王小红"},
			{Role: "company_representative", Name: "石滩超市 陈经理"},
		},
		Services:           []string{"policy_explanation", "emotional_care"},
		Needs:              []string{"助餐"},
		Risks:              []string{"独居", "慢性病"},
		TierRecommendation: 2,
		TierReason:         "独居且行动不便",
		Cards:              []cardedition.Handout{{Edition: 25, Count: 1}},
		Notes:              "老人精神尚可",
	}
	report = visit.Report{
		ReportID:   "r-tablet-1",
		OccurredAt: thisMorning,
		Month:      domainkit.Month{Year: 2025, Month: 6},
		Participants: []visit.Participant{
			{Role: visit.SocialWorker, ID: "sw-07"},
			{Role: visit.CivilAffairsStaff, ID: "mz-02", Name: "李专干"},
			{Role: visit.Volunteer, Name: "王小红"},
			{Role: visit.CompanyRepresentative, Name: "石滩超市 陈经理"},
		},
		Services: []visit.Service{visit.PolicyExplanation, visit.EmotionalCare},
		Findings: visit.Findings{
			Needs:              []string{"助餐"},
			Risks:              []string{"独居", "慢性病"},
			TierRecommendation: &visit.TierRecommendation{Tier: 2, Reason: "独居且行动不便"},
		},
		Cards:      []cardedition.Handout{{Edition: 25, Count: 1}},
		Notes:      domainkittest.Sealed("notes", "老人精神尚可"),
		RecordedAt: now,
	}
	completed = visit.Completed{Details: details, Report: report}

	// secondReport is the same visit as reported from another device.
	secondReportCmd = visit.ReportVisit{
		ReportID:     "r-phone-1",
		OccurredAt:   thisMorning.Add(10 * time.Minute),
		Participants: []visit.Participant{{Role: "civil_affairs_staff", ID: "mz-02"}},
		Services:     []string{"resource_linkage"},
	}
	secondReport = visit.Report{
		ReportID:     "r-phone-1",
		OccurredAt:   thisMorning.Add(10 * time.Minute),
		Month:        domainkit.Month{Year: 2025, Month: 6},
		Participants: []visit.Participant{{Role: visit.CivilAffairsStaff, ID: "mz-02"}},
		Services:     []visit.Service{visit.ResourceLinkage},
		RecordedAt:   now,
	}
	addendum  = visit.AddendumRecorded{VisitID: vid, Report: secondReport}
	cancelled = visit.Cancelled{VisitID: vid, Reason: "老人住院", On: date("2025-06-02")}
	missed    = visit.Missed{VisitID: vid, Reason: "无人在家", On: date("2025-06-02")}
)

func date(s string) domainkit.Date {
	d, err := domainkit.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func field(name string) error { return &domainkit.FieldError{Field: name} }

func given(events ...visit.Event) []visit.Event { return events }

// withReport is reportCmd changed by change, on copies of its lists.
func withReport(change func(*visit.ReportVisit)) visit.ReportVisit {
	r := reportCmd
	r.Participants = append([]visit.Participant(nil), r.Participants...)
	r.Services = append([]string(nil), r.Services...)
	r.Needs = append([]string(nil), r.Needs...)
	r.Risks = append([]string(nil), r.Risks...)
	r.Cards = append([]cardedition.Handout(nil), r.Cards...)
	if change != nil {
		change(&r)
	}
	return r
}

// withDetails is detailsCmd changed by change, on a copy of its list.
func withDetails(change func(*visit.VisitDetails)) visit.VisitDetails {
	d := detailsCmd
	d.PersonIDs = append([]string(nil), d.PersonIDs...)
	if change != nil {
		change(&d)
	}
	return d
}
