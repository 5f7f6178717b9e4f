package assignment

import "errors"

// Command refusals: the assignments' state forbids the command. The gRPC
// layer maps them to FailedPrecondition (or AlreadyExists / NotFound as
// noted).
var (
	ErrNoAssignments     = errors.New("social worker has never been assigned a village") // NotFound
	ErrVillageHeld       = errors.New("social worker already holds the village")         // AlreadyExists
	ErrVillageNotHeld    = errors.New("social worker does not hold the village")
	ErrStationDayExists  = errors.New("the village already has a station day that month; reschedule it") // AlreadyExists
	ErrNoStationDay      = errors.New("the village has no station day that month to reschedule")
	ErrOtherSocialWorker = errors.New("command is for another social worker's assignments") // a routing bug
)

// Field reasons specific to assignments.
var (
	ErrReasonRequired = errors.New("is required for a social worker's third or further village")
	ErrOutOfOrder     = errors.New("is before the assignments' last change") // history is kept in effective-date order
)
