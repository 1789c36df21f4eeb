package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/connevents/connevents/server/console"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

// Every answer, asset or error, carries the security headers.
func TestSecurityHeaders(t *testing.T) {
	h := console.Handler()
	for _, path := range []string{"/console/", "/console/app.js", "/console/style.css", "/console/missing.js", "/console/vendor/"} {
		res := get(t, h, http.MethodGet, path)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy allows inline or eval: %q", path, csp)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, got)
		}
	}
}

func TestAssets(t *testing.T) {
	h := console.Handler()
	for path, wantType := range map[string]string{
		"/console/":           "text/html",
		"/console/app.js":     "text/javascript",
		"/console/live.js":    "text/javascript",
		"/console/sources.js": "text/javascript",
		"/console/style.css":  "text/css",
	} {
		res := get(t, h, http.MethodGet, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
			t.Errorf("GET %s: Content-Type %q, want %s", path, ct, wantType)
		}
	}
	if res := get(t, h, http.MethodGet, "/console/nothing-here.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing asset = %d, want 404", res.StatusCode)
	}
	if res := get(t, h, http.MethodGet, "/console/vendor/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a directory = %d, want 404 (no listings)", res.StatusCode)
	}
	for _, path := range []string{"/console/%ff", "/console/a%ffb.js", "/console/vendor/%fe", "/console/%00"} {
		if res := get(t, h, http.MethodGet, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s (no such name) = %d, want 404", path, res.StatusCode)
		}
	}
	if res := get(t, h, http.MethodPost, "/console/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", res.StatusCode)
	}
}

// The page itself has no inline script or style (the policy would block
// them) and loads nothing from another origin.
func TestIndexIsSelfContained(t *testing.T) {
	res := get(t, console.Handler(), http.MethodGet, "/console/")
	body, _ := io.ReadAll(res.Body)
	page := string(body)
	for _, bad := range []string{"<style", " style=", " onclick=", " onload=", "http://", "https://", "//cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
	scripts := regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) == 0 {
		t.Fatal("index.html loads no script")
	}
	for _, m := range scripts {
		if strings.TrimSpace(m[2]) != "" || !strings.Contains(m[1], "src=") {
			t.Errorf("inline script: %q", m[0])
		}
	}
}

func TestRedirect(t *testing.T) {
	res := get(t, console.Redirect(), http.MethodGet, "/")
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != console.Path {
		t.Errorf("GET / = %d to %q, want 302 to %s", res.StatusCode, res.Header.Get("Location"), console.Path)
	}
}
