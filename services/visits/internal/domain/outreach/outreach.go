// Package outreach is the publicity event aggregate: a policy publicity event
// (政策宣传活动) held in a village on a date, with its attendance and the
// policy cards handed out. The station's figures (56 events, 3,500 cards, all
// 26 villages covered) are sums over these events.
//
// An event is recorded after it was held. Its figures can be corrected, with
// a reason, by replacing them as a whole: a correction is a fact of its own,
// so the audit trail shows what was first reported.
package outreach

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/visits/internal/domain/cardedition"
)

// Limits of one event's figures: sanity bounds that catch a typo's extra
// digits, far above a village event's size.
const (
	MaxAttendance = 10000
	MaxCards      = 10000
)

// Outreach is the state rebuilt from a publicity event's history.
type Outreach struct {
	id         uuid.UUID
	tenant     string
	village    string
	heldOn     domainkit.Date
	title      string
	organiser  string
	attendance int
	cards      []cardedition.Handout
	corrected  int

	domainkit.Versioned[Event]
}

// Replay rebuilds a publicity event from its stored history.
func Replay(history []Event) (*Outreach, error) {
	return domainkit.Replay(&Outreach{}, history)
}

// Apply applies one stored event and advances the version.
func (e *Outreach) Apply(f Event) error {
	return e.Applied(e.when, f)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (e *Outreach) record(f Event) {
	e.Versioned.Record(e.when, f)
}

func (e *Outreach) when(f Event) error {
	if _, ok := f.(Recorded); !ok && e.id == uuid.Nil {
		return fmt.Errorf("outreach: %T before the event was recorded: %w", f, ErrNotRecorded)
	}
	switch f := f.(type) {
	case Recorded:
		if e.id != uuid.Nil {
			return ErrAlreadyRecorded
		}
		e.id, e.tenant, e.village, e.heldOn = f.EventID, f.Tenant, f.Village, f.HeldOn
		e.title, e.organiser, e.attendance, e.cards = f.Title, f.Organiser, f.Attendance, slices.Clone(f.Cards)
	case Corrected:
		e.attendance, e.cards = f.Attendance, slices.Clone(f.Cards)
		e.corrected++
	default:
		return fmt.Errorf("outreach: cannot apply %T", f)
	}
	return nil
}

// RecordOutreach is the command to record a publicity event that was held.
type RecordOutreach struct {
	EventID    uuid.UUID
	Tenant     string
	Village    string // the village code; the app layer checks it is the tenant's
	HeldOn     string // "YYYY-MM-DD", not in the future
	Title      string // e.g. "社会救助政策进村宣讲"
	Organiser  string // the staff id of the social worker who organised it
	Attendance int
	Cards      []cardedition.Handout
}

// Record starts a publicity event's history: it validates cmd and records
// Recorded.
func Record(cmd RecordOutreach, now time.Time) (*Outreach, error) {
	e := &Outreach{}
	if err := e.Record(cmd, now); err != nil {
		return nil, err
	}
	return e, nil
}

// Record records Recorded on an empty Event (the zero value, or Replay of no
// events); Record above is the usual way in.
func (e *Outreach) Record(cmd RecordOutreach, now time.Time) error {
	if e.id != uuid.Nil {
		return ErrAlreadyRecorded
	}
	var errs domainkit.FieldErrors
	if cmd.EventID == uuid.Nil {
		errs.Add("event_id", domainkit.ErrEmpty)
	}
	tenant, err := domainkit.ParseID(cmd.Tenant)
	errs.Add("tenant", err)
	village, err := domainkit.ParseID(cmd.Village)
	errs.Add("village", err)
	heldOn, err := domainkit.ParsePastDate(cmd.HeldOn, domainkit.Today(now))
	errs.Add("held_on", err)
	title, err := domainkit.Text(cmd.Title, domainkit.MaxShort, true, false)
	errs.Add("title", err)
	organiser, err := domainkit.ParseID(cmd.Organiser)
	errs.Add("organiser", err)
	attendance, cards := parseFigures(&errs, cmd.Attendance, cmd.Cards)
	if err := errs.Err(); err != nil {
		return err
	}
	e.record(Recorded{
		EventID: cmd.EventID, Tenant: tenant, Village: village, HeldOn: heldOn,
		Title: title, Organiser: organiser, Attendance: attendance, Cards: cards,
	})
	return nil
}

// CorrectOutreach replaces an event's figures, for a reason.
type CorrectOutreach struct {
	Attendance int
	Cards      []cardedition.Handout
	Reason     string
}

// Correct validates cmd and records Corrected. Correcting to the figures the
// event already has records nothing.
func (e *Outreach) Correct(cmd CorrectOutreach) error {
	if e.id == uuid.Nil {
		return ErrNotRecorded
	}
	var errs domainkit.FieldErrors
	attendance, cards := parseFigures(&errs, cmd.Attendance, cmd.Cards)
	reason, err := domainkit.Text(cmd.Reason, domainkit.MaxReason, true, true)
	errs.Add("reason", err)
	if err := errs.Err(); err != nil {
		return err
	}
	if attendance == e.attendance && slices.Equal(cards, e.cards) {
		return nil
	}
	e.record(Corrected{EventID: e.id, Attendance: attendance, Cards: cards, Reason: reason})
	return nil
}

func parseFigures(errs *domainkit.FieldErrors, attendance int, cards []cardedition.Handout) (int, []cardedition.Handout) {
	if attendance < 0 || attendance > MaxAttendance {
		errs.Add("attendance", ErrAttendance)
	}
	return attendance, cardedition.ParseHandouts(errs, "cards", cards, MaxCards)
}

// ID is the event's id.
func (e *Outreach) ID() uuid.UUID { return e.id }

// Tenant is the station or town that held the event.
func (e *Outreach) Tenant() string { return e.tenant }

// Village is the code of the village the event was held in.
func (e *Outreach) Village() string { return e.village }

// HeldOn is the date the event was held.
func (e *Outreach) HeldOn() domainkit.Date { return e.heldOn }

// Title is what the event was called.
func (e *Outreach) Title() string { return e.title }

// Organiser is the staff id of the organiser.
func (e *Outreach) Organiser() string { return e.organiser }

// Attendance is the number of people who came, as last corrected.
func (e *Outreach) Attendance() int { return e.attendance }

// Cards are the cards handed out, by edition, as last corrected.
func (e *Outreach) Cards() []cardedition.Handout { return slices.Clone(e.cards) }

// Corrections is how often the figures were corrected.
func (e *Outreach) Corrections() int { return e.corrected }
