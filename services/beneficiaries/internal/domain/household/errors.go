package household

import "errors"

var (
	// ErrNotRegistered: a command on a household with no history.
	ErrNotRegistered = errors.New("household is not registered")
	// ErrAlreadyRegistered: a history that registers a household twice.
	ErrAlreadyRegistered = errors.New("household is already registered")
)
