package telemetry

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Other is the label value of anything outside a label's closed set: an
// enum number the enum does not define, a reason outside the catalog, an
// unknown transport.
const Other = "OTHER"

// Transport is how a subscriber receives its items.
type Transport string

// Transports of subscriptions.
const (
	TransportGRPC   Transport = "grpc"
	TransportNDJSON Transport = "ndjson"
	TransportSSE    Transport = "sse"
)

func (t Transport) label() string {
	switch t {
	case TransportGRPC, TransportNDJSON, TransportSSE:
		return string(t)
	}
	return Other
}

// Kind is what a subscription delivers.
type Kind string

// Kinds of subscriptions.
const (
	KindEvents   Kind = "events"
	KindJourneys Kind = "journeys"
)

func (k Kind) label() string {
	switch k {
	case KindEvents, KindJourneys:
		return string(k)
	}
	return Other
}

// PollError is the kind of a failed poll. The poller decides which kind an
// error is; this package only counts it.
type PollError string

// Kinds of poll errors.
const (
	// PollErrorCredentials: the vendor refused the credentials.
	PollErrorCredentials PollError = "credentials"
	// PollErrorHTTPStatus: an HTTP status that retrying did not cure.
	PollErrorHTTPStatus PollError = "http_status"
	// PollErrorNetwork: no answer (connection refused, reset, timeout).
	PollErrorNetwork PollError = "network"
	// PollErrorMalformedPage: an answer that is not a usable page.
	PollErrorMalformedPage PollError = "malformed_page"
	// PollErrorStore: the poller could not store what it fetched.
	PollErrorStore PollError = "store"
)

// pollErrors are the kinds a poll error is counted by.
var pollErrors = []PollError{PollErrorCredentials, PollErrorHTTPStatus, PollErrorNetwork, PollErrorMalformedPage, PollErrorStore}

func (e PollError) label() string {
	if slices.Contains(pollErrors, e) {
		return string(e)
	}
	return Other
}

// sourceLabel is the source's name as the flags spell it: "fasten", "oneup".
func sourceLabel(s conneventsv1.Source) string {
	name := enumLabel(s)
	if s == conneventsv1.Source_SOURCE_UNSPECIFIED || name == Other {
		return Other
	}
	return strings.ToLower(name)
}

// enumLabel is the name of an enum value without its type's prefix
// (EVENT_TYPE_CONNECTION_AUTHORIZED → CONNECTION_AUTHORIZED), or Other for a
// number the enum does not define. The prefix is read off the enum's zero
// value, which buf lint requires to be PREFIX_UNSPECIFIED.
func enumLabel(e protoreflect.Enum) string {
	values := e.Descriptor().Values()
	v := values.ByNumber(e.Number())
	if v == nil {
		return Other
	}
	name := string(v.Name())
	if zero := values.ByNumber(0); zero != nil {
		name = strings.TrimPrefix(name, strings.TrimSuffix(string(zero.Name()), "UNSPECIFIED"))
	}
	return name
}

// catalog is the closed set of reason label values: server/reason's.
var catalog = func() map[reason.Reason]bool {
	m := map[reason.Reason]bool{}
	for _, r := range reason.All() {
		m[r] = true
	}
	return m
}()

// reasonLabel is r if the catalog holds it, else Other.
func reasonLabel(r reason.Reason) string {
	if catalog[r] {
		return string(r)
	}
	return Other
}

// methodLabel is an HTTP method the service could route, or Other.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return Other
}

// codeLabel is an HTTP status code, or Other for a number outside 1xx–5xx.
func codeLabel(code int) string {
	if code < 100 || code > 599 {
		return Other
	}
	return strconv.Itoa(code)
}
