package oneup

import (
	"errors"
	"fmt"
	"time"

	"github.com/connevents/connevents/server/reason"
)

// ConfigError means 1upHealth refused the client credentials (HTTP 401 or
// 403). An operator must fix the configuration; the poller reports
// SOURCE_STATE_CONFIG_ERROR and keeps retrying only at its slowed-down
// error interval.
type ConfigError struct {
	// StatusCode is the HTTP status 1upHealth answered.
	StatusCode int
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("1upHealth refused the client credentials (HTTP %d): check the client id and secret", e.StatusCode)
}

// StatusError is an HTTP status the client does not retry (any 4xx other
// than 401, 403 and 429), or a retryable one (429, 5xx) that persisted
// through every attempt.
type StatusError struct {
	// StatusCode is the last HTTP status received.
	StatusCode int
	// Attempts is how many requests were made.
	Attempts int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("1upHealth answered HTTP %d (after %d attempts)", e.StatusCode, e.Attempts)
}

// RetryAfterError means 1upHealth answered 429 or 5xx with a Retry-After
// longer than Config.MaxRetryAfter, the longest the client waits within a
// poll. The poller does not count it as a failure: it stops the poll,
// keeps what it read, and its next poll waits until then.
type RetryAfterError struct {
	// StatusCode is the HTTP status 1upHealth answered.
	StatusCode int
	// After is the wait 1upHealth asked for; Limit is MaxRetryAfter.
	After, Limit time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("1upHealth answered HTTP %d with Retry-After %s, longer than the %s limit", e.StatusCode, e.After, e.Limit)
}

// StorageError is the store (or the ingest path) failing while the poller
// reads or writes its checkpoint or ingests a page. Its Error, for logs,
// holds the store's own text; the source's status shows only Status.
type StorageError struct {
	// Op is what the poller was doing, such as "ingesting page 3".
	Op  string
	Err error
}

func (e *StorageError) Error() string { return "oneup: " + e.Op + ": " + e.Err.Error() }
func (e *StorageError) Unwrap() error { return e.Err }

// Status is what the source's status says: what failed and a reason.
func (e *StorageError) Status() string {
	r := reason.Of(e.Err)
	if r == "" {
		r = reason.StorageUnavailable
	}
	return "oneup: " + e.Op + ": " + string(r) + " (the server log has the details)"
}

// ErrMalformedPage is wrapped by errors about a search page that is not a
// usable FHIR Bundle. The poll fails and is retried at the next interval;
// events of earlier pages stay stored.
var ErrMalformedPage = errors.New("malformed search page")

// malformed returns an error wrapping ErrMalformedPage.
func malformed(why string) error {
	return fmt.Errorf("%w: %s", ErrMalformedPage, why)
}

// retryable marks an attempt that may be retried after a wait. after is
// zero when the server named no time and backoff decides.
type retryable struct {
	err   error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }
