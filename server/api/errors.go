package api

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/reject"
	"github.com/connevents/connevents/server/store"
)

// ErrorDomain is the ErrorInfo domain of every error the service returns.
const ErrorDomain = "connevents"

// Reasons of UNAVAILABLE answers: retry them.
const (
	ReasonStorageUnavailable = "STORAGE_UNAVAILABLE"
	ReasonShuttingDown       = "SHUTTING_DOWN"
)

// unauthenticatedReasons are the rejections that mean "we cannot tell who
// sent this": Fasten signature and timestamp failures.
var unauthenticatedReasons = map[string]bool{
	"SIGNATURE_MISSING":          true,
	"SIGNATURE_INVALID":          true,
	"TIMESTAMP_INVALID":          true,
	"TIMESTAMP_OUT_OF_TOLERANCE": true,
	"NO_SECRET_CONFIGURED":       true,
}

// toStatus is the one place where errors become gRPC statuses. Rejections
// keep their reason and message (they never carry payload data); store
// errors get a fixed message so internals never leak.
func (s *Service) toStatus(err error) error {
	var r *reject.Error
	switch {
	case errors.As(err, &r):
		code := codes.InvalidArgument
		if unauthenticatedReasons[r.Reason] {
			code = codes.Unauthenticated
		}
		return WithReason(code, r.Reason, r.Message, nil)
	case errors.Is(err, ingest.ErrClosed):
		return WithReason(codes.Unavailable, ReasonShuttingDown, "the server is shutting down; retry", nil)
	case errors.Is(err, store.ErrNotFound):
		return WithReason(codes.NotFound, "NOT_FOUND", "no such event", nil)
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	s.logger.Error("storage error", "err", err)
	return WithReason(codes.Unavailable, ReasonStorageUnavailable, "storage is unavailable; retry later", nil)
}

// WithReason returns a status with an ErrorInfo carrying reason.
func WithReason(code codes.Code, reason, message string, metadata map[string]string) error {
	st, err := status.New(code, message).WithDetails(&errdetails.ErrorInfo{
		Reason: reason, Domain: ErrorDomain, Metadata: metadata,
	})
	if err != nil {
		return status.Error(code, message)
	}
	return st.Err()
}

// ReasonOf returns the ErrorInfo reason of a status error, or "".
func ReasonOf(err error) string {
	return ErrorInfoOf(err).GetReason()
}

// ErrorInfoOf returns the ErrorInfo of a status error, or nil.
func ErrorInfoOf(err error) *errdetails.ErrorInfo {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}
