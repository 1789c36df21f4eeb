package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// runCLI runs the command line and returns what it printed on stdout. It
// swaps os.Stdout, so tests that call it must not run in parallel.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdout
	os.Stdout = f
	runErr := dispatch(args)
	os.Stdout = saved
	out, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(out), runErr
}

// storedFasten returns every event the server holds, oldest first.
func storedFasten(t *testing.T, s *testserver.Server) []*conneventsv1.ConnectionEvent {
	t.Helper()
	resp, err := s.Client.ListEvents(context.Background(), &conneventsv1.ListEventsRequest{PageSize: 1000, OrderBy: "sequence asc"})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetEvents()
}

// TestFastenSendCommand: `connevents fasten send` posts a signed delivery of
// the type, variant and mode asked for; a resend with the same --id is a
// duplicate; a wrong secret fails the command.
func TestFastenSendCommand(t *testing.T) {
	s := testserver.Start(t, nil)
	url := s.BaseURL + "/v1/webhooks/fasten"
	tests := []struct {
		args     []string
		wantType conneventsv1.EventType
		check    func(*conneventsv1.ConnectionEvent) bool
	}{
		{nil, conneventsv1.EventType_EVENT_TYPE_TEST, func(*conneventsv1.ConnectionEvent) bool { return true }},
		{[]string{"--type", fasten.TypeConnectionSuccess, "--variant", "rejected", "--mode", "live"},
			conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED,
			func(ev *conneventsv1.ConnectionEvent) bool {
				return ev.GetApiMode() == conneventsv1.ApiMode_API_MODE_LIVE
			}},
		{[]string{"--type", fasten.TypeEHIExportFailed, "--variant", "token_refresh_failure"},
			conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED,
			func(ev *conneventsv1.ConnectionEvent) bool {
				return ev.GetFailure().GetReason() == conneventsv1.FailureReason_FAILURE_REASON_TOKEN_REFRESH_FAILED
			}},
	}
	for i, tt := range tests {
		args := append([]string{"fasten", "send", "--url", url, "--secret", testserver.Secret}, tt.args...)
		out, err := runCLI(t, args...)
		if err != nil || !strings.HasPrefix(out, "200 OK") || !strings.Contains(out, "INGEST_STATUS_STORED") {
			t.Fatalf("%v: %v\n%s", tt.args, err, out)
		}
		events := storedFasten(t, s)
		if len(events) != i+1 {
			t.Fatalf("%v: %d events stored, want %d", tt.args, len(events), i+1)
		}
		if ev := events[i]; ev.GetType() != tt.wantType || !tt.check(ev) {
			t.Errorf("%v stored %v", tt.args, ev)
		}
	}

	resend := []string{"fasten", "send", "--url", url, "--secret", testserver.Secret, "--id", "e2e-cli-retry"}
	for _, want := range []string{"INGEST_STATUS_STORED", "INGEST_STATUS_DUPLICATE"} {
		if out, err := runCLI(t, resend...); err != nil || !strings.Contains(out, want) {
			t.Fatalf("send --id twice: %v, want %s\n%s", err, want, out)
		}
	}
	if _, err := runCLI(t, "fasten", "send", "--url", url, "--secret", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("send with a wrong secret: %v, want a 401 error", err)
	}
	if n := len(storedFasten(t, s)); n != len(tests)+1 {
		t.Errorf("%d events stored, want %d", n, len(tests)+1)
	}
}

// TestFastenSendSecretFromEnvironment: without --secret, the first secret of
// CONNEVENTS_FASTEN_WEBHOOK_SECRETS signs.
func TestFastenSendSecretFromEnvironment(t *testing.T) {
	s := testserver.Start(t, nil)
	t.Setenv("CONNEVENTS_FASTEN_WEBHOOK_SECRETS", testserver.Secret+",whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
	if out, err := runCLI(t, "fasten", "send", "--url", s.BaseURL+"/v1/webhooks/fasten"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := len(storedFasten(t, s)); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

// TestFastenSecretCommand: `connevents fasten secret` prints a fresh secret
// that a Verifier accepts and that verifies what it signs.
func TestFastenSecretCommand(t *testing.T) {
	seen := map[string]bool{}
	for range 2 {
		out, err := runCLI(t, "fasten", "secret")
		if err != nil {
			t.Fatal(err)
		}
		secret := strings.TrimSuffix(out, "\n")
		if !strings.HasPrefix(secret, "whsec_") || strings.ContainsAny(secret, " \n") || seen[secret] {
			t.Fatalf("printed %q, want one new whsec_ secret", out)
		}
		seen[secret] = true
		if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); err != nil || len(key) < 24 || len(key) > 64 {
			t.Fatalf("the secret is not base64 of 24-64 bytes: %d bytes, %v", len(key), err)
		}
		v, err := fasten.NewVerifier([]string{secret})
		if err != nil {
			t.Fatalf("NewVerifier refuses the printed secret: %v", err)
		}
		body := []byte(`{"id":"e2e-secret","type":"webhook.test"}`)
		now := time.Now()
		h, err := fasten.SignedHeaders(secret, body, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(h, body, now); err != nil {
			t.Fatalf("a delivery signed with the printed secret does not verify: %v", err)
		}
	}
}

// TestFastenSendWithoutSecret: with neither --secret nor the environment,
// fasten send says so, sends nothing and fails.
func TestFastenSendWithoutSecret(t *testing.T) {
	var requests atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer receiver.Close()
	t.Setenv("CONNEVENTS_FASTEN_WEBHOOK_SECRETS", "")
	_, stderr, status := execCLI(t, "fasten", "send", "--url", receiver.URL)
	if status != 1 || !strings.Contains(stderr, "no signing secret") || !strings.Contains(stderr, "--secret") {
		t.Errorf("exit %d, stderr %q; want 1 and a message about the missing secret", status, stderr)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
