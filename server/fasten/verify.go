package fasten

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Headers are the Standard Webhooks headers of a delivery. The transport
// fills them from the case-insensitive header names HeaderID,
// HeaderTimestamp and HeaderSignature.
type Headers struct {
	ID        string
	Timestamp string
	Signature string
}

// Verifier checks deliveries against a fixed set of signing secrets. It is
// immutable and safe for concurrent use.
type Verifier struct {
	keys []signingKey
}

// signingKey is one secret, decoded, and the mode it signs for.
type signingKey struct {
	key  []byte
	mode Mode
}

// Mode is the api_mode a secret signs deliveries of: Fasten gives test and
// live deliveries separate secrets. AnyMode is a secret configured without
// a mode.
type Mode string

// The modes of a secret.
const (
	AnyMode  Mode = ""
	TestMode Mode = "test"
	LiveMode Mode = "live"
)

// Allows reports whether a delivery signed for m may say it is of the API
// mode apiMode: a secret of one mode cannot sign a delivery that says it is
// of the other (one that says neither claims nothing).
func (m Mode) Allows(apiMode conneventsv1.ApiMode) bool {
	switch m {
	case TestMode:
		return apiMode != conneventsv1.ApiMode_API_MODE_LIVE
	case LiveMode:
		return apiMode != conneventsv1.ApiMode_API_MODE_TEST
	}
	return true
}

// NewVerifier returns a Verifier that accepts a delivery signed with any of
// secrets (several during a rotation, or one per mode). A secret written
// `test:whsec_…` or `live:whsec_…` signs only deliveries of that api_mode
// (Mode); a plain `whsec_…` any. Blank entries are skipped; a Verifier
// without secrets refuses every delivery with reason.NoSecretConfigured. A
// malformed secret is an error that names its position, never its value.
func NewVerifier(secrets []string) (*Verifier, error) {
	v := &Verifier{}
	for i, s := range secrets {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		mode, secret, err := splitSecret(s)
		if err != nil {
			return nil, fmt.Errorf("fasten webhook secret #%d: %w", i+1, err)
		}
		key, err := decodeSecret(secret)
		if err != nil {
			return nil, fmt.Errorf("fasten webhook secret #%d: %w", i+1, err)
		}
		v.keys = append(v.keys, signingKey{key: key, mode: mode})
	}
	return v, nil
}

// Verify checks that body was signed by Fasten with one of the secrets and
// that h.Timestamp is within Tolerance of now. It returns nil or a
// *reason.Error with one of reason.NoSecretConfigured, reason.SignatureMissing,
// reason.TimestampInvalid, reason.TimestampOutOfTolerance or
// reason.SignatureInvalid.
func (v *Verifier) Verify(h Headers, body []byte, now time.Time) error {
	_, err := v.Check(h, body, now)
	return err
}

// Check is Verify, and also returns the mode of the secret that signed the
// delivery (AnyMode when a secret without a mode did): the caller checks
// the delivery's api_mode against it once the body is read.
func (v *Verifier) Check(h Headers, body []byte, now time.Time) (Mode, error) {
	if v == nil || len(v.keys) == 0 {
		return AnyMode, reason.New(reason.NoSecretConfigured, "no Fasten webhook secret is configured")
	}
	if h.ID == "" || h.Timestamp == "" || h.Signature == "" {
		return AnyMode, reason.New(reason.SignatureMissing,
			"webhook-id, webhook-timestamp and webhook-signature headers are required")
	}
	if err := checkTimestamp(h.Timestamp, now); err != nil {
		return AnyMode, err
	}
	mode, ok := v.signer(h, body)
	if !ok {
		return AnyMode, reason.New(reason.SignatureInvalid, "no v1 signature matches a configured secret")
	}
	return mode, nil
}

// checkTimestamp compares in whole seconds, so that exactly Tolerance away
// is still accepted.
func checkTimestamp(header string, now time.Time) error {
	ts, err := strconv.ParseInt(header, 10, 64)
	if err != nil {
		return reason.New(reason.TimestampInvalid, "webhook-timestamp is not an integer of Unix seconds")
	}
	limit := int64(Tolerance / time.Second)
	if n := now.Unix(); ts < n-limit || ts > n+limit {
		return reason.New(reason.TimestampOutOfTolerance,
			"webhook-timestamp is more than 5 minutes from the receiver's clock")
	}
	return nil
}

// signer finds a key whose MAC equals a v1 entry of the signature header,
// and returns its mode (AnyMode if a key without a mode matches). Each
// key's MAC is computed once.
func (v *Verifier) signer(h Headers, body []byte) (Mode, bool) {
	sigs := v1Signatures(h.Signature)
	if len(sigs) == 0 {
		return AnyMode, false
	}
	mode, found := AnyMode, false
	for _, k := range v.keys {
		mac := computeMAC(k.key, h.ID, h.Timestamp, body)
		for _, sig := range sigs {
			if hmac.Equal(mac, sig) {
				if k.mode == AnyMode {
					return AnyMode, true
				}
				mode, found = k.mode, true
			}
		}
	}
	return mode, found
}

// v1Signatures decodes the `v1,<base64>` entries of a signature header,
// skipping other versions and undecodable entries.
func v1Signatures(header string) [][]byte {
	var sigs [][]byte
	for _, entry := range strings.Fields(header) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if sig, err := base64.StdEncoding.DecodeString(b64); err == nil {
			sigs = append(sigs, sig)
		}
	}
	return sigs
}
