package theme

import "github.com/doudi-platform/doudi/services/platform/domainkit"

// Wire names of the theme events, "<service>.<aggregate>.<event>": stable
// contract, never derived from Go names. Schema versions are the current
// payload versions; the codec upcasts older ones before Apply sees them.
const (
	TypeChosen  = "visits.theme.chosen"
	TypeChanged = "visits.theme.changed"

	ChosenSchemaVersion  = 1
	ChangedSchemaVersion = 1
)

// Event is a fact about a month's theme. The interface is sealed: only this
// package's types implement it, and Apply handles every one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isThemeEvent()
}

// Chosen: the month's home-visit theme was set.
type Chosen struct {
	Tenant      string          `json:"tenant"`
	Month       domainkit.Month `json:"month"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
}

// Changed: the month's theme was replaced, for a reason. PreviousTitle lets
// a subscriber show the change without keeping state.
type Changed struct {
	Tenant        string          `json:"tenant"`
	Month         domainkit.Month `json:"month"`
	Title         string          `json:"title"`
	Description   string          `json:"description,omitempty"`
	PreviousTitle string          `json:"previous_title"`
	Reason        string          `json:"reason"`
}

func (Chosen) EventType() string  { return TypeChosen }
func (Changed) EventType() string { return TypeChanged }

func (Chosen) SchemaVersion() int  { return ChosenSchemaVersion }
func (Changed) SchemaVersion() int { return ChangedSchemaVersion }

func (Chosen) isThemeEvent()  {}
func (Changed) isThemeEvent() {}
