package auth

import (
	"context"
	"net/http"

	"google.golang.org/grpc/metadata"

	"github.com/connevents/connevents/server/reason"
)

// Caller is who a call was allowed for.
type Caller struct {
	// Key is the name of the key the call presented: "" where no key was
	// needed, Anonymous where the server has no keys.
	Key string
	// Role is the role the call needed, "" if none.
	Role Role
}

// Anonymous is the Caller.Key of calls to a server without keys.
const Anonymous = "anonymous"

// ErrKeyInvalid is the one error every missing or wrong key gets.
var ErrKeyInvalid = reason.New(reason.APIKeyInvalid, "missing or invalid API key: send authorization: Bearer <key>")

var errNotPermitted = reason.New(reason.MethodNotPermitted, "no role is granted this method")

// roleRequired is the error of a valid key without role r: it names the
// role, never the key.
func roleRequired(r Role) error {
	return &reason.Error{
		Reason:   reason.RoleRequired,
		Message:  "this call needs an API key with the " + string(r) + " role",
		Metadata: map[string]string{"role": string(r)},
	}
}

// Authorize decides a call to target (a full gRPC method name or an HTTP
// route pattern from the table) that presented the given authorization
// values. It returns who the call is allowed for, or a *reason.Error:
// METHOD_NOT_PERMITTED, API_KEY_INVALID or ROLE_REQUIRED.
func (k *Keys) Authorize(target string, authorization []string) (Caller, error) {
	rule := RuleOf(target)
	switch rule {
	case Denied:
		return Caller{}, errNotPermitted
	case Open, Signed:
		return Caller{}, nil
	}
	if k.Open() {
		return Caller{Key: Anonymous, Role: rule.Role()}, nil
	}
	key, ok := k.identifyAny(authorization)
	if !ok {
		return Caller{}, ErrKeyInvalid
	}
	if role := rule.Role(); role != "" && !key.Has(role) {
		return Caller{}, roleRequired(role)
	}
	return Caller{Key: key.Name, Role: rule.Role()}, nil
}

// identifyAny returns the key of the first value that carries one.
func (k *Keys) identifyAny(authorization []string) (Key, bool) {
	for _, v := range authorization {
		if key, ok := k.identify(v); ok {
			return key, true
		}
	}
	return Key{}, false
}

// CheckGRPC is Authorize for a gRPC call: the key comes from the
// `authorization` metadata. server/api's interceptors call it.
func (k *Keys) CheckGRPC(ctx context.Context, fullMethod string) (Caller, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return k.Authorize(fullMethod, md.Get("authorization"))
}

// CheckHTTP is Authorize for an HTTP request to route: the key comes from
// the Authorization header.
func (k *Keys) CheckHTTP(r *http.Request, route string) (Caller, error) {
	return k.Authorize(route, r.Header.Values("Authorization"))
}

type callerKey struct{}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// FromContext returns the Caller that ctx carries.
func FromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
