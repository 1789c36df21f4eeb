package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// ErrorDomain is the ErrorInfo domain of every error the service returns.
const ErrorDomain = "connevents"

// answer is how the service answers a reason: a gRPC code, and the HTTP
// status of the gateway's error body.
type answer struct {
	code codes.Code
	http int
}

// answers is the one table of reasons to codes. HTTP follows grpc-gateway's
// mapping of the code, except where HTTP can say more: a body over the
// limit is 413, a push of another content type 415.
var answers = map[reason.Reason]answer{
	reason.APIKeyInvalid:      {codes.Unauthenticated, http.StatusUnauthorized},
	reason.RoleRequired:       {codes.PermissionDenied, http.StatusForbidden},
	reason.MethodNotPermitted: {codes.PermissionDenied, http.StatusForbidden},
	reason.HostNotAllowed:     {codes.PermissionDenied, http.StatusForbidden},

	reason.NoSecretConfigured:      {codes.Unauthenticated, http.StatusUnauthorized},
	reason.SignatureMissing:        {codes.Unauthenticated, http.StatusUnauthorized},
	reason.SignatureInvalid:        {codes.Unauthenticated, http.StatusUnauthorized},
	reason.TimestampInvalid:        {codes.Unauthenticated, http.StatusUnauthorized},
	reason.TimestampOutOfTolerance: {codes.Unauthenticated, http.StatusUnauthorized},

	reason.BodyTooLarge:         {codes.InvalidArgument, http.StatusRequestEntityTooLarge},
	reason.BodyUnreadable:       {codes.InvalidArgument, http.StatusBadRequest},
	reason.UnsupportedMediaType: {codes.InvalidArgument, http.StatusUnsupportedMediaType},
	reason.TooManyItems:         {codes.InvalidArgument, http.StatusRequestEntityTooLarge},

	reason.MalformedJSON:   {codes.InvalidArgument, http.StatusBadRequest},
	reason.MissingID:       {codes.InvalidArgument, http.StatusBadRequest},
	reason.MissingType:     {codes.InvalidArgument, http.StatusBadRequest},
	reason.DataNotObject:   {codes.InvalidArgument, http.StatusBadRequest},
	reason.InvalidDate:     {codes.InvalidArgument, http.StatusBadRequest},
	reason.MalformedBundle: {codes.InvalidArgument, http.StatusBadRequest},
	reason.MalformedEntry:  {codes.InvalidArgument, http.StatusBadRequest},
	reason.NotAnAuditEvent: {codes.InvalidArgument, http.StatusBadRequest},
	reason.MissingRecorded: {codes.InvalidArgument, http.StatusBadRequest},
	reason.InvalidRecorded: {codes.InvalidArgument, http.StatusBadRequest},
	reason.TextNotStorable: {codes.InvalidArgument, http.StatusBadRequest},
	reason.IDNotUTF8:       {codes.InvalidArgument, http.StatusBadRequest},

	reason.DeadLetterNotFound:        {codes.NotFound, http.StatusNotFound},
	reason.DeadLetterStillUnreadable: {codes.FailedPrecondition, http.StatusBadRequest},

	reason.InvalidRequest:      {codes.InvalidArgument, http.StatusBadRequest},
	reason.IDRequired:          {codes.InvalidArgument, http.StatusBadRequest},
	reason.NotFound:            {codes.NotFound, http.StatusNotFound},
	reason.MethodNotAllowed:    {codes.Unimplemented, http.StatusMethodNotAllowed},
	reason.PageSizeNegative:    {codes.InvalidArgument, http.StatusBadRequest},
	reason.OrderByInvalid:      {codes.InvalidArgument, http.StatusBadRequest},
	reason.PageTokenInvalid:    {codes.InvalidArgument, http.StatusBadRequest},
	reason.SourceUnknown:       {codes.InvalidArgument, http.StatusBadRequest},
	reason.ConnectionIDInvalid: {codes.InvalidArgument, http.StatusBadRequest},
	reason.FilterInvalid:       {codes.InvalidArgument, http.StatusBadRequest},
	reason.WindowInvalid:       {codes.InvalidArgument, http.StatusBadRequest},

	reason.CursorInvalid:        {codes.InvalidArgument, http.StatusBadRequest},
	reason.CursorExpired:        {codes.FailedPrecondition, http.StatusBadRequest},
	reason.CursorOtherDatabase:  {codes.FailedPrecondition, http.StatusBadRequest},
	reason.CursorAheadOfLog:     {codes.FailedPrecondition, http.StatusBadRequest},
	reason.SubscriberTooSlow:    {codes.ResourceExhausted, http.StatusTooManyRequests},
	reason.TooManySubscriptions: {codes.ResourceExhausted, http.StatusTooManyRequests},

	reason.StorageUnavailable:   {codes.Unavailable, http.StatusServiceUnavailable},
	reason.ShuttingDown:         {codes.Unavailable, http.StatusServiceUnavailable},
	reason.AccessLogUnavailable: {codes.Unavailable, http.StatusServiceUnavailable},
	reason.Internal:             {codes.Internal, http.StatusInternalServerError},
}

