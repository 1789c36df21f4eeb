package console

import (
	"embed"
	"io/fs"
	"net/http"
	"unicode/utf8"
)

// Path is where the console is mounted.
const Path = "/console/"

//go:embed static
var static embed.FS

// csp allows only the console's own scripts, styles and API calls: no
// inline script or style, no other origin, no plugins, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'"

// Handler serves the console's assets under Path.
func Handler() http.Handler {
	root, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix(Path, http.FileServerFS(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		// Assets change with the binary; the browser revalidates each load.
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// No directory listings; and no asset's name holds invalid UTF-8,
		// which the embedded file system answers with an error that
		// net/http would turn into a 500.
		if r.URL.Path != Path && r.URL.Path[len(r.URL.Path)-1] == '/' || !utf8.ValidString(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// Redirect sends the site root to the console.
func Redirect() http.Handler {
	return http.RedirectHandler(Path, http.StatusFound)
}
