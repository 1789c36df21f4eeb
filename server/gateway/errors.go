package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
)

// ErrorBody is the JSON body of every HTTP error the service answers:
//
//	{"code": 401, "status": "UNAUTHENTICATED", "reason": "SIGNATURE_INVALID", "message": "…"}
//
// code is the HTTP status, status the gRPC code name, reason the ErrorInfo
// reason.
type ErrorBody struct {
	Code     int               `json:"code"`
	Status   string            `json:"status"`
	Reason   string            `json:"reason"`
	Message  string            `json:"message"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// errorBody describes an error by its gRPC status (api.Status): the HTTP
// status and the reason come from server/api's table, so that HTTP and
// gRPC callers get the same answer.
func errorBody(err error) ErrorBody {
	st := api.Status(err)
	b := ErrorBody{
		Code:    api.HTTPStatus(st),
		Status:  code.Code(st.Code()).String(),
		Message: st.Message(),
	}
	if info := api.ErrorInfoOf(st.Err()); info != nil {
		b.Reason, b.Metadata = info.GetReason(), info.GetMetadata()
	}
	return b
}

// WriteError writes an error (a status, a *reason.Error, …) as an HTTP
// error.
func WriteError(w http.ResponseWriter, err error) {
	b := errorBody(err)
	writeJSON(w, b.Code, b)
}

// errorHandler makes grpc-gateway answer errors in the same shape. The
// service answers statuses; any other error is the gateway's own failure
// to encode an answer (a bug): INTERNAL, logged.
func errorHandler(logger *slog.Logger) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
		WriteError(w, gatewayError(ctx, logger, err))
	}
}

// streamErrorHandler is errorHandler for an error in the middle of a
// stream (an item that cannot be encoded), which ends the stream.
func streamErrorHandler(logger *slog.Logger) runtime.StreamErrorHandlerFunc {
	return func(ctx context.Context, err error) *status.Status {
		return api.Status(gatewayError(ctx, logger, err))
	}
}

// errEncode answers what the gateway could not encode.
var errEncode = reason.New(reason.Internal, "the server could not encode the answer")

// gatewayError is err if it is a status or a reason, else errEncode, logged
// by type only (an encoder's message may quote a value).
func gatewayError(ctx context.Context, logger *slog.Logger, err error) error {
	var r *reason.Error
	if _, ok := status.FromError(err); ok || errors.As(err, &r) {
		return err
	}
	logger.ErrorContext(ctx, "the gateway could not encode an answer", "error_type", fmt.Sprintf("%T", err))
	return errEncode
}

// routingError answers a request no route serves in the same shape: an
// unknown path is NOT_FOUND (404), a known path called with another method
// METHOD_NOT_ALLOWED (405), anything else INVALID_REQUEST.
func routingError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	switch httpStatus {
	case http.StatusNotFound:
		WriteError(w, reason.New(reason.NotFound, "no route of the API has this path"))
	case http.StatusMethodNotAllowed:
		methodNotAllowed(allowedMethods(r.URL.Path)).ServeHTTP(w, r)
	default:
		WriteError(w, reason.New(reason.InvalidRequest, "the request could not be routed"))
	}
}

func writeJSON(w http.ResponseWriter, httpStatus int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(v)
}
