package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// otherSecret is a well-formed secret the test server does not trust.
const otherSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"

// without drops one header of d.
func without(d delivery, name string) delivery {
	d.header = d.header.Clone()
	delete(d.header, name)
	return d
}

// TestFastenRejections: every refused delivery is answered as docs/fasten.md
// lists it, and nothing is stored, not even as a dead letter. (Authentic
// deliveries that cannot be normalized are kept: deadletters_e2e_test.go.)
func TestFastenRejections(t *testing.T) {
	s := testserver.Start(t, nil)
	good := func(t *testing.T) []byte { return sample(t, fasten.TypeConnectionSuccess) }
	tests := []struct {
		name   string
		build  func(t *testing.T) delivery
		code   int
		reason reason.Reason
	}{
		{"no headers", func(t *testing.T) delivery { return delivery{body: good(t)} }, 401, reason.SignatureMissing},
		{"no webhook-id", func(t *testing.T) delivery { return without(signed(t, good(t)), fasten.HeaderID) }, 401, reason.SignatureMissing},
		{"no webhook-timestamp", func(t *testing.T) delivery { return without(signed(t, good(t)), fasten.HeaderTimestamp) }, 401, reason.SignatureMissing},
		{"no webhook-signature", func(t *testing.T) delivery { return without(signed(t, good(t)), fasten.HeaderSignature) }, 401, reason.SignatureMissing},
		{"wrong secret", func(t *testing.T) delivery { return signedAt(t, otherSecret, good(t), time.Now()) }, 401, reason.SignatureInvalid},
		{"tampered body", func(t *testing.T) delivery {
			d := signed(t, good(t))
			d.body = bytes.Replace(d.body, []byte(`"authorized"`), []byte(`"rejected"`), 1)
			return d
		}, 401, reason.SignatureInvalid},
		{"tampered webhook-id", func(t *testing.T) delivery {
			d := signed(t, good(t))
			d.header[fasten.HeaderID] = []string{"msg_someone_else"}
			return d
		}, 401, reason.SignatureInvalid},
		{"stale timestamp", func(t *testing.T) delivery {
			return signedAt(t, testserver.Secret, good(t), time.Now().Add(-fasten.Tolerance-time.Minute))
		}, 401, reason.TimestampOutOfTolerance},
		{"future timestamp", func(t *testing.T) delivery {
			return signedAt(t, testserver.Secret, good(t), time.Now().Add(fasten.Tolerance+time.Minute))
		}, 401, reason.TimestampOutOfTolerance},
		{"timestamp not a number", func(t *testing.T) delivery {
			d := signed(t, good(t))
			d.header[fasten.HeaderTimestamp] = []string{time.Now().UTC().Format(time.RFC3339)}
			return d
		}, 401, reason.TimestampInvalid},
		{"body over 256 KiB", func(t *testing.T) delivery {
			return signed(t, sample(t, fasten.TypeRequestSupport, fasten.WithData("body", strings.Repeat("x", fasten.MaxBodyBytes))))
		}, 413, reason.BodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refuse(t, s, tt.build(t), tt.code, statusOf(tt.code), tt.reason)
			requireCount(t, s, 0)
			requireDeadLetters(t, s, 0)
		})
	}
}

// statusOf is the gRPC code name the error body carries for an HTTP status.
func statusOf(code int) string {
	switch code {
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	}
	return "INVALID_ARGUMENT" // 400 and 413
}

// TestFastenNoSecretConfigured: without a secret every delivery is refused;
// only --fasten-insecure-no-verify takes unsigned ones, and says so at
// start-up.
func TestFastenNoSecretConfigured(t *testing.T) {
	noSecret := func(c *server.Config) { c.FastenWebhookSecrets = nil }
	t.Run("refused", func(t *testing.T) {
		s := testserver.Start(t, noSecret)
		body := sample(t, fasten.TypeWebhookTest)
		refuse(t, s, signed(t, body), 401, "UNAUTHENTICATED", reason.NoSecretConfigured)
		refuse(t, s, delivery{body: body}, 401, "UNAUTHENTICATED", reason.NoSecretConfigured)
		requireCount(t, s, 0)
		if s.Logs.Contains("NOT verified") {
			t.Error("the no-verify warning was logged without --fasten-insecure-no-verify")
		}
	})
	t.Run("insecure no verify", func(t *testing.T) {
		s := testserver.Start(t, func(c *server.Config) { noSecret(c); c.FastenInsecureNoVerify = true })
		body := sample(t, fasten.TypeWebhookTest)
		answer := accept(t, s, delivery{body: body}, "INGEST_STATUS_STORED")
		ev := bySourceID(t, requireCount(t, s, 1), envelope(t, body)["id"].(string))
		if ev.str("id") != answer.Result.EventID {
			t.Errorf("listed id %s, answered %s", ev.str("id"), answer.Result.EventID)
		}
		if !warned(s.Logs.String(), "NOT verified") {
			t.Errorf("no start-up warning about unverified webhooks in\n%s", s.Logs.String())
		}
	})
}

