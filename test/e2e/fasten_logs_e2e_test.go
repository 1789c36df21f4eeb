package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// Recognisable personal data the server must never log.
const (
	phiName     = "Zebulon Quaxworth"
	phiEmail    = "zebulon.quaxworth@e2e-mail.example"
	phiText     = "E2E-FREETEXT my HbA1c is 9.7 since March"
	phiAddress  = "77 Quaxworth Lane, E2E City"
	phiURL      = "https://downloads.e2e.example/ehi/E2E-DL-7f3a?X-Amz-Signature=e2e5ig"
	phiExternal = "ext-E2E-patient-4411"
)

// TestFastenLogsHoldNoPersonalData: after accepted, duplicate, refused and
// failed deliveries full of personal data, neither the log nor any answer
// holds any of it, nor the secret or a signature.
func TestFastenLogsHoldNoPersonalData(t *testing.T) {
	s := testserver.Start(t, nil)
	person := []fasten.SampleOption{fasten.WithData("name", phiName), fasten.WithData("email", phiEmail)}
	support := sample(t, fasten.TypeRequestSupport, append(person, fasten.WithData("body", phiText))...)
	system := sample(t, fasten.TypeRequestHealthSystem, append(person, fasten.WithData("street_address", phiAddress))...)
	export := sample(t, fasten.TypeEHIExportSuccess, fasten.WithData("external_id", phiExternal),
		fasten.WithData("download_links", []map[string]string{{"url": phiURL, "export_type": "jsonl"}}))

	var sent []delivery
	var answers []string
	send := func(d delivery) {
		sent = append(sent, d)
		_, answer, err := post(s.BaseURL, d)
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, string(answer))
	}
	for _, body := range [][]byte{support, system, export, support} { // the last one is a duplicate
		send(signed(t, body))
	}
	send(signedAt(t, otherSecret, support, time.Now()))
	send(signedAt(t, testserver.Secret, export, time.Now().Add(-time.Hour)))
	send(delivery{body: support})
	send(signed(t, []byte(`{"id":"e2e-log-1","type":"patient.request_support","data":{"name":"`+phiName+`"`)))
	send(signed(t, []byte(`{"type":"patient.request_support","data":{"email":"`+phiEmail+`"}}`)))
	send(signed(t, []byte(`{"id":"e2e-log-2","type":"patient.request_support","data":"`+phiText+`"}`)))
	// A type the service does not know is the sender's free text.
	send(signed(t, []byte(`{"id":"e2e-log-3","type":"patient.Quaxworth","api_mode":"live","date":"2026-01-02T03:04:05Z","data":{}}`)))
	send(signed(t, sample(t, fasten.TypeRequestSupport, fasten.WithData("body", phiText+strings.Repeat(" ", fasten.MaxBodyBytes)))))
	_, err := s.Client.IngestFastenWebhook(context.Background(), relayRequest(t, otherSecret, support))
	if err == nil {
		t.Fatal("the relay accepted a bad signature")
	}
	answers = append(answers, err.Error())
	failStorage(t, s, func() {
		send(signed(t, sample(t, fasten.TypeEHIExportSuccess, fasten.WithData("download_link", phiURL))))
	})

	logs := s.Logs.String()
	for _, want := range []string{"fasten delivery accepted", "fasten delivery rejected", "storage error"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the log lacks %q: the test did not exercise what it checks\n%s", want, logs)
		}
	}
	secrets := []string{testserver.Secret, strings.TrimPrefix(testserver.Secret, "whsec_")}
	for _, d := range sent {
		secrets = append(secrets, strings.Fields(strings.Join(d.header[fasten.HeaderSignature], " "))...)
	}
	for _, banned := range append([]string{phiName, phiEmail, phiText, phiAddress, phiURL, phiExternal, "Quaxworth", "E2E-DL-7f3a"}, secrets...) {
		if strings.Contains(logs, banned) {
			t.Errorf("the log contains %q", banned)
		}
		for _, answer := range answers {
			if strings.Contains(answer, banned) {
				t.Errorf("an answer contains %q: %s", banned, answer)
			}
		}
	}
}

// failStorage runs deliver while every commit fails.
func failStorage(t *testing.T, s *testserver.Server, deliver func()) {
	t.Helper()
	side := sideConn(t, s)
	sideExec(t, side, `CREATE TRIGGER e2e_fault BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected fault'); END`)
	deliver()
	sideExec(t, side, "DROP TRIGGER e2e_fault")
}
