package journey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// Key is the natural key of a journey: its source and the vendor's
// identifiers of the connection. It holds patient identifiers: never log it.
type Key struct {
	// Source is the aggregator running the connection.
	Source conneventsv1.Source
	// Value is the Fasten org connection id, or the 1upHealth user id and
	// custodian altId joined by a NUL byte (the altId empty when unknown).
	Value string
}

// KeyOf returns the journey an event belongs to, or false when it belongs
// to none: a vendor test event, a Fasten event without an org connection
// id, a 1upHealth event without a user id, or an event of another source.
func KeyOf(ev *conneventsv1.ConnectionEvent) (Key, bool) {
	if ev.GetType() == conneventsv1.EventType_EVENT_TYPE_TEST {
		return Key{}, false
	}
	switch ev.GetSource() {
	case conneventsv1.Source_SOURCE_FASTEN:
		if id := ev.GetConnection().GetOrgConnectionId(); id != "" {
			return Key{Source: ev.GetSource(), Value: id}, true
		}
	case conneventsv1.Source_SOURCE_ONEUP:
		if user := ev.GetPatient().GetOneupUserId(); user != "" {
			return Key{Source: ev.GetSource(), Value: user + "\x00" + ev.GetHealthSystem().GetOneupSystemId()}, true
		}
	}
	return Key{}, false
}

// IDPrefix starts every journey id.
const IDPrefix = "cnx_"

// idEncoding is lower-case base32 without padding: URL-safe and short.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Namer derives journey ids from keys. Safe for concurrent use.
type Namer struct {
	secret []byte
}

// NewNamer returns a Namer keyed with secret. Every replica of one database
// must use the same secret (the store keeps it, created at random with the
// database); a secret too short to resist guessing (under 16 bytes) panics,
// as it is a programming error.
func NewNamer(secret []byte) *Namer {
	if len(secret) < 16 {
		panic("journey: namer secret shorter than 16 bytes")
	}
	return &Namer{secret: append([]byte(nil), secret...)}
}

// ID returns the journey id of k: IDPrefix and 26 base32 characters
// (128 bits of HMAC-SHA-256 over the source and the key).
func (n *Namer) ID(k Key) string {
	mac := hmac.New(sha256.New, n.secret)
	mac.Write([]byte{byte(k.Source)})
	mac.Write([]byte(k.Value))
	return IDPrefix + idEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// IDOf returns the id of the journey ev belongs to, or "" when it belongs to
// none.
func (n *Namer) IDOf(ev *conneventsv1.ConnectionEvent) string {
	k, ok := KeyOf(ev)
	if !ok {
		return ""
	}
	return n.ID(k)
}

// ValidID reports whether s has the shape of a journey id (so that a
// malformed id can be refused before a lookup).
func ValidID(s string) bool {
	rest, ok := strings.CutPrefix(s, IDPrefix)
	if !ok || len(rest) != 26 {
		return false
	}
	_, err := idEncoding.DecodeString(rest)
	return err == nil
}
