package cardedition

import "errors"

// Command refusals: the edition's state forbids the command. The gRPC layer
// maps them to FailedPrecondition (or AlreadyExists / NotFound as noted).
var (
	ErrNotPublished     = errors.New("card edition is not published")     // NotFound
	ErrAlreadyPublished = errors.New("card edition is already published") // AlreadyExists
	ErrAlreadyRetired   = errors.New("card edition is already retired")
)

// Field reasons specific to card editions.
var (
	ErrRevision        = errors.New("must be a revision number from 1 to 999")
	ErrNoTopics        = errors.New("at least one topic is required")
	ErrBeforeEffective = errors.New("is before the edition took effect")
)
