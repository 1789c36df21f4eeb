package reason

import "errors"

// Reason is an UPPER_SNAKE_CASE constant from this package's catalog.
type Reason string

func (r Reason) String() string { return string(r) }

// Error is a request the service refused or could not serve, for a reason.
type Error struct {
	// Reason is one of this package's constants.
	Reason Reason
	// Message explains the reason to a person. Never payload data.
	Message string
	// Metadata is machine-readable detail (ErrorInfo.metadata), such as
	// the oldest cursor of an expired one. Never payload data.
	Metadata map[string]string
}

// New returns an *Error with the reason and message.
func New(r Reason, message string) *Error {
	return &Error{Reason: r, Message: message}
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Message }

// Of returns the reason of err if it is (or wraps) an *Error, and "" if it
// is not.
func Of(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
