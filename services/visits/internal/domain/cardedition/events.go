package cardedition

import "github.com/doudi-platform/doudi/services/platform/domainkit"

// Wire names of the edition events, "<service>.<aggregate>.<event>": stable
// contract, never derived from Go names. Schema versions are the current
// payload versions; the codec upcasts older ones before Apply sees them.
const (
	TypePublished = "visits.card_edition.published"
	TypeRetired   = "visits.card_edition.retired"

	PublishedSchemaVersion = 1
	RetiredSchemaVersion   = 1
)

// Event is a fact about a card edition. The interface is sealed: only this
// package's types implement it, and Apply handles every one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isEditionEvent()
}

// Published: a revision of the card explains Topics from EffectiveOn.
type Published struct {
	Tenant      string         `json:"tenant"`
	Revision    int            `json:"revision"`
	Title       string         `json:"title,omitempty"`
	Topics      []Topic        `json:"topics"`
	EffectiveOn domainkit.Date `json:"effective_on"`
}

// Retired: the edition's cards are not handed out from RetiredOn.
type Retired struct {
	Tenant    string         `json:"tenant"`
	Revision  int            `json:"revision"`
	RetiredOn domainkit.Date `json:"retired_on"`
	Reason    string         `json:"reason,omitempty"`
}

func (Published) EventType() string { return TypePublished }
func (Retired) EventType() string   { return TypeRetired }

func (Published) SchemaVersion() int { return PublishedSchemaVersion }
func (Retired) SchemaVersion() int   { return RetiredSchemaVersion }

func (Published) isEditionEvent() {}
func (Retired) isEditionEvent()   {}
