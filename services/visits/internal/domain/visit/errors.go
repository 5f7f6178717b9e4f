package visit

import "errors"

// Command refusals: the visit's state forbids the command. The gRPC layer
// maps them to FailedPrecondition (or AlreadyExists / NotFound as noted).
var (
	ErrUnknownVisit     = errors.New("visit is neither scheduled nor recorded") // NotFound
	ErrAlreadyExists    = errors.New("visit is already scheduled or recorded")  // AlreadyExists
	ErrAlreadyCompleted = errors.New("visit is already completed")              // ALREADY_COMPLETED: send an addendum
	ErrVisitCancelled   = errors.New("visit was cancelled; record the visit that took place as a new visit")
	ErrNotCompleted     = errors.New("visit is not completed, so it takes no addendum")
	ErrNotOpen          = errors.New("visit is no longer scheduled")
	ErrNotYetDue        = errors.New("visit cannot be missed before its planned day")
)

// Field reasons specific to visits.
var (
	ErrNoSubject         = errors.New("a person or a household is required")
	ErrCallRequired      = errors.New("is required for a hotline follow-up")
	ErrCallNotAllowed    = errors.New("is only for a hotline follow-up")
	ErrNoStaff           = errors.New("must include a social worker or civil-affairs staff member")
	ErrStaffID           = errors.New("is required for staff: their staff id")
	ErrUnnamed           = errors.New("is required without an id")
	ErrNoServices        = errors.New("at least one service is required")
	ErrReasonWithoutTier = errors.New("is only given with a tier recommendation")
)
