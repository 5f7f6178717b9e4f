package outreach

import "errors"

// Command refusals. The gRPC layer maps them to NotFound and AlreadyExists.
var (
	ErrNotRecorded     = errors.New("publicity event is not recorded")
	ErrAlreadyRecorded = errors.New("publicity event is already recorded")
)

// ErrAttendance is the reason for attendance out of range.
var ErrAttendance = errors.New("must be a number of people from 0 to 10000")
