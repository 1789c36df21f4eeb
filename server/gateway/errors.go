package gateway

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/oneup"
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

// ReasonInvalidRequest is the reason of a request the gateway itself could
// not turn into an RPC (an unknown enum value, a repeated oneof field, …).
const ReasonInvalidRequest = "INVALID_REQUEST"

// errorBody describes a gRPC status.
func errorBody(st *status.Status) ErrorBody {
	b := ErrorBody{
		Code:    runtime.HTTPStatusFromCode(st.Code()),
		Status:  codeName(st.Code()),
		Message: st.Message(),
	}
	if info := api.ErrorInfoOf(st.Err()); info != nil {
		b.Reason, b.Metadata = info.GetReason(), info.GetMetadata()
	} else if st.Code() == codes.InvalidArgument {
		b.Reason = ReasonInvalidRequest // the gateway could not parse the request
	}
	if c, ok := reasonHTTPStatus[b.Reason]; ok {
		b.Code = c
	}
	return b
}

// reasonHTTPStatus holds the reasons that HTTP can answer more precisely
// than the gRPC code's usual mapping: a pushed 1upHealth payload of
// another content type is INVALID_ARGUMENT over gRPC but 415 over HTTP.
var reasonHTTPStatus = map[string]int{
	oneup.ReasonUnsupportedMediaType: http.StatusUnsupportedMediaType,
}

// writeStatusError writes a gRPC status error as an HTTP error.
func writeStatusError(w http.ResponseWriter, err error) {
	b := errorBody(status.Convert(err))
	writeJSON(w, b.Code, b)
}

func writeError(w http.ResponseWriter, httpStatus int, code codes.Code, reason, message string) {
	writeJSON(w, httpStatus, ErrorBody{Code: httpStatus, Status: codeName(code), Reason: reason, Message: message})
}

// codeName is the canonical upper-snake name of a gRPC code.
func codeName(c codes.Code) string {
	return code.Code(c).String()
}

// errorHandler makes grpc-gateway answer errors in the same shape.
func errorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	writeStatusError(w, err)
}

func writeJSON(w http.ResponseWriter, httpStatus int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(v)
}
