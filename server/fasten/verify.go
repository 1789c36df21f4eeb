package fasten

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	keys [][]byte
}

// NewVerifier returns a Verifier that accepts a delivery signed with any of
// secrets (several during a rotation, or one per mode: test and live).
// Blank entries are skipped; a Verifier without secrets refuses every
// delivery with reason.NoSecretConfigured. A malformed secret is an error
// that names its position, never its value.
func NewVerifier(secrets []string) (*Verifier, error) {
	v := &Verifier{}
	for i, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		key, err := decodeSecret(s)
		if err != nil {
			return nil, fmt.Errorf("fasten webhook secret #%d: %w", i+1, err)
		}
		v.keys = append(v.keys, key)
	}
	return v, nil
}

// Verify checks that body was signed by Fasten with one of the secrets and
// that h.Timestamp is within Tolerance of now. It returns nil or a
// *reason.Error with one of reason.NoSecretConfigured, reason.SignatureMissing,
// reason.TimestampInvalid, reason.TimestampOutOfTolerance or
// reason.SignatureInvalid.
func (v *Verifier) Verify(h Headers, body []byte, now time.Time) error {
	if v == nil || len(v.keys) == 0 {
		return reason.New(reason.NoSecretConfigured, "no Fasten webhook secret is configured")
	}
	if h.ID == "" || h.Timestamp == "" || h.Signature == "" {
		return reason.New(reason.SignatureMissing,
			"webhook-id, webhook-timestamp and webhook-signature headers are required")
	}
	if err := checkTimestamp(h.Timestamp, now); err != nil {
		return err
	}
	if !v.matches(h, body) {
		return reason.New(reason.SignatureInvalid, "no v1 signature matches a configured secret")
	}
	return nil
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

// matches reports whether any v1 entry of the signature header equals the
// MAC under any key. Each key's MAC is computed once.
func (v *Verifier) matches(h Headers, body []byte) bool {
	sigs := v1Signatures(h.Signature)
	if len(sigs) == 0 {
		return false
	}
	for _, key := range v.keys {
		mac := computeMAC(key, h.ID, h.Timestamp, body)
		for _, sig := range sigs {
			if hmac.Equal(mac, sig) {
				return true
			}
		}
	}
	return false
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
