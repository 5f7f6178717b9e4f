package hotline

import "errors"

// Command refusals: the call's state forbids the command. The gRPC layer
// maps them to FailedPrecondition (or AlreadyExists / NotFound as noted).
var (
	ErrNotReceived     = errors.New("call is not recorded")        // NotFound
	ErrAlreadyReceived = errors.New("call is already recorded")    // AlreadyExists
	ErrCallClosed      = errors.New("call is already followed up") // closed calls stay closed
	ErrNotTriaged      = errors.New("call has no follow-up owner; triage it first")
)

// Field reasons specific to calls.
var (
	ErrLine            = errors.New("must be a hotline line from 1 to 6")
	ErrNoCaller        = errors.New("a known person or the caller's number is required")
	ErrCallerBoth      = errors.New("is not recorded for a known person: give the person or the number, not both")
	ErrNumber          = errors.New("must be a phone number of 5 to 15 digits")
	ErrVisitRequired   = errors.New("is required for a follow-up visit")
	ErrVisitNotAllowed = errors.New("is only for a follow-up visit")
	ErrBeforeCall      = errors.New("is before the call came in")
)
