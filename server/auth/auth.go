package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/connevents/connevents/server/reason"
)

// Keys is the set of accepted API keys. The zero value (no keys) accepts
// every request: the server only runs that way on loopback or with
// --insecure-no-auth.
type Keys struct {
	digests [][sha256.Size]byte
}

// NewKeys returns the checker for keys.
func NewKeys(keys []string) *Keys {
	k := &Keys{}
	for _, key := range keys {
		k.digests = append(k.digests, sha256.Sum256([]byte(key)))
	}
	return k
}

// Open reports whether no key is required.
func (k *Keys) Open() bool { return len(k.digests) == 0 }

// Allow reports whether an authorization header value carries a valid key.
func (k *Keys) Allow(authorization string) bool {
	if k.Open() {
		return true
	}
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || token == "" {
		return false
	}
	// Hashing first gives equal-length inputs to the constant-time compare.
	d := sha256.Sum256([]byte(token))
	match := 0
	for _, want := range k.digests {
		match |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	return match == 1
}

// ErrKeyInvalid is the one error every missing or wrong key gets.
var ErrKeyInvalid = reason.New(reason.APIKeyInvalid, "missing or invalid API key: send authorization: Bearer <key>")

// exempt methods need no key: health checks, which load balancers call.
func exempt(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/")
}

// CheckGRPC returns ErrKeyInvalid unless the gRPC call to fullMethod
// carries a valid key in its metadata (or needs none). server/api's
// interceptors call it.
func (k *Keys) CheckGRPC(ctx context.Context, fullMethod string) error {
	if k.Open() || exempt(fullMethod) {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		if k.Allow(v) {
			return nil
		}
	}
	return ErrKeyInvalid
}

// CheckHTTP returns ErrKeyInvalid unless the HTTP request carries a valid
// key (or needs none).
func (k *Keys) CheckHTTP(r *http.Request) error {
	if k.Allow(r.Header.Get("Authorization")) {
		return nil
	}
	return ErrKeyInvalid
}
