// Package visit is the home visit aggregate (家访): a visit to a person or a
// household, scheduled and then completed, cancelled or missed — or recorded
// after the fact without a schedule. A completed visit carries its report:
// who took part, the services given, the findings (needs, risks, a tier
// recommendation) and the policy cards handed out.
//
// # Business time
//
// A report's occurred_at is when the visit happened, passed in by the
// caller; it may be days before it is recorded (a device that was offline, a
// paper form typed in later) and the visit counts for the month it happened
// in, in China time: the report carries that month, so no consumer works it
// out again from a time stamp.
//
// # Two records of one visit
//
// Two people at one visit may each report it from a device that was offline.
// A report never overwrites another, and the second is never silently merged
// into the first. Each report has a client-generated ReportID:
//
//   - Complete with a new report on a completed visit fails with
//     ErrAlreadyCompleted, which names the report already on record;
//   - the second reporter (or their device, after showing them the first
//     report) sends theirs again with AddAddendum, which records it beside the
//     first as an AddendumRecorded event;
//   - the same report sent twice (a retried synchronisation) records nothing
//     the second time.
//
// We reject rather than turn a second completion into an addendum on our own
// because the two reports may disagree — on when the visit took place, on the
// tier to recommend, or on the cards handed out, which an automatic addendum
// would count twice — and only a person can say whether the second report
// adds to the first or repeats it. An addendum is counted: its services and
// cards add to the visit's.
//
// A report may also complete a visit that was marked missed (the report is
// better evidence than its absence was) but not one that was cancelled,
// which someone decided; that needs a new, unscheduled visit record.
package visit

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

// Status is where a visit stands.
type Status string

const (
	StatusNone      Status = ""          // neither scheduled nor recorded
	StatusScheduled Status = "scheduled" // planned, not yet reported
	StatusCompleted Status = "completed" // it took place; a report is on record
	StatusCancelled Status = "cancelled" // someone decided it will not take place
	StatusMissed    Status = "missed"    // it did not take place as planned
)

// Kind is what a visit is for.
type Kind string

const (
	Routine         Kind = "routine"           // follow-up by tier
	ThemeDay        Kind = "theme_day"         // a home-visit day on the month's theme
	HolidayCare     Kind = "holiday_care"      // 节日关爱慰问, often with local companies
	HotlineFollowUp Kind = "hotline_follow_up" // following up a hotline call
	RespiteVisit    Kind = "respite"           // relieving a family carer
)

var kinds = []Kind{Routine, ThemeDay, HolidayCare, HotlineFollowUp, RespiteVisit}

// Role is a participant's part in a visit.
type Role string

const (
	SocialWorker          Role = "social_worker"
	CivilAffairsStaff     Role = "civil_affairs_staff" // 民政专干
	Volunteer             Role = "volunteer"
	CompanyRepresentative Role = "company_representative"
)

var roles = []Role{SocialWorker, CivilAffairsStaff, Volunteer, CompanyRepresentative}

// staff are the roles that sign for a visit: identified by staff id, and at
// least one of them takes part in every visit.
func (r Role) staff() bool { return r == SocialWorker || r == CivilAffairsStaff }

// Service is a service given on a visit.
type Service string

const (
	PolicyExplanation Service = "policy_explanation"
	EmotionalCare     Service = "emotional_care"
	ResourceLinkage   Service = "resource_linkage"
	RespiteService    Service = "respite"
	MedicalService    Service = "medical"
)

var services = []Service{PolicyExplanation, EmotionalCare, ResourceLinkage, RespiteService, MedicalService}

// Limits of one visit's lists: sanity bounds well above a real visit.
const (
	MaxPersons      = 20
	MaxParticipants = 30
	MaxLabels       = 20 // needs, risks
	MaxCards        = 50 // of one edition
)

// MaxReportAge is how long after a visit it may still be reported: a quarter.
// An older occurred_at is far more likely a wrong year picked on a phone than
// a report that waited three months.
const MaxReportAge = 92 * 24 * time.Hour

