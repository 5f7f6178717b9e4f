// Package hotline is the 24-hour hotline (红棉守护热线) call aggregate: a call
// on one of the station's 6 lines becomes a record with a follow-up owner and
// a due time, and is closed by a follow-up — a home visit or a call back —
// with an outcome.
//
// The due time is set when the call is received, from its urgency and the
// tenant's Policy (urgent 2 hours, normal 48 hours by default), and set
// again if triage changes the urgency: an urgent call nobody has triaged is
// overdue all the same. Whether a call is overdue is computed (Overdue(now)),
// never stored.
//
// An anonymous caller's number is sensitive: it is validated here as
// plaintext and recorded only in the sealed form a domainkit.Sealer returns.
// A known caller is recorded by person id only, without a number, so that the
// number is kept in one place (the person's record).
package hotline

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Lines is the number of hotline numbers; lines are numbered 1 to Lines.
const Lines = 6

// MaxAge is how long after a call it may still be recorded, or followed up
// with an earlier follow-up time: a record entered from the night shift's
// notes, or synchronised from a device that was offline.
const MaxAge = 30 * 24 * time.Hour

// Urgency is how soon a call must be followed up.
type Urgency string

const (
	Urgent Urgency = "urgent"
	Normal Urgency = "normal"
)

// Method is how a call was followed up.
type Method string

const (
	ByVisit  Method = "visit"     // a home visit, named by its visit id
	CallBack Method = "call_back" // a call back to the caller
)

// Policy is how long a call may wait for its follow-up, by urgency. The app
// layer loads it from the tenant's configuration; a zero field means the
// default of DefaultPolicy.
type Policy struct {
	Urgent time.Duration
	Normal time.Duration
}

// DefaultPolicy is the station's service level: urgent calls within 2
// hours, normal ones within 48.
var DefaultPolicy = Policy{Urgent: 2 * time.Hour, Normal: 48 * time.Hour}

// Window is how long a call of urgency u may wait.
func (p Policy) Window(u Urgency) time.Duration {
	switch {
	case u == Urgent && p.Urgent > 0:
		return p.Urgent
	case u == Urgent:
		return DefaultPolicy.Urgent
	case p.Normal > 0:
		return p.Normal
	}
	return DefaultPolicy.Normal
}

// Caller is who called: a known person (by id) or an anonymous number
// (sealed), never both.
type Caller struct {
	PersonID string           `json:"person_id,omitempty"`
	Number   domainkit.Sealed `json:"number,omitempty"`
}

// FollowUp is how a call was closed.
type FollowUp struct {
	Method       Method           `json:"method"`
	VisitID      uuid.UUID        `json:"visit_id,omitzero"` // for ByVisit
	By           string           `json:"by"`                // staff id
	FollowedUpAt time.Time        `json:"followed_up_at"`
	Outcome      string           `json:"outcome"`
	Note         domainkit.Sealed `json:"note,omitempty"`
}

// Call is the state rebuilt from a call's events.
type Call struct {
	id         uuid.UUID
	tenant     string
	line       int
	receivedAt time.Time
	caller     Caller
	need       string
	urgency    Urgency
	notes      domainkit.Sealed
	owner      string
	dueAt      time.Time
	followUp   *FollowUp

	domainkit.Versioned[Event]
}

// Replay rebuilds a call from its stored history.
func Replay(history []Event) (*Call, error) {
	return domainkit.Replay(&Call{}, history)
}

