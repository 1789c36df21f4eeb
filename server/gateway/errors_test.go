package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http/httptest"
	"strings"
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

// TestEncodeFailureIsInternal: an error of the gateway's own (an answer it
// could not encode) is INTERNAL and logged without its text; a status or a
// reason passes through unchanged, unlogged.
func TestEncodeFailureIsInternal(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	rec := httptest.NewRecorder()
	errorHandler(logger)(t.Context(), nil, nil, rec, nil, errors.New("proto: seconds out of range 253402387199 for patient-1"))
	var got ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Code != 500 || got.Reason != string(reason.Internal) {
		t.Fatalf("answer %s, want 500 INTERNAL", rec.Body)
	}
	if !strings.Contains(logs.String(), "could not encode") || strings.Contains(logs.String(), "patient-1") {
		t.Errorf("log %q: want one line without the error's text", logs.String())
	}
	if st := streamErrorHandler(logger)(t.Context(), errors.New("x")); st.Code() != codes.Internal {
		t.Errorf("stream: %v, want INTERNAL", st)
	}
	logs.Reset()
	notFound := status.Error(codes.NotFound, "no")
	if st := streamErrorHandler(logger)(t.Context(), notFound); st.Code() != codes.NotFound || logs.Len() != 0 {
		t.Errorf("a status: %v (logged %q), want it unchanged and unlogged", st, logs.String())
	}
}
