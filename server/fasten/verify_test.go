package fasten

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Fixed secrets for the tests: 32 and 24 bytes.
var (
	testSecretA = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	testSecretB = "whsec_" + base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba98"))
	testNow     = time.Unix(1718237311, 0) // 2024-06-13T00:08:31Z
	testBody    = []byte(`{"id":"evt-1","type":"webhook.test","data":{"hello":"world"}}`)
)

func signed(t *testing.T, secret string, ts time.Time, body []byte) Headers {
	t.Helper()
	sig, err := Sign(secret, "msg_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return Headers{ID: "msg_1", Timestamp: strconv.FormatInt(ts.Unix(), 10), Signature: sig}
}

func mustVerifier(t *testing.T, secrets ...string) *Verifier {
	t.Helper()
	v, err := NewVerifier(secrets)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	sigA := signed(t, testSecretA, testNow, testBody).Signature
	sigB := signed(t, testSecretB, testNow, testBody).Signature
	ts := strconv.FormatInt(testNow.Unix(), 10)
	tests := []struct {
		name    string
		secrets []string
		sig     string
	}{
		{"one secret", []string{testSecretA}, sigA},
		{"rotation, first secret matches", []string{testSecretA, testSecretB}, sigA},
		{"rotation, second secret matches", []string{testSecretA, testSecretB}, sigB},
		{"several entries, last matches", []string{testSecretB}, sigA + " " + sigB},
		{"several entries, first matches", []string{testSecretA}, sigA + " " + sigB},
		{"non-v1 entries ignored", []string{testSecretA}, "v1a,abc v2," + strings.TrimPrefix(sigA, "v1,") + " " + sigA},
		{"garbage entries ignored", []string{testSecretA}, "v1,!!!notbase64 nocomma " + sigA},
		{"extra spaces", []string{testSecretA}, "  " + sigA + "   "},
		{"secret without prefix", []string{strings.TrimPrefix(testSecretA, "whsec_")}, sigA},
		{"blank secrets skipped", []string{"", " ", testSecretA}, sigA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Headers{ID: "msg_1", Timestamp: ts, Signature: tt.sig}
			if err := mustVerifier(t, tt.secrets...).Verify(h, testBody, testNow); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	good := signed(t, testSecretA, testNow, testBody)
	with := func(f func(*Headers)) Headers { h := good; f(&h); return h }
	tests := []struct {
		name   string
		v      *Verifier
		h      Headers
		body   []byte
		reason reason.Reason
	}{
		{"no secrets", mustVerifier(t), good, testBody, reason.NoSecretConfigured},
		{"nil verifier", nil, good, testBody, reason.NoSecretConfigured},
		{"missing id", mustVerifier(t, testSecretA), with(func(h *Headers) { h.ID = "" }), testBody, reason.SignatureMissing},
		{"missing timestamp", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Timestamp = "" }), testBody, reason.SignatureMissing},
		{"missing signature", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Signature = "" }), testBody, reason.SignatureMissing},
		{"timestamp not integer", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Timestamp = "2024-06-13T00:08:31Z" }), testBody, reason.TimestampInvalid},
		{"timestamp fraction", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Timestamp += ".5" }), testBody, reason.TimestampInvalid},
		{"timestamp overflow", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Timestamp = "99999999999999999999" }), testBody, reason.TimestampInvalid},
		{"wrong secret", mustVerifier(t, testSecretB), good, testBody, reason.SignatureInvalid},
		{"tampered body", mustVerifier(t, testSecretA), good, append([]byte(nil), append(testBody, ' ')...), reason.SignatureInvalid},
		{"tampered id", mustVerifier(t, testSecretA), with(func(h *Headers) { h.ID = "msg_2" }), testBody, reason.SignatureInvalid},
		{"only non-v1 entries", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Signature = "v2," + strings.TrimPrefix(good.Signature, "v1,") }), testBody, reason.SignatureInvalid},
		{"no comma", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Signature = strings.TrimPrefix(good.Signature, "v1,") }), testBody, reason.SignatureInvalid},
		{"not base64", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Signature = "v1,***" }), testBody, reason.SignatureInvalid},
		{"truncated signature", mustVerifier(t, testSecretA), with(func(h *Headers) { h.Signature = good.Signature[:len(good.Signature)-4] }), testBody, reason.SignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Verify(tt.h, tt.body, testNow)
			if got := reason.Of(err); got != tt.reason {
				t.Fatalf("Verify = %v, want reason %s", err, tt.reason)
			}
		})
	}
}

// TestVerifyTolerance checks the ±5 minute window at its edges, with the
// signature computed for each timestamp so only the clock is at fault.
func TestVerifyTolerance(t *testing.T) {
	v := mustVerifier(t, testSecretA)
	tests := []struct {
		name   string
		skew   time.Duration // timestamp minus now
		reason reason.Reason
	}{
		{"now", 0, ""},
		{"exactly 5m old", -Tolerance, ""},
		{"exactly 5m ahead", Tolerance, ""},
		{"5m1s old", -Tolerance - time.Second, reason.TimestampOutOfTolerance},
		{"5m1s ahead", Tolerance + time.Second, reason.TimestampOutOfTolerance},
		{"a day old", -24 * time.Hour, reason.TimestampOutOfTolerance},
		{"zero", -time.Duration(testNow.Unix()) * time.Second, reason.TimestampOutOfTolerance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := signed(t, testSecretA, testNow.Add(tt.skew), testBody)
			if got := reason.Of(v.Verify(h, testBody, testNow)); got != tt.reason {
				t.Fatalf("reason %q, want %q", got, tt.reason)
			}
		})
	}
	// Sub-second clock: 5m and 0.9s after a whole-second timestamp is still
	// within 5m in whole seconds.
	h := signed(t, testSecretA, testNow, testBody)
	if err := v.Verify(h, testBody, testNow.Add(Tolerance+900*time.Millisecond)); err != nil {
		t.Fatalf("sub-second edge: %v", err)
	}
	if got := reason.Of(v.Verify(h, testBody, testNow.Add(-Tolerance-time.Millisecond))); got != reason.TimestampOutOfTolerance {
		t.Fatalf("timestamp 5m and 1ms ahead (301 s in whole seconds): %q", got)
	}
}

