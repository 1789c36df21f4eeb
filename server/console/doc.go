// Package console serves the web console: a build-free single-page
// application (ES modules, one stylesheet, vendored libraries) embedded in
// the binary and mounted on the HTTP listener at /console/.
//
// The console is only assets: it calls the public REST API from the
// browser with the user's API key, so it needs no server-side session and
// sees no more than any other API client. Every response carries a strict
// Content-Security-Policy (no inline script, same-origin connections, no
// framing) and X-Content-Type-Options: nosniff.
package console
