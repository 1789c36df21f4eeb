package telemetry

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/felixge/httpsnoop"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// httpSeries are the HTTP server's series.
type httpSeries struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPSeries() httpSeries {
	return httpSeries{
		requests: counter("http_requests_total", "HTTP requests served, by method, route pattern and status code.", "method", "route", "code"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request (a stream: its whole life), by method and route pattern.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
}

func (s httpSeries) register(reg prometheus.Registerer) { reg.MustRegister(s.requests, s.duration) }

// routeKey holds the *route of a request in its context.
type routeKey struct{}

// route is the pattern that served a request, set by GatewayRoute for the
// grpc-gateway's routes. Read after the handler returns.
type route struct{ pattern atomic.Pointer[string] }

// HTTPMiddleware counts every request next serves by method, route pattern
// and status code, with its latency, and names the request's span after
// the route, whose pattern also replaces the path (url.path) in the span.
// The route is the grpc-gateway pattern when GatewayRoute saw one, else the
// http.ServeMux pattern without its method ("/healthz"), else OTHER: never
// the request's path, which may hold ids.
//
// Wrap the ServeMux itself (inside TraceHTTP), so that the pattern the mux
// sets on the request is visible here.
func (m *Metrics) HTTPMiddleware(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := new(route)
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rt))
		res := httpsnoop.CaptureMetrics(next, w, r)
		pattern := rt.name(r.Pattern)
		method := methodLabel(r.Method)
		span := trace.SpanFromContext(r.Context())
		span.SetName(method + " " + pattern)
		// The path may hold ids (or anything a caller typed): the span
		// keeps the route pattern in its place.
		span.SetAttributes(attribute.String("http.route", pattern), attribute.String("url.path", pattern))
		m.http.requests.WithLabelValues(method, pattern, codeLabel(res.Code)).Inc()
		observe(r.Context(), m.http.duration.WithLabelValues(method, pattern), res.Duration)
	})
}

func (rt *route) name(muxPattern string) string {
	if p := rt.pattern.Load(); p != nil {
		return *p
	}
	// A ServeMux pattern is "[METHOD ][HOST]/PATH".
	if i := strings.IndexByte(muxPattern, '/'); i >= 0 {
		return muxPattern[i:]
	}
	return Other
}

// GatewayRoute is a grpc-gateway middleware (runtime.WithMiddlewares) that
// tells HTTPMiddleware which gateway route matched: its path template, such
// as "/v1/events/{id}". Put it first, so that requests refused by later
// middlewares are counted under their route too.
func GatewayRoute(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		rt, ok := r.Context().Value(routeKey{}).(*route)
		if pat, found := runtime.HTTPPattern(r.Context()); ok && found {
			// Pattern.String spells a plain variable "{id=*}"; the HTTP rule
			// (and runtime.HTTPPathPattern, set only later, inside the
			// generated handler) spells it "{id}".
			s := strings.ReplaceAll(pat.String(), "=*}", "}")
			rt.pattern.Store(&s)
		}
		next(w, r, params)
	}
}

// TraceHTTP starts a server span for each request next serves (except
// health probes), continuing the caller's trace from its traceparent
// header. It uses the global tracer provider and propagator that
// SetupTracing installs: with tracing off, it costs next to nothing.
//
// A span records nothing a client writes freely into its headers: the
// server's name instead of the Host header, no User-Agent, and the peer
// address instead of X-Forwarded-For (the service reads none of them
// after this point).
func TraceHTTP(next http.Handler) http.Handler {
	traced := otelhttp.NewHandler(next, "http",
		otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" }),
		otelhttp.WithServerName(ServiceName),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("User-Agent")
		r.Header.Del("X-Forwarded-For")
		traced.ServeHTTP(w, r)
	})
}

// observe records d, with the request's trace id as exemplar when its span
// is sampled.
func observe(ctx context.Context, o prometheus.Observer, d time.Duration) {
	if ex := exemplar(ctx); ex != nil {
		if eo, ok := o.(prometheus.ExemplarObserver); ok {
			eo.ObserveWithExemplar(d.Seconds(), ex)
			return
		}
	}
	o.Observe(d.Seconds())
}