// warned reports whether a WARN line of the JSON log contains text.
func warned(logs, text string) bool {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, text) {
			return true
		}
	}
	return false
}

// TestFastenSecretRotation: with two secrets, a delivery signed with either
// (or carrying both signatures) is accepted; a third secret is not.
func TestFastenSecretRotation(t *testing.T) {
	newSecret, err := fasten.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s := testserver.Start(t, func(c *server.Config) { c.FastenWebhookSecrets = []string{testserver.Secret, newSecret} })
	now := time.Now()
	accept(t, s, signedAt(t, testserver.Secret, sample(t, fasten.TypeWebhookTest), now), "INGEST_STATUS_STORED")
	accept(t, s, signedAt(t, newSecret, sample(t, fasten.TypeWebhookTest), now), "INGEST_STATUS_STORED")

	body := sample(t, fasten.TypeWebhookTest)
	both := signedAt(t, otherSecret, body, now)
	both.header[fasten.HeaderSignature] = append([]string{}, strings.Join([]string{
		both.header[fasten.HeaderSignature][0], signedAt(t, newSecret, body, now).header[fasten.HeaderSignature][0],
	}, " "))
	accept(t, s, both, "INGEST_STATUS_STORED")

	refuse(t, s, signedAt(t, otherSecret, sample(t, fasten.TypeWebhookTest), now), 401, "UNAUTHENTICATED", reason.SignatureInvalid)
	requireCount(t, s, 3)
}

// TestFastenHeaderNamesAnyCase: header names are matched case-insensitively.
func TestFastenHeaderNamesAnyCase(t *testing.T) {
	s := testserver.Start(t, nil)
	body := sample(t, fasten.TypeWebhookTest)
	d := signed(t, body)
	d.header = http.Header{
		"WEBHOOK-ID":        d.header[fasten.HeaderID],
		"Webhook-Timestamp": d.header[fasten.HeaderTimestamp],
		"Webhook-Signature": d.header[fasten.HeaderSignature],
	}
	accept(t, s, d, "INGEST_STATUS_STORED")
	bySourceID(t, requireCount(t, s, 1), envelope(t, body)["id"].(string))
}

// TestSecretBoundToMode: with --fasten-webhook-secrets test:…,live:…, a
// delivery signed with the test secret is accepted when it says
// api_mode test and refused (401 SIGNATURE_INVALID) when it says live; the
// live secret signs live deliveries.
func TestSecretBoundToMode(t *testing.T) {
	testSecret, liveSecret := mustSecret(t), mustSecret(t)
	s := testserver.Start(t, func(c *server.Config) {
		c.FastenWebhookSecrets = []string{"test:" + testSecret, "live:" + liveSecret}
	})
	now := time.Now()
	accept(t, s, signedAt(t, testSecret, sample(t, fasten.TypeConnectionSuccess, fasten.WithAPIMode("test"), fasten.WithID("t1")), now), "INGEST_STATUS_STORED")
	accept(t, s, signedAt(t, liveSecret, sample(t, fasten.TypeConnectionSuccess, fasten.WithAPIMode("live"), fasten.WithID("l1")), now), "INGEST_STATUS_STORED")
	refuse(t, s, signedAt(t, testSecret, sample(t, fasten.TypeConnectionSuccess, fasten.WithAPIMode("live"), fasten.WithID("l2")), now),
		http.StatusUnauthorized, "UNAUTHENTICATED", reason.SignatureInvalid)
	// Nor is a live delivery it signs kept as a dead letter, which a retry
	// could turn into an event.
	refuse(t, s, signedAt(t, testSecret, []byte(`{"id":"dl-1","type":"patient.connection_success","api_mode":"live","date":"not a date","data":{}}`), now),
		http.StatusUnauthorized, "UNAUTHENTICATED", reason.SignatureInvalid)
	requireCount(t, s, 2)
	requireDeadLetters(t, s, 0)
}

func mustSecret(t *testing.T) string {
	t.Helper()
	s, err := fasten.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
