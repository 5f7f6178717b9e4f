package person

import "errors"

// Command refusals: the person's state forbids the command. The gRPC layer
// maps them to FailedPrecondition (or AlreadyExists / NotFound as noted).
var (
	ErrNotRegistered       = errors.New("person is not registered")           // NotFound
	ErrAlreadyRegistered   = errors.New("person is already registered")       // AlreadyExists
	ErrPersonExited        = errors.New("person has exited the register")     // only Reinstate and Forget apply
	ErrPersonForgotten     = errors.New("person's personal data was erased")  // nothing applies
	ErrPersonNotExited     = errors.New("person has not exited the register") // Reinstate needs an exit
	ErrCategoryHeld        = errors.New("person is already in the category")  // AlreadyExists
	ErrCategoryNotHeld     = errors.New("person is not in the category")
	ErrLastCategory        = errors.New("cannot remove the person's only category; exit the person instead")
	ErrMonthlyUpdateExists = errors.New("the month's file is already updated; send an amendment") // AlreadyExists
	ErrNoMonthlyUpdate     = errors.New("the month's file has no update to amend")
	ErrSameHousehold       = errors.New("person already belongs to the household")
)

// Field reasons specific to persons (see also identity and reference).
var (
	ErrNoCategories       = errors.New("at least one category is required")
	ErrListedTwice        = errors.New("is listed twice")
	ErrRelationship       = errors.New("is not a known relationship to the head of the household")
	ErrExitReason         = errors.New(`must be "deceased", "moved_away", "no_longer_eligible" or "other"`)
	ErrNoteRequired       = errors.New(`is required when the reason is "other"`)
	ErrTooManyRiskFactors = errors.New("lists more than 20 risk factors")
	ErrBeforeBirth        = errors.New("is before the person's birth date")
	ErrBeforeRegistration = errors.New("is before the person's registration")
	ErrOutOfOrder         = errors.New("is before the change it would follow") // history is kept in effective-date order
)
