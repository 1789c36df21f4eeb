// Package reject describes why the service refused an input: a stable,
// machine-readable reason and a message that is safe to log and to return.
//
// Parsers and verifiers of untrusted input (Fasten deliveries, 1upHealth
// AuditEvents, page tokens, cursors) return *Error; the transports map it to
// a status code and an error body in one place each. A message never contains
// payload data, patient identifiers or secrets.
package reject

import "errors"

// Error is a refused input.
type Error struct {
	// Reason is an UPPER_SNAKE_CASE constant such as "SIGNATURE_INVALID".
	Reason string
	// Message explains the reason to a person. Never payload data.
	Message string
}

// New returns an *Error with the reason and message.
func New(reason, message string) *Error {
	return &Error{Reason: reason, Message: message}
}

func (e *Error) Error() string { return e.Reason + ": " + e.Message }

// Reason returns the reason of err if it is (or wraps) an *Error, and "" if
// it is not.
func Reason(err error) string {
	var r *Error
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}
