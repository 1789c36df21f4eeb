package oneup

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// TestSecretAndPatientDataNeverLogged runs every fault and a success with
// debug logging and checks that neither logs, errors nor the status hold
// the client secret or patient identifiers.
func TestSecretAndPatientDataNeverLogged(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 12)
	r.srv.Inject(
		oneuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"},
		oneuptest.Fault{Status: 503},
		oneuptest.Fault{Delay: time.Minute},
		oneuptest.Fault{Malformed: true},
	)
	cfg := r.config()
	cfg.RequestTimeout = 50 * time.Millisecond
	cfg.MaxAttempts = 4
	p := r.poller(t, cfg)
	var errs []string
	for range 3 {
		if _, err := p.PollOnce(context.Background()); err != nil {
			errs = append(errs, err.Error())
		}
	}
	cfg.ClientSecret = oneuptest.ClientSecret + "-rotated"
	bad := r.poller(t, cfg)
	if _, err := bad.PollOnce(context.Background()); err != nil {
		errs = append(errs, err.Error(), bad.Status().GetLastError())
	}
	if len(errs) < 2 || r.sink.len() != 12 {
		t.Fatalf("scenario did not run as planned: errors %q, sink %d", errs, r.sink.len())
	}
	haystack := r.logs.String() + strings.Join(errs, "\n") + p.Status().String()
	for _, needle := range []string{oneuptest.ClientSecret, "user-secret-118044", "pat-7f3c2a", "Humana"} {
		if strings.Contains(haystack, needle) {
			t.Errorf("%q found in logs, errors or status", needle)
		}
	}
	if !strings.Contains(r.logs.String(), "ae-12") {
		t.Error("expected event ids in the debug log")
	}
}

func TestValidateNeverQuotesSecret(t *testing.T) {
	for _, cfg := range []Config{
		{BaseURL: "::bad", ClientID: "id", ClientSecret: "s3cr3t"},
		{BaseURL: "https://x", ClientSecret: "s3cr3t"},
		{BaseURL: "https://x", ClientID: "id", ClientSecret: "s3cr3t", Subtypes: []string{"a,b"}},
	} {
		err := cfg.withDefaults().Validate()
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Validate: %v", err)
		}
	}
}
