// Package cardedition is the policy explainer card (社会救助政策明白卡)
// edition aggregate: one revision of the card, the assistance topics it
// explains and the date it takes effect, until it is retired. It also holds
// Handout, the cards of an edition handed out, which visits and outreach
// events record.
//
// An edition is keyed by its tenant and revision number (Key): the station
// speaks of "the 25th revision", and two editions with one number would make
// the handed-out figures ambiguous. That revisions increase across a tenant's
// editions is checked by the app layer against its list of editions.
package cardedition

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/doudi-platform/doudi/services/platform/domainkit"
)

// Topic is an assistance scheme the card explains.
type Topic string

// Topics of DOMAIN.md §2.
const (
	Dibao               Topic = "dibao"                // minimum living allowance (低保)
	LowIncomeEdge       Topic = "low_income_edge"      // allowance-edge families (低边)
	ExpenditureHardship Topic = "expenditure_hardship" // expenditure-hardship families (支出型困难)
	Tekun               Topic = "tekun"                // destitute support (特困)
	TemporaryAssistance Topic = "temporary_assistance" // temporary assistance (临时救助)
)

var topics = []Topic{Dibao, LowIncomeEdge, ExpenditureHardship, Tekun, TemporaryAssistance}

// MaxRevision is the highest revision number accepted: a sanity bound, the
// card has been revised 25 times in years.
const MaxRevision = 999

// Key is the edition's natural key within the service, "<tenant>-<revision>",
// from which the adapters name its stream.
func Key(tenant string, revision int) string { return tenant + "-" + strconv.Itoa(revision) }

// Edition is the state rebuilt from an edition's events.
type Edition struct {
	tenant      string
	revision    int
	title       string
	topics      []Topic
	effectiveOn domainkit.Date
	retiredOn   domainkit.Date

	domainkit.Versioned[Event]
}

// Replay rebuilds an edition from its stored history.
func Replay(history []Event) (*Edition, error) {
	return domainkit.Replay(&Edition{}, history)
}

// Apply applies one stored event and advances the version.
func (e *Edition) Apply(ev Event) error {
	return e.Applied(e.when, ev)
}

// record applies a new event and keeps it for the caller to store. Commands
// check everything first, so our own events always apply; a failure is a bug.
func (e *Edition) record(ev Event) {
	e.Versioned.Record(e.when, ev)
}

func (e *Edition) when(ev Event) error {
	if _, ok := ev.(Published); !ok && !e.published() {
		return fmt.Errorf("cardedition: %T before publication: %w", ev, ErrNotPublished)
	}
	switch ev := ev.(type) {
	case Published:
		if e.published() {
			return ErrAlreadyPublished
		}
		e.tenant, e.revision, e.title = ev.Tenant, ev.Revision, ev.Title
		e.topics, e.effectiveOn = slices.Clone(ev.Topics), ev.EffectiveOn
	case Retired:
		e.retiredOn = ev.RetiredOn
	default:
		return fmt.Errorf("cardedition: cannot apply %T", ev)
	}
	return nil
}

func (e *Edition) published() bool { return e.revision != 0 }

// PublishEdition is the command to publish a new edition. EffectiveOn is
// "YYYY-MM-DD", empty for today; an edition may be published ahead of the
// date it takes effect.
type PublishEdition struct {
	Tenant      string
	Revision    int
	Title       string // optional, e.g. "第25版"
	Topics      []string
	EffectiveOn string
}

// Publish starts a new edition's history: it validates cmd and records
// Published.
func Publish(cmd PublishEdition, now time.Time) (*Edition, error) {
	e := &Edition{}
	if err := e.Publish(cmd, now); err != nil {
		return nil, err
	}
	return e, nil
}

// Publish records Published on an empty Edition (the zero value, or Replay of
// no events); Publish above is the usual way in.
func (e *Edition) Publish(cmd PublishEdition, now time.Time) error {
	if e.published() {
		return ErrAlreadyPublished
	}
	var errs domainkit.FieldErrors
	tenant, err := domainkit.ParseID(cmd.Tenant)
	errs.Add("tenant", err)
	if cmd.Revision < 1 || cmd.Revision > MaxRevision {
		errs.Add("revision", ErrRevision)
	}
	title, err := domainkit.Text(cmd.Title, domainkit.MaxShort, false, false)
	errs.Add("title", err)
	if len(cmd.Topics) == 0 {
		errs.Add("topics", ErrNoTopics)
	}
	var ts []Topic
	for i, s := range cmd.Topics {
		field := "topics[" + strconv.Itoa(i) + "]"
		t, err := domainkit.OneOf(s, topics...)
		switch {
		case err != nil:
			errs.Add(field, err)
		case slices.Contains(ts, t):
			errs.Add(field, domainkit.ErrListedTwice)
		}
		ts = append(ts, t)
	}
	on, err := domainkit.PlannedDate(cmd.EffectiveOn, domainkit.Today(now))
	errs.Add("effective_on", err)
	if err := errs.Err(); err != nil {
		return err
	}
	e.record(Published{Tenant: tenant, Revision: cmd.Revision, Title: title, Topics: ts, EffectiveOn: on})
	return nil
}

// RetireEdition is the command to retire an edition: from RetiredOn
// ("YYYY-MM-DD", empty for today) its cards are no longer handed out.
type RetireEdition struct {
	RetiredOn string
	Reason    string // optional, e.g. "superseded by the 26th revision"
}

// Retire validates cmd and records Retired. An edition is retired once; it
// cannot be retired before it took effect.
func (e *Edition) Retire(cmd RetireEdition, now time.Time) error {
	if !e.published() {
		return ErrNotPublished
	}
	if !e.retiredOn.IsZero() {
		return fmt.Errorf("%w on %s", ErrAlreadyRetired, e.retiredOn)
	}
	var errs domainkit.FieldErrors
	on, err := domainkit.PlannedDate(cmd.RetiredOn, domainkit.Today(now))
	if err == nil && on.Before(e.effectiveOn) {
		err = fmt.Errorf("%w (%s)", ErrBeforeEffective, e.effectiveOn)
	}
	errs.Add("retired_on", err)
	reason, err := domainkit.Text(cmd.Reason, domainkit.MaxReason, false, true)
	errs.Add("reason", err)
	if err := errs.Err(); err != nil {
		return err
	}
	e.record(Retired{Tenant: e.tenant, Revision: e.revision, RetiredOn: on, Reason: reason})
	return nil
}

// Tenant is the station or town the edition belongs to.
func (e *Edition) Tenant() string { return e.tenant }

// Revision is the edition's revision number (0 before publication).
func (e *Edition) Revision() int { return e.revision }

// Title is the edition's title, if any.
func (e *Edition) Title() string { return e.title }

// Topics are the schemes the edition explains, in the order published.
func (e *Edition) Topics() []Topic { return slices.Clone(e.topics) }

// EffectiveOn is the date the edition took or takes effect.
func (e *Edition) EffectiveOn() domainkit.Date { return e.effectiveOn }

// RetiredOn is the date the edition was or will be retired; false if it is
// not retired.
func (e *Edition) RetiredOn() (domainkit.Date, bool) { return e.retiredOn, !e.retiredOn.IsZero() }

// InEffectOn reports whether the edition's cards could be handed out on d:
// on or after its effective date and before its retirement.
func (e *Edition) InEffectOn(d domainkit.Date) bool {
	return e.published() && !d.Before(e.effectiveOn) && (e.retiredOn.IsZero() || d.Before(e.retiredOn))
}