// Participant is someone who took part in a visit. Staff are identified by
// their staff id; volunteers and company representatives by an id, a name or
// both (for a company representative, the company's and the person's name).
type Participant struct {
	Role Role   `json:"role"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// TierRecommendation is the tier the visitors recommend for a person, and
// why. It is a recommendation: the beneficiaries service assesses tiers.
type TierRecommendation struct {
	Tier   domainkit.Tier `json:"tier"`
	Reason string         `json:"reason"`
}

// Findings are what the visitors found: needs and risks as short labels, and
// a tier recommendation if they have one.
type Findings struct {
	Needs              []string            `json:"needs,omitempty"`
	Risks              []string            `json:"risks,omitempty"`
	TierRecommendation *TierRecommendation `json:"tier_recommendation,omitempty"`
}

// Details say who is visited, why and by whom. Every event that starts a
// visit's history carries them, so that a subscriber needs no earlier event
// to know whom a completed visit contacted.
type Details struct {
	VisitID       uuid.UUID `json:"visit_id"`
	Tenant        string    `json:"tenant"`
	Kind          Kind      `json:"kind"`
	Village       string    `json:"village"`
	PersonIDs     []string  `json:"person_ids,omitempty"`     // persons in the beneficiaries register
	HouseholdID   string    `json:"household_id,omitempty"`   // or their household as a whole
	HotlineCallID uuid.UUID `json:"hotline_call_id,omitzero"` // the call a hotline follow-up follows up
	SocialWorker  string    `json:"social_worker"`            // staff id of the social worker responsible
}

// Report is one account of a visit that took place.
type Report struct {
	ReportID     string                `json:"report_id"` // client-generated: tells two offline reports apart
	OccurredAt   time.Time             `json:"occurred_at"`
	Month        domainkit.Month       `json:"month"` // the month OccurredAt falls in, in China: the visit counts for it
	Participants []Participant         `json:"participants"`
	Services     []Service             `json:"services"`
	Findings     Findings              `json:"findings"`
	Cards        []cardedition.Handout `json:"cards,omitempty"`
	Notes        domainkit.Sealed      `json:"notes,omitempty"`      // narrative, sealed like a monthly file's
	RecordedAt   time.Time             `json:"recorded_at,omitzero"` // when the service took the report
}

// Visit is the state rebuilt from a visit's events.
type Visit struct {
	details    Details
	plannedOn  domainkit.Date
	status     Status
	completion *Report
	addenda    []Report

	domainkit.Versioned[Event]
}

// Replay rebuilds a visit from its stored history.
func Replay(history []Event) (*Visit, error) {
	return domainkit.Replay(&Visit{}, history)
}

// Apply applies one stored event and advances the version.
func (v *Visit) Apply(e Event) error {
	return v.Applied(v.when, e)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (v *Visit) record(e Event) {
	v.Versioned.Record(v.when, e)
}

func (v *Visit) when(e Event) error {
	switch e.(type) {
	case Scheduled, Completed:
	default:
		if v.status == StatusNone {
			return fmt.Errorf("visit: %T before the visit was scheduled or recorded: %w", e, ErrUnknownVisit)
		}
	}
	switch e := e.(type) {
	case Scheduled:
		if v.status != StatusNone {
			return ErrAlreadyExists
		}
		v.details, v.plannedOn, v.status = e.Details, e.PlannedOn, StatusScheduled
	case Completed:
		switch v.status {
		case StatusNone:
			v.details = e.Details
		case StatusScheduled, StatusMissed:
		case StatusCompleted:
			return ErrAlreadyCompleted
		default:
			return ErrVisitCancelled
		}
		r := e.Report
		v.status, v.completion = StatusCompleted, &r
	case AddendumRecorded:
		if v.status != StatusCompleted {
			return ErrNotCompleted
		}
		v.addenda = append(v.addenda, e.Report)
	case Cancelled:
		if v.status != StatusScheduled {
			return ErrNotOpen
		}
		v.status = StatusCancelled
	case Missed:
		if v.status != StatusScheduled {
			return ErrNotOpen
		}
		v.status = StatusMissed
	default:
		return fmt.Errorf("visit: cannot apply %T", e)
	}
	return nil
}

// ID is the visit's id.
func (v *Visit) ID() uuid.UUID { return v.details.VisitID }

// Details are who is visited, why and by whom.
func (v *Visit) Details() Details {
	d := v.details
	d.PersonIDs = slices.Clone(d.PersonIDs)
	return d
}

// PlannedOn is the date the visit was scheduled for (zero if it was recorded
// without a schedule).
func (v *Visit) PlannedOn() domainkit.Date { return v.plannedOn }

// Status is where the visit stands.
func (v *Visit) Status() Status { return v.status }

// Completion is the report that completed the visit; false if it is not
// completed.
func (v *Visit) Completion() (Report, bool) {
	if v.completion == nil {
		return Report{}, false
	}
	return *v.completion, true
}

// Addenda are the further reports of the visit, in the order recorded.
func (v *Visit) Addenda() []Report { return slices.Clone(v.addenda) }

// Month is the month a completed visit counts for; false if it is not
// completed.
func (v *Visit) Month() (domainkit.Month, bool) {
	if v.completion == nil {
		return domainkit.Month{}, false
	}
	return v.completion.Month, true
}

// hasReport reports whether a report with id is on record.
func (v *Visit) hasReport(id string) bool {
	if v.completion != nil && v.completion.ReportID == id {
		return true
	}
	return slices.ContainsFunc(v.addenda, func(r Report) bool { return r.ReportID == id })
}
