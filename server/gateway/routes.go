package gateway

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
)

// rpcRoutes maps each HTTP binding of the service's RPCs, as grpc-gateway
// names the matched pattern ("GET /v1/events/{id=*}"), to the RPC's full
// method name and the route as the proto writes it ("GET /v1/events/{id}"),
// read from the google.api.http options of the proto.
var rpcRoutes = bindings(conneventsv1.File_connevents_v1_service_proto.Services())

// rpcRoute is one binding of an RPC.
type rpcRoute struct {
	method string // full gRPC method name
	route  string // "GET /v1/events/{id}"
	// input is the RPC's request message; bodyAll is true when the whole
	// request comes in the body (body: "*"), so that the query holds none
	// of it.
	input   protoreflect.MessageDescriptor
	bodyAll bool
}

func bindings(services protoreflect.ServiceDescriptors) map[string]rpcRoute {
	out := map[string]rpcRoute{}
	forEachBinding(services, func(verb, path string, md protoreflect.MethodDescriptor, b *annotations.HttpRule) {
		full := "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
		out[verb+" "+matchedPattern(path)] = rpcRoute{method: full, route: verb + " " + path, input: md.Input(), bodyAll: b.GetBody() == "*"}
	})
	return out
}

func forEachBinding(services protoreflect.ServiceDescriptors, f func(verb, path string, md protoreflect.MethodDescriptor, b *annotations.HttpRule)) {
	for i := range services.Len() {
		sd := services.Get(i)
		for j := range sd.Methods().Len() {
			md := sd.Methods().Get(j)
			rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
			for _, b := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				if verb, path := binding(b); path != "" {
					f(verb, path, md, b)
				}
			}
		}
	}
}

func binding(b *annotations.HttpRule) (verb, path string) {
	switch p := b.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// routePaths are the RPCs' HTTP bindings as a path regexp and a method, to
// name the methods a path takes (the Allow header of a 405).
var routePaths = pathRegexps(conneventsv1.File_connevents_v1_service_proto.Services())

type routePath struct {
	verb string
	path *regexp.Regexp
}

func pathRegexps(services protoreflect.ServiceDescriptors) []routePath {
	var out []routePath
	forEachBinding(services, func(verb, path string, _ protoreflect.MethodDescriptor, _ *annotations.HttpRule) {
		quoted := regexp.QuoteMeta(shortVariable.ReplaceAllString(path, "\x00"))
		re := strings.ReplaceAll(quoted, "\x00", `[^/]+`)
		out = append(out, routePath{verb, regexp.MustCompile("^" + re + "$")})
	})
	return out
}

// allowedMethods returns the methods the RPC bindings take at path, in
// binding order, each once.
func allowedMethods(path string) []string {
	var verbs []string
	for _, r := range routePaths {
		if r.path.MatchString(path) && !slices.Contains(verbs, r.verb) {
			verbs = append(verbs, r.verb)
		}
	}
	return verbs
}

var shortVariable = regexp.MustCompile(`\{([^}=]+)\}`)

// matchedPattern writes a path template as grpc-gateway's Pattern.String
// does: a variable {id} is {id=*}.
func matchedPattern(path string) string {
	return shortVariable.ReplaceAllString(path, "{${1}=*}")
}

// routeOf is the RPC binding grpc-gateway matched for r (the zero rpcRoute
// outside a matched route).
func routeOf(r *http.Request) rpcRoute {
	if pat, ok := runtime.HTTPPattern(r.Context()); ok {
		return rpcRoutes[r.Method+" "+pat.String()]
	}
	return rpcRoute{}
}

// requireKey does for the HTTP bindings what the gRPC auth interceptor does
// for gRPC calls: it runs only on matched routes, finds the route's RPC and
// decides with that RPC's rule, and passes the Caller on in the context.
// A route it cannot name is refused (METHOD_NOT_PERMITTED).
//
// It also names the route and the peer for the access log: in the context
// for the calls served in-process, and in headers (which become metadata
// the in-memory gRPC server trusts) for the streams forwarded to it; any
// such header the client sent is replaced.
func requireKey(keys *auth.Keys) runtime.Middleware {
	return func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			rr := routeOf(r)
			caller, err := keys.CheckHTTP(r, rr.method)
			if err != nil {
				WriteError(w, err)
				return
			}
			ctx := api.WithHTTPCall(auth.NewContext(r.Context(), caller), rr.route, r.RemoteAddr)
			r = r.WithContext(ctx)
			r.Header.Set(api.GatewayHeaders.Route, rr.route)
			r.Header.Set(api.GatewayHeaders.Peer, r.RemoteAddr)
			next(w, r, params)
		}
	}
}

// guard checks a route that is not an RPC's binding against its pattern's
// rule in server/auth's table. Every such route is registered through it.
func guard(keys *auth.Keys, pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := keys.CheckHTTP(r, pattern)
		if err != nil {
			WriteError(w, err)
			return
		}
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), caller)))
	})
}
