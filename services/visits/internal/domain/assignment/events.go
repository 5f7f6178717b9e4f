package assignment

import "github.com/doudi-platform/doudi/services/platform/domainkit"

// Wire names of the assignment events, "<service>.<aggregate>.<event>":
// stable contract, never derived from Go names. Schema versions are the
// current payload versions; the codec upcasts older ones before Apply sees
// them.
const (
	TypeVillageAssigned     = "visits.assignment.village_assigned"
	TypeVillageReleased     = "visits.assignment.village_released"
	TypeStationDayScheduled = "visits.assignment.station_day_scheduled"

	VillageAssignedSchemaVersion     = 1
	VillageReleasedSchemaVersion     = 1
	StationDayScheduledSchemaVersion = 1
)

// Event is a fact about a social worker's assignments. The interface is
// sealed: only this package's types implement it, and Apply handles every
// one of them.
type Event interface {
	EventType() string
	SchemaVersion() int
	isAssignmentEvent()
}

// VillageAssigned: the social worker is responsible for the village from
// EffectiveOn. Reason is why, when it is beyond MaxVillages.
type VillageAssigned struct {
	Tenant       string         `json:"tenant"`
	SocialWorker string         `json:"social_worker"`
	Village      string         `json:"village"`
	EffectiveOn  domainkit.Date `json:"effective_on"`
	Reason       string         `json:"reason,omitempty"`
}

// VillageReleased: the social worker is no longer responsible for the
// village from EffectiveOn.
type VillageReleased struct {
	Tenant       string         `json:"tenant"`
	SocialWorker string         `json:"social_worker"`
	Village      string         `json:"village"`
	EffectiveOn  domainkit.Date `json:"effective_on"`
	Reason       string         `json:"reason,omitempty"`
}

// StationDayScheduled: the social worker is stationed in the village on On,
// the village's station day of On's month. Previous is the day it replaces,
// zero for the month's first.
type StationDayScheduled struct {
	Tenant       string         `json:"tenant"`
	SocialWorker string         `json:"social_worker"`
	Village      string         `json:"village"`
	On           domainkit.Date `json:"on"`
	Previous     domainkit.Date `json:"previous,omitzero"`
}

func (VillageAssigned) EventType() string     { return TypeVillageAssigned }
func (VillageReleased) EventType() string     { return TypeVillageReleased }
func (StationDayScheduled) EventType() string { return TypeStationDayScheduled }

func (VillageAssigned) SchemaVersion() int     { return VillageAssignedSchemaVersion }
func (VillageReleased) SchemaVersion() int     { return VillageReleasedSchemaVersion }
func (StationDayScheduled) SchemaVersion() int { return StationDayScheduledSchemaVersion }

func (VillageAssigned) isAssignmentEvent()     {}
func (VillageReleased) isAssignmentEvent()     {}
func (StationDayScheduled) isAssignmentEvent() {}
