// Package auth checks the pre-shared API keys that protect every RPC and
// HTTP route except health checks and the signature-authenticated Fasten
// webhook.
//
// A request presents `authorization: Bearer <key>` (gRPC metadata or HTTP
// header). Keys are compared in constant time against every configured key,
// so the time taken does not reveal which key or how much of it matched.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
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

// ReasonAPIKeyInvalid is the reason every missing or wrong key gets.
const ReasonAPIKeyInvalid = "API_KEY_INVALID"

// MessageAPIKeyInvalid explains ReasonAPIKeyInvalid.
const MessageAPIKeyInvalid = "missing or invalid API key: send authorization: Bearer <key>"

// unauthenticated is the one error every missing or wrong key gets.
var unauthenticated = func() error {
	st, err := status.New(codes.Unauthenticated, MessageAPIKeyInvalid).WithDetails(&errdetails.ErrorInfo{
		Reason: ReasonAPIKeyInvalid, Domain: "connevents",
	})
	if err != nil {
		return status.Error(codes.Unauthenticated, MessageAPIKeyInvalid)
	}
	return st.Err()
}()

// exempt methods need no key: health checks, which load balancers call.
func exempt(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/")
}

func (k *Keys) check(ctx context.Context, fullMethod string) error {
	if k.Open() || exempt(fullMethod) {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		if k.Allow(v) {
			return nil
		}
	}
	return unauthenticated
}

// UnaryInterceptor rejects unary calls without a valid key.
func (k *Keys) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		if err := k.check(ctx, info.FullMethod); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// StreamInterceptor rejects streams without a valid key.
func (k *Keys) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
		if err := k.check(ss.Context(), info.FullMethod); err != nil {
			return err
		}
		return next(srv, ss)
	}
}

// AllowHTTP reports whether an HTTP request carries a valid key.
func (k *Keys) AllowHTTP(r *http.Request) bool {
	return k.Allow(r.Header.Get("Authorization"))
}
