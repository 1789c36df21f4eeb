package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"google.golang.org/grpc"

	"github.com/connevents/connevents/gen/openapi"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/reason"
)

// Body limits of the vendor-native routes.
const (
	MaxFastenBody = fasten.MaxBodyBytes
	MaxOneUpBody  = oneup.MaxPushBytes
)

// Deps are what the HTTP handler is built from.
type Deps struct {
	// Conn reaches the gRPC server (streams need a real gRPC connection).
	Conn *grpc.ClientConn
	// Service is called in-process by the vendor-native routes.
	Service *api.Service
	// Access is the access log's unary interceptor (api.UnaryAccess), run
	// on the unary calls made in-process.
	Access grpc.UnaryServerInterceptor
	Keys   *auth.Keys
	// Ready reports whether the service can serve (store reachable, not
	// shutting down).
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
}

// New returns the service's HTTP handler. Its grpc-gateway routes tell
// telemetry.HTTPMiddleware their pattern (telemetry.GatewayRoute); the
// server wraps the whole HTTP handler in the middleware and in
// telemetry.TraceHTTP.
func New(ctx context.Context, d Deps) (http.Handler, error) {
	unary, streams, err := newMuxes(ctx, d)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{} // path: its methods
	route := func(pattern string, h http.Handler) {
		mux.Handle(pattern, h)
		method, path, _ := strings.Cut(pattern, " ")
		allowed[path] = append(allowed[path], method)
	}
	// The RPCs' bindings: each checked with its RPC's rule (requireKey).
	mux.Handle("/", unary)
	route("GET /v1/events:subscribe", subscribe(streams))
	route("POST /v1/events:subscribe", subscribe(streams)) // the filter in a JSON body
	route("GET /v1/connections:subscribe", subscribe(streams))
	route("POST /v1/connections:subscribe", subscribe(streams)) // the filter in a JSON body
	// Every other route: checked with its pattern's rule (guard).
	handle := func(pattern string, h http.Handler) { route(pattern, guard(d.Keys, pattern, h)) }
	handle("GET /healthz", healthz(d.Ready))
	handle("GET /openapi.json", http.HandlerFunc(serveOpenAPI))
	handle("POST /v1/webhooks/fasten", fastenWebhook(d.Service))
	handle("POST /v1/oneup/audit-events", oneupPush(d.Service))
	// Their paths with another method: 405, not the gateway's 404.
	for path, methods := range allowed {
		mux.Handle(path, methodNotAllowed(methods))
	}
	return mux, nil
}

// methodNotAllowed answers METHOD_NOT_ALLOWED, naming the methods the
// path takes.
func methodNotAllowed(methods []string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		WriteError(w, reason.New(reason.MethodNotAllowed, "this route does not take this method"))
	})
}

func healthz(ready func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "NOT_SERVING", "reason": string(reason.Of(err))})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "SERVING"})
	}
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapi.Document)
}
