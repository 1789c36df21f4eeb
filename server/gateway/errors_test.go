package gateway

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/reason"
)

// TestErrorBody checks that the HTTP error body is derived from the gRPC
// status server/api gives an error, whatever the error's origin.
func TestErrorBody(t *testing.T) {
	expired := &reason.Error{Reason: reason.CursorExpired, Message: "gone", Metadata: map[string]string{"oldest_cursor": "c"}}
	tests := []struct {
		name string
		err  error
		want ErrorBody
	}{
		{"gateway's own refusal", reason.New(reason.BodyTooLarge, "too big"),
			ErrorBody{Code: 413, Status: "INVALID_ARGUMENT", Reason: "BODY_TOO_LARGE", Message: "too big"}},
		{"missing key", auth.ErrKeyInvalid,
			ErrorBody{Code: 401, Status: "UNAUTHENTICATED", Reason: "API_KEY_INVALID", Message: auth.ErrKeyInvalid.Message}},
		{"status from the service", api.Status(reason.New(reason.UnsupportedMediaType, "xml")).Err(),
			ErrorBody{Code: 415, Status: "INVALID_ARGUMENT", Reason: "UNSUPPORTED_MEDIA_TYPE", Message: "xml"}},
		{"stream error with metadata", api.Status(expired).Err(),
			ErrorBody{Code: 400, Status: "FAILED_PRECONDITION", Reason: "CURSOR_EXPIRED", Message: "gone", Metadata: map[string]string{"oldest_cursor": "c"}}},
		{"grpc-gateway parse error", status.Error(codes.InvalidArgument, `parsing field "page_size": strconv.ParseInt: parsing "x": invalid syntax`),
			ErrorBody{Code: 400, Status: "INVALID_ARGUMENT", Reason: "INVALID_REQUEST", Message: "the value of page_size is not valid for its type"}},
		{"unknown route", status.Error(codes.NotFound, "Not Found"),
			ErrorBody{Code: 404, Status: "NOT_FOUND", Message: "Not Found"}},
		{"internal failure", errors.New("disk full at /secret/path"),
			ErrorBody{Code: 503, Status: "UNAVAILABLE", Reason: "STORAGE_UNAVAILABLE", Message: "storage is unavailable; retry later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, tt.err)
			var got ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.want.Code || got.Code != tt.want.Code || got.Status != tt.want.Status || got.Reason != tt.want.Reason ||
				got.Message != tt.want.Message || !maps.Equal(got.Metadata, tt.want.Metadata) {
				t.Errorf("HTTP %d %+v, want %+v", w.Code, got, tt.want)
			}
		})
	}
}