// Errors the lower layers leave to api to name.
var (
	errNotFound = reason.New(reason.NotFound, "no such event")
	errStorage  = reason.New(reason.StorageUnavailable, "storage is unavailable; retry later")
)

// Status is the one place where errors become gRPC statuses:
//
//   - a *reason.Error gets its reason's code, with its reason, message and
//     metadata in an ErrorInfo (messages never carry payload data);
//   - store.ErrNotFound is NOT_FOUND, and a context's end CANCELLED or
//     DEADLINE_EXCEEDED;
//   - a status error passes as it is; one without a reason that is
//     INVALID_ARGUMENT (grpc-gateway could not parse a request) gets
//     INVALID_REQUEST;
//   - anything else is a storage failure, answered UNAVAILABLE with a
//     fixed message so that internals never leak.
//
// Status(nil) is nil, whose Err is nil.
func Status(err error) *status.Status {
	st, _ := classify(err)
	return st
}

// classify is Status, and whether err was unexpected (worth logging).
func classify(err error) (*status.Status, bool) {
	var r *reason.Error
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &r):
		return withReason(r), false
	case errors.Is(err, store.ErrNotFound):
		return withReason(errNotFound), false
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request canceled"), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded"), false
	}
	if st, ok := status.FromError(err); ok {
		if st.Code() == codes.InvalidArgument && infoOf(st) == nil {
			return withReason(reason.New(reason.InvalidRequest, requestMessage(st.Message()))), false
		}
		return st, false
	}
	return withReason(errStorage), true
}

// gatewayField finds the field grpc-gateway names when it cannot parse a
// query parameter ("parsing field \"page_size\": strconv.ParseInt: …").
var gatewayField = regexp.MustCompile(`^(?:parsing (?:field|list) "|type mismatch, parameter: )([a-zA-Z0-9_.]+)`)

// requestMessage is the message for a request grpc-gateway could not parse:
// the field it names, never the rest of its text, which names Go's parsers
// (strconv, time layouts) and repeats the value sent (possibly a patient
// id).
func requestMessage(gateway string) string {
	if m := gatewayField.FindStringSubmatch(gateway); m != nil {
		return "the value of " + m[1] + " is not valid for its type"
	}
	return "the request could not be parsed"
}

// toStatus is Status for the service's answers; it logs unexpected errors
// (whose text never reaches the caller).
func (s *Service) toStatus(err error) error {
	st, unexpected := classify(err)
	if unexpected {
		s.logger.Error("storage error", "err", err)
	}
	return st.Err()
}

// withReason returns the status of r, with an ErrorInfo.
func withReason(r *reason.Error) *status.Status {
	c := answerOf(r.Reason).code
	st, err := status.New(c, r.Message).WithDetails(&errdetails.ErrorInfo{
		Reason: string(r.Reason), Domain: ErrorDomain, Metadata: r.Metadata,
	})
	if err != nil {
		return status.New(c, r.Message)
	}
	return st
}

// answerOf is the answer to r. A reason missing from the table is a bug
// (a test checks the table): INTERNAL.
func answerOf(r reason.Reason) answer {
	if a, ok := answers[r]; ok {
		return a
	}
	return answers[reason.Internal]
}

// HTTPStatus is the HTTP status of st: its reason's, or grpc-gateway's
// mapping of its code when it has no reason.
func HTTPStatus(st *status.Status) int {
	if info := infoOf(st); info != nil {
		if a, ok := answers[reason.Reason(info.GetReason())]; ok {
			return a.http
		}
	}
	return runtime.HTTPStatusFromCode(st.Code())
}

// ReasonOf returns the ErrorInfo reason of a status error, or "".
func ReasonOf(err error) reason.Reason {
	return reason.Reason(ErrorInfoOf(err).GetReason())
}

// ErrorInfoOf returns the ErrorInfo of a status error, or nil.
func ErrorInfoOf(err error) *errdetails.ErrorInfo {
	st, _ := status.FromError(err)
	return infoOf(st)
}

func infoOf(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}