func TestNewVerifierRejectsMalformedSecret(t *testing.T) {
	for _, bad := range []string{"whsec_", "whsec_not*base64", "whsec_=====", "plain text secret"} {
		_, err := NewVerifier([]string{testSecretA, bad})
		if err == nil {
			t.Fatalf("NewVerifier accepted a malformed secret")
		}
		if !strings.Contains(err.Error(), "#2") {
			t.Errorf("error %q does not name the secret's position", err)
		}
		if rest := strings.TrimPrefix(bad, "whsec_"); rest != "" && strings.Contains(err.Error(), rest) {
			t.Errorf("error %q prints the secret", err)
		}
	}
}

func TestSecrets(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	key, err := decodeSecret(s)
	if err != nil || len(key) != 32 || !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("NewSecret = %q: key %d bytes, %v", s, len(key), err)
	}
	if s2, _ := NewSecret(); s2 == s {
		t.Fatal("NewSecret repeated itself")
	}
	if _, err := Sign("whsec_***", "id", testNow, nil); err == nil {
		t.Fatal("Sign accepted a malformed secret")
	}
}

// TestSignKnownVector pins the signed content format against a value
// computed independently (openssl dgst -sha256 -hmac over "msg_1.1718237311.<body>").
func TestSignKnownVector(t *testing.T) {
	got, err := Sign(testSecretA, "msg_1", testNow, testBody)
	if err != nil {
		t.Fatal(err)
	}
	if got != knownSignature {
		t.Fatalf("Sign = %s, want %s", got, knownSignature)
	}
}

const knownSignature = "v1,MbnabNtvtG9xHotMNWAOBsHSSOxTL0fai4uhck0ULnc="

// TestSecretModes: a secret written test:… or live:… signs only
// deliveries of that api_mode; a plain one any; a mode other than test or
// live is refused at start-up without repeating the secret.
func TestSecretModes(t *testing.T) {
	h := signed(t, testSecretA, testNow, testBody)
	for _, tt := range []struct {
		secrets []string
		want    Mode
	}{
		{[]string{"test:" + testSecretA}, TestMode},
		{[]string{"live:" + testSecretA}, LiveMode},
		{[]string{testSecretA}, AnyMode},
		{[]string{"live:" + testSecretB, testSecretA}, AnyMode},
	} {
		mode, err := mustVerifier(t, tt.secrets...).Check(h, testBody, testNow)
		if err != nil || mode != tt.want {
			t.Errorf("%v: Check = %q, %v; want %q", tt.secrets[0][:5], mode, err, tt.want)
		}
	}
	if _, err := mustVerifier(t, "test:"+testSecretB).Check(h, testBody, testNow); reason.Of(err) != reason.SignatureInvalid {
		t.Errorf("another mode's secret: %v, want SIGNATURE_INVALID", err)
	}
	if _, err := NewVerifier([]string{"prod:" + testSecretA}); err == nil || strings.Contains(err.Error(), testSecretA[6:]) {
		t.Errorf("NewVerifier(prod:…) = %v, want an error without the secret", err)
	}
	live, test, none := conneventsv1.ApiMode_API_MODE_LIVE, conneventsv1.ApiMode_API_MODE_TEST, conneventsv1.ApiMode_API_MODE_UNSPECIFIED
	if !TestMode.Allows(test) || TestMode.Allows(live) || !LiveMode.Allows(live) || LiveMode.Allows(test) || !AnyMode.Allows(live) ||
		!TestMode.Allows(none) || !LiveMode.Allows(none) {
		t.Error("Mode.Allows is wrong")
	}
	if DeclaredAPIMode([]byte(`{"api_mode":"live","date":"not a date"}`)) != live || DeclaredAPIMode([]byte(`not json`)) != none {
		t.Error("DeclaredAPIMode is wrong")
	}
}

// TestSignWithBoundSecret: a secret written with its mode signs as the
// secret itself (connevents fasten send takes what serve takes).
func TestSignWithBoundSecret(t *testing.T) {
	plain, err := Sign(testSecretA, "msg_1", testNow, testBody)
	if err != nil {
		t.Fatal(err)
	}
	for _, bound := range []string{"test:" + testSecretA, "live:" + testSecretA} {
		if got, err := Sign(bound, "msg_1", testNow, testBody); err != nil || got != plain {
			t.Errorf("Sign(%s…) = %q, %v; want the plain secret's signature", bound[:5], got, err)
		}
	}
	if _, err := Sign("prod:"+testSecretA, "msg_1", testNow, testBody); err == nil {
		t.Error("Sign(prod:…) succeeded")
	}
}