// Apply applies one stored event and advances the version.
func (c *Call) Apply(e Event) error {
	return c.Applied(c.when, e)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (c *Call) record(e Event) {
	c.Versioned.Record(c.when, e)
}

func (c *Call) when(e Event) error {
	if _, ok := e.(Received); !ok && c.id == uuid.Nil {
		return fmt.Errorf("hotline: %T before the call was received: %w", e, ErrNotReceived)
	}
	if c.followUp != nil {
		return fmt.Errorf("hotline: %T after the follow-up: %w", e, ErrCallClosed)
	}
	switch e := e.(type) {
	case Received:
		if c.id != uuid.Nil {
			return ErrAlreadyReceived
		}
		c.id, c.tenant, c.line, c.receivedAt = e.CallID, e.Tenant, e.Line, e.ReceivedAt
		c.caller, c.need, c.urgency, c.notes, c.dueAt = e.Caller, e.Need, e.Urgency, e.Notes, e.DueAt
	case Triaged:
		c.owner, c.urgency, c.dueAt = e.Owner, e.Urgency, e.DueAt
	case FollowedUp:
		f := e.FollowUp
		c.followUp = &f
	default:
		return fmt.Errorf("hotline: cannot apply %T", e)
	}
	return nil
}

// ReceiveCall is the command to record a call. The caller is either
// CallerPersonID (a known person) or CallerNumber (anonymous), not both.
type ReceiveCall struct {
	CallID         uuid.UUID
	Tenant         string
	Line           int       // 1 to Lines
	ReceivedAt     time.Time // when the call came in (business time)
	CallerPersonID string
	CallerNumber   string // plaintext; leaves sealed
	Need           string // what the caller needs, in a sentence
	Urgency        string // "urgent" or "normal"
	Notes          string // optional narrative; leaves sealed
}

// Receive starts a call's history: it validates cmd and records Received,
// with the due time policy gives its urgency.
func Receive(cmd ReceiveCall, policy Policy, seal domainkit.Sealer, now time.Time) (*Call, error) {
	c := &Call{}
	if err := c.Receive(cmd, policy, seal, now); err != nil {
		return nil, err
	}
	return c, nil
}

// Receive records Received on an empty Call (the zero value, or Replay of no
// events); Receive above is the usual way in.
func (c *Call) Receive(cmd ReceiveCall, policy Policy, seal domainkit.Sealer, now time.Time) error {
	if c.id != uuid.Nil {
		return ErrAlreadyReceived
	}
	var errs domainkit.FieldErrors
	if cmd.CallID == uuid.Nil {
		errs.Add("call_id", domainkit.ErrEmpty)
	}
	tenant, err := domainkit.ParseID(cmd.Tenant)
	errs.Add("tenant", err)
	if cmd.Line < 1 || cmd.Line > Lines {
		errs.Add("line", ErrLine)
	}
	at, err := domainkit.PastInstant(cmd.ReceivedAt, now, MaxAge)
	errs.Add("received_at", err)
	var person, number string
	switch {
	case cmd.CallerPersonID != "" && cmd.CallerNumber != "":
		errs.Add("caller_number", ErrCallerBoth)
	case cmd.CallerPersonID != "":
		person, err = domainkit.ParseID(cmd.CallerPersonID)
		errs.Add("caller_person_id", err)
	case cmd.CallerNumber != "":
		number, err = ParseNumber(cmd.CallerNumber)
		errs.Add("caller_number", err)
	default:
		errs.Add("caller_person_id", ErrNoCaller)
	}
	need, err := domainkit.Text(cmd.Need, domainkit.MaxReason, true, false)
	errs.Add("need", err)
	urgency, err := domainkit.OneOf(cmd.Urgency, Urgent, Normal)
	errs.Add("urgency", err)
	notes, err := domainkit.Text(cmd.Notes, domainkit.MaxNotes, false, true)
	errs.Add("notes", err)
	if err := errs.Err(); err != nil {
		return err
	}
	s := domainkit.Seals{To: seal}
	e := Received{
		CallID: cmd.CallID, Tenant: tenant, Line: cmd.Line, ReceivedAt: at,
		Caller: Caller{PersonID: person, Number: s.Seal("caller_number", number)},
		Need:   need, Urgency: urgency, Notes: s.Seal("notes", notes),
		DueAt: at.Add(policy.Window(urgency)),
	}
	if s.Err != nil {
		return s.Err
	}
	c.record(e)
	return nil
}

// TriageCall makes a staff member the call's follow-up owner and, if Urgency
// is given, grades the call again.
type TriageCall struct {
	Owner   string // staff id
	Urgency string // optional: "urgent" or "normal"; empty keeps the call's
}

// Triage validates cmd and records Triaged, with the due time policy gives
// the urgency, counted from when the call came in. A call is triaged again to
// hand it over or regrade it; triage that changes nothing records nothing.
func (c *Call) Triage(cmd TriageCall, policy Policy, now time.Time) error {
	if err := c.mustBeOpen(); err != nil {
		return err
	}
	var errs domainkit.FieldErrors
	owner, err := domainkit.ParseID(cmd.Owner)
	errs.Add("owner", err)
	urgency := c.urgency
	if cmd.Urgency != "" {
		urgency, err = domainkit.OneOf(cmd.Urgency, Urgent, Normal)
		errs.Add("urgency", err)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	due := c.receivedAt.Add(policy.Window(urgency))
	if owner == c.owner && urgency == c.urgency && due.Equal(c.dueAt) {
		return nil
	}
	c.record(Triaged{
		CallID: c.id, Owner: owner, PreviousOwner: c.owner, Urgency: urgency,
		DueAt: due, TriagedAt: now.UTC(),
	})
	return nil
}

// FollowUpCall is the command to close a call with its follow-up.
type FollowUpCall struct {
	Method       string    // "visit" or "call_back"
	VisitID      uuid.UUID // the visit, for "visit"
	By           string    // staff id
	FollowedUpAt time.Time // business time
	Outcome      string
	Note         string // optional narrative; leaves sealed
}

// FollowUp validates cmd and records FollowedUp, which closes the call. A
// call is followed up once, by someone, after triage gave it an owner.
func (c *Call) FollowUp(cmd FollowUpCall, seal domainkit.Sealer, now time.Time) error {
	if err := c.mustBeOpen(); err != nil {
		return err
	}
	if c.owner == "" {
		return ErrNotTriaged
	}
	var errs domainkit.FieldErrors
	method, err := domainkit.OneOf(cmd.Method, ByVisit, CallBack)
	errs.Add("method", err)
	switch {
	case method == ByVisit && cmd.VisitID == uuid.Nil:
		errs.Add("visit_id", ErrVisitRequired)
	case method == CallBack && cmd.VisitID != uuid.Nil:
		errs.Add("visit_id", ErrVisitNotAllowed)
	}
	by, err := domainkit.ParseID(cmd.By)
	errs.Add("by", err)
	at, err := domainkit.PastInstant(cmd.FollowedUpAt, now, MaxAge)
	if err == nil && at.Before(c.receivedAt) {
		err = ErrBeforeCall
	}
	errs.Add("followed_up_at", err)
	outcome, err := domainkit.Text(cmd.Outcome, domainkit.MaxReason, true, true)
	errs.Add("outcome", err)
	note, err := domainkit.Text(cmd.Note, domainkit.MaxNotes, false, true)
	errs.Add("note", err)
	if err := errs.Err(); err != nil {
		return err
	}
	s := domainkit.Seals{To: seal}
	f := FollowUp{
		Method: method, VisitID: cmd.VisitID, By: by, FollowedUpAt: at,
		Outcome: outcome, Note: s.Seal("note", note),
	}
	if s.Err != nil {
		return s.Err
	}
	c.record(FollowedUp{CallID: c.id, FollowUp: f})
	return nil
}

func (c *Call) mustBeOpen() error {
	if c.id == uuid.Nil {
		return ErrNotReceived
	}
	if c.followUp != nil {
		return fmt.Errorf("%w (followed up at %s)", ErrCallClosed, c.followUp.FollowedUpAt.In(domainkit.China).Format(time.DateTime))
	}
	return nil
}

// ParseNumber checks a caller's phone number, mobile or landline, as the
// phone system shows it: after dropping spaces and hyphens, 5 to 15 digits
// (the E.164 maximum), optionally after a '+'.
func ParseNumber(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	digits := strings.TrimPrefix(s, "+")
	if len(digits) < 5 || len(digits) > 15 {
		return "", ErrNumber
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return "", ErrNumber
		}
	}
	return s, nil
}

// ID is the call's id.
func (c *Call) ID() uuid.UUID { return c.id }

// Tenant is the station or town the call came in to.
func (c *Call) Tenant() string { return c.tenant }

// Line is the hotline number the call came in on, 1 to Lines.
func (c *Call) Line() int { return c.line }

// ReceivedAt is when the call came in.
func (c *Call) ReceivedAt() time.Time { return c.receivedAt }

// Caller is who called (the number sealed).
func (c *Call) Caller() Caller { return c.caller }

// Need is what the caller needs.
func (c *Call) Need() string { return c.need }

// Urgency is the call's urgency, as last triaged.
func (c *Call) Urgency() Urgency { return c.urgency }

// Notes are the call's sealed notes.
func (c *Call) Notes() domainkit.Sealed { return c.notes }

// Owner is the staff id of the follow-up owner ("" until triaged).
func (c *Call) Owner() string { return c.owner }

// DueAt is when the call must be followed up by.
func (c *Call) DueAt() time.Time { return c.dueAt }

// Closure is the follow-up that closed the call; false while it is open.
func (c *Call) Closure() (FollowUp, bool) {
	if c.followUp == nil {
		return FollowUp{}, false
	}
	return *c.followUp, true
}

// Open reports whether the call is received and not yet followed up.
func (c *Call) Open() bool { return c.id != uuid.Nil && c.followUp == nil }

// Overdue reports whether the call is open after its due time at now.
func (c *Call) Overdue(now time.Time) bool { return c.Open() && now.After(c.dueAt) }
