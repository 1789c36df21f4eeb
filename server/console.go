package server

import (
	"net/http"

	"github.com/connevents/connevents/server/console"
)

// withConsole serves the web console beside the API: its assets at
// /console/ and a redirect there from /.
func withConsole(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle(console.Path, console.Handler())
	mux.Handle("GET /{$}", console.Redirect())
	return mux
}

// consoleURL is where a browser opens the web console.
func (s *Server) consoleURL() string {
	scheme := "http://"
	if s.cfg.TLSCert != "" {
		scheme = "https://"
	}
	return scheme + s.HTTPAddr() + console.Path
}
