package server

import (
	"net/http"
	"path"
	"strings"

	"github.com/connevents/connevents/server/console"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/reason"
)

// withConsole serves the web console beside the API: its assets at
// /console/ and a redirect there from /.
func withConsole(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle(console.Path, console.Handler())
	mux.Handle("GET /{$}", console.Redirect())
	return canonicalPaths(mux)
}

// canonicalPaths answers a path that is not in its clean form ("//",
// "/./", "/../") NOT_FOUND, where http.ServeMux would redirect to the
// clean path with the query string copied into Location: a URL the
// service made, holding whatever the query named (a patient filter). A
// redirect the mux still makes (/console to /console/) loses the query.
func canonicalPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != cleanPath(p) {
			gateway.WriteError(w, reason.New(reason.NotFound, "the path is not in its clean form"))
			return
		}
		next.ServeHTTP(&queryFreeRedirects{ResponseWriter: w}, r)
	})
}

// cleanPath is p as http.ServeMux cleans it: path.Clean, keeping a
// trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// queryFreeRedirects drops the query string from the Location of a
// redirect, and the redirect's body (http.Redirect links the target,
// query and all, in it).
type queryFreeRedirects struct {
	http.ResponseWriter
	redirected bool
}

func (w *queryFreeRedirects) WriteHeader(code int) {
	if code >= 300 && code < 400 {
		w.redirected = true
		if loc, _, cut := strings.Cut(w.Header().Get("Location"), "?"); cut {
			w.Header().Set("Location", loc)
		}
		w.Header().Del("Content-Type")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *queryFreeRedirects) Write(b []byte) (int, error) {
	if w.redirected {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes flushes of streamed answers on (grpc-gateway asserts
// http.Flusher).
func (w *queryFreeRedirects) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *queryFreeRedirects) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// consoleURL is where a browser opens the web console.
func (s *Server) consoleURL() string {
	scheme := "http://"
	if s.cfg.TLSCert != "" {
		scheme = "https://"
	}
	return scheme + s.HTTPAddr() + console.Path
}
