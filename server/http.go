package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/telemetry"
)

// buildHTTP builds the HTTP server: the gateway (REST, webhooks, health)
// over the in-memory connection to the gRPC server.
func (s *Server) buildHTTP(ctx context.Context, tls bool) error {
	if err := s.dialInMemory(); err != nil {
		return err
	}
	d := gateway.Deps{Conn: s.gwConn, Service: s.service, Keys: s.keys, Ready: s.ready, Logger: s.logger}
	if s.access != nil {
		d.Access = api.UnaryAccess(s.access, api.AccessOptions{})
	}
	handler, err := gateway.New(ctx, d)
	if err != nil {
		return err
	}
	handler = withConsole(privateAnswers(handler))
	if s.keys.Open() && isLoopback(s.cfg.HTTPAddr) {
		handler = loopbackHostsOnly(handler)
	}
	if tls { // every HTTPS answer, the console's too
		handler = strictTransport(handler)
	}
	handler = gateway.BodyDeadline(handler)
	// Traced and counted outermost: the route pattern is the innermost
	// mux's (a gateway route, a vendor route, the console), and the span
	// is named after it.
	handler = telemetry.TraceHTTP(s.metrics.HTTPMiddleware(handler))
	// No WriteTimeout: subscriptions stream for as long as the client stays.
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return nil
}

// loopbackHostsOnly refuses requests whose Host is not a loopback name
// (localhost, 127.0.0.1, [::1]), HOST_NOT_ALLOWED: a server without keys on
// loopback trusts whoever can reach it, and a web page that rebinds its own
// name to 127.0.0.1 could otherwise read the API from the user's browser.
//
// A browser's request from another site's page carries that site's Origin:
// it is refused too, so that no page can post events or searches to it.
func loopbackHostsOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopbackHost(r.Host) || !isLoopbackOrigin(r.Header.Get("Origin")) {
			gateway.WriteError(w, errHostNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var errHostNotAllowed = reason.New(reason.HostNotAllowed, "this server has no API keys and answers only requests addressed to localhost, 127.0.0.1 or [::1], from pages of those hosts")

// isLoopbackHost reports whether a Host header (with or without a numeric
// port) names the loopback interface.
func isLoopbackHost(host string) bool {
	if h, port, err := net.SplitHostPort(host); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return false
		}
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return isLoopback(net.JoinHostPort(host, "0"))
}

// isLoopbackOrigin reports whether an Origin header is absent (not a
// browser's cross-site request) or names a loopback host.
func isLoopbackOrigin(origin string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && isLoopbackHost(u.Host)
}

// privateAnswers marks every API answer (they carry personal data) as
// not to be stored by browsers or shared caches, nor sniffed as another
// content type.
func privateAnswers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// strictTransport tells browsers to reach this host over HTTPS only, for a
// year (not its subdomains: they may be someone else's).
func strictTransport(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

// ready reports whether the service can take requests, as last checked by
// the health loop: /healthz answers from it.
func (s *Server) ready(context.Context) error {
	if s.draining.Load() {
		return errDraining
	}
	if !s.storeOK.Load() {
		return errStoreDown
	}
	return nil
}

var (
	errDraining  = reason.New(reason.ShuttingDown, "the server is shutting down")
	errStoreDown = reason.New(reason.StorageUnavailable, "the store does not answer or does not take writes")
)

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
