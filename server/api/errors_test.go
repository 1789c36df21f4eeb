package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// TestEveryReasonAnswered checks that the table answers every reason of
// the catalog, and nothing else.
func TestEveryReasonAnswered(t *testing.T) {
	catalog := map[reason.Reason]bool{}
	for _, r := range reason.All() {
		catalog[r] = true
		a, ok := answers[r]
		if !ok {
			t.Errorf("%s has no gRPC code", r)
			continue
		}
		if a.code == codes.OK || a.code == codes.Unknown || a.http < 400 {
			t.Errorf("%s answers %v / HTTP %d", r, a.code, a.http)
		}
		st := Status(reason.New(r, "m"))
		if st.Code() != a.code || ReasonOf(st.Err()) != r || HTTPStatus(st) != a.http {
			t.Errorf("%s becomes %v (reason %q, HTTP %d)", r, st, ReasonOf(st.Err()), HTTPStatus(st))
		}
	}
	for r := range answers {
		if !catalog[r] {
			t.Errorf("the table answers %s, which is not in the catalog", r)
		}
	}
}

func TestStatus(t *testing.T) {
	expired := &reason.Error{Reason: reason.CursorExpired, Message: "gone", Metadata: map[string]string{"oldest_cursor": "c"}}
	gatewayParse := status.Error(codes.InvalidArgument, "type mismatch, parameter: filter.types")
	tests := []struct {
		name    string
		err     error
		code    codes.Code
		reason  reason.Reason
		message string
		http    int
	}{
		{"reason", reason.New(reason.SignatureInvalid, "no match"), codes.Unauthenticated, reason.SignatureInvalid, "no match", 401},
		{"wrapped reason", fmt.Errorf("oneup: %w", reason.New(reason.UnsupportedMediaType, "xml")), codes.InvalidArgument, reason.UnsupportedMediaType, "xml", 415},
		{"shutting down", ingest.ErrClosed, codes.Unavailable, reason.ShuttingDown, ingest.ErrClosed.Message, 503},
		{"not found", fmt.Errorf("get: %w", store.ErrNotFound), codes.NotFound, reason.NotFound, "no such event", 404},
		{"canceled", context.Canceled, codes.Canceled, "", "request canceled", 499},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "", "deadline exceeded", 504},
		{"gateway parse error", gatewayParse, codes.InvalidArgument, reason.InvalidRequest, "the value of filter.types is not valid for its type", 400},
		{"other status", status.Error(codes.NotFound, "Not Found"), codes.NotFound, "", "Not Found", 404},
		{"storage", errors.New("disk I/O error at /var/lib/secret.db"), codes.Unavailable, reason.StorageUnavailable, "storage is unavailable; retry later", 503},
		{"expired cursor", expired, codes.FailedPrecondition, reason.CursorExpired, "gone", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Status(tt.err)
			if st.Code() != tt.code || ReasonOf(st.Err()) != tt.reason || st.Message() != tt.message || HTTPStatus(st) != tt.http {
				t.Errorf("Status = %v %q (reason %q, HTTP %d), want %v %q (reason %q, HTTP %d)",
					st.Code(), st.Message(), ReasonOf(st.Err()), HTTPStatus(st), tt.code, tt.message, tt.reason, tt.http)
			}
			if info := ErrorInfoOf(st.Err()); tt.reason != "" && info.GetDomain() != ErrorDomain {
				t.Errorf("ErrorInfo %v, want domain %s", info, ErrorDomain)
			}
		})
	}
	if got := ErrorInfoOf(Status(expired).Err()).GetMetadata()["oldest_cursor"]; got != "c" {
		t.Errorf("metadata lost: %q", got)
	}
	if Status(nil).Err() != nil {
		t.Error("Status(nil) is an error")
	}
}

var (
	backticked = regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	httpCell   = regexp.MustCompile(`^\d{3}$`)
)

// TestReadmeErrorsTable checks the README's errors table against the
// table here, row by row, and that the README names every reason.
func TestReadmeErrorsTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "| reason | gRPC code | HTTP |")
	if !ok {
		t.Fatal("README has no errors table")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !httpCell.MatchString(strings.TrimSpace(cells[3])) {
			continue
		}
		rows++
		wantHTTP, _ := strconv.Atoi(strings.TrimSpace(cells[3]))
		wantCode := strings.Trim(strings.TrimSpace(cells[2]), "`")
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			r := reason.Reason(m[1])
			a, ok := answers[r]
			if !ok {
				t.Errorf("README lists %s, which the service does not answer", r)
				continue
			}
			if got := code.Code(a.code).String(); got != wantCode || a.http != wantHTTP {
				t.Errorf("README: %s is %s / %d; the service answers %s / %d", r, wantCode, wantHTTP, got, a.http)
			}
		}
	}
	if rows == 0 {
		t.Fatal("no rows read from the README's errors table")
	}
	for _, r := range reason.All() {
		if !strings.Contains(section, "`"+string(r)+"`") {
			t.Errorf("the README's errors section does not name %s", r)
		}
	}
}

// TestHTTPStatusWithoutReason follows grpc-gateway for statuses without a
// reason.
func TestHTTPStatusWithoutReason(t *testing.T) {
	if got := HTTPStatus(status.New(codes.NotFound, "")); got != http.StatusNotFound {
		t.Errorf("NOT_FOUND without reason: %d", got)
	}
}
