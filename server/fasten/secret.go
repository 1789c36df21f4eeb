package fasten

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// secretPrefix starts every Standard Webhooks signing secret.
const secretPrefix = "whsec_"

// errBadSecret never includes the secret itself.
var errBadSecret = errors.New("not a signing secret: want whsec_ followed by non-empty base64")

// splitSecret separates the mode a configured secret is bound to (`test:`
// or `live:`, see Mode) from the whsec_ secret itself.
func splitSecret(s string) (Mode, string, error) {
	s = strings.TrimSpace(s)
	m, rest, ok := strings.Cut(s, ":")
	if !ok {
		return AnyMode, s, nil
	}
	if Mode(m) != TestMode && Mode(m) != LiveMode {
		return AnyMode, "", errors.New("the mode before ':' must be test or live")
	}
	return Mode(m), rest, nil
}

// decodeSecret returns the HMAC key of a `whsec_<base64>` secret. The prefix
// is optional (as in the Standard Webhooks libraries); padded and unpadded
// standard base64 are accepted.
func decodeSecret(secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(secret), secretPrefix)
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil || len(key) == 0 {
		return nil, errBadSecret
	}
	return key, nil
}

// NewSecret returns a fresh signing secret: `whsec_` and the base64 of 32
// random bytes.
func NewSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature header value (`v1,<base64>`) of a
// delivery with the webhook-id id, sent at ts, signed with secret.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	_, secret, err := splitSecret(secret)
	if err != nil {
		return "", err
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	mac := computeMAC(key, id, strconv.FormatInt(ts.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(mac), nil
}

// computeMAC is HMAC-SHA256 over `{id}.{timestamp}.{body}`.
func computeMAC(key []byte, id, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
