package theme

import "errors"

// Command refusals: the month's state forbids the command. The gRPC layer
// maps them to FailedPrecondition (or AlreadyExists / NotFound as noted).
var (
	ErrNotChosen     = errors.New("the month has no theme")                                 // NotFound
	ErrAlreadyChosen = errors.New("the month already has a theme; change it to replace it") // AlreadyExists
	ErrMonthOver     = errors.New("the month is over; its theme stays as it was")
)
