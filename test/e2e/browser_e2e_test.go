package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connevents/connevents/test/testserver"
)

// The page subscribes with EventSource and posts the event ids it saw.
const eventSourcePage = `<!doctype html><script>
const ids = [];
const es = new EventSource('/v1/events:subscribe?startPosition=START_POSITION_EARLIEST');
es.addEventListener('event', e => {
  ids.push(JSON.parse(e.data).event.id);
  if (ids.length === %d) { es.close(); fetch('/result', {method: 'POST', body: JSON.stringify(ids)}); }
});
</script>`

// A browser's EventSource receives the log exactly once even when its
// connection drops mid-stream: it reconnects by itself with Last-Event-ID.
func TestBrowserEventSource(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	s := testserver.Start(t, nil)
	ids := seed(t, s, 5)
	results := make(chan []string, 1)
	var resumedWith atomic.Value
	site := httptest.NewServer(browserSite(t, s.BaseURL, len(ids), results, &resumedWith))
	defer site.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), site.URL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	select {
	case got := <-results:
		if !slices.Equal(got, ids) {
			t.Fatalf("the browser received %v, want %v", got, ids)
		}
		if last, _ := resumedWith.Load().(string); last == "" {
			t.Fatal("the browser did not reconnect with Last-Event-ID; the test proves nothing")
		}
	case <-ctx.Done():
		t.Fatal("the browser reported nothing")
	}
}

// browserSite serves the page, collects its result, and proxies the API,
// cutting the first subscription after two events.
func browserSite(t *testing.T, api string, n int, results chan<- []string, resumedWith *atomic.Value) http.Handler {
	target, err := url.Parse(api)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	var subscriptions atomic.Int32
	direct := proxy.Director
	proxy.Director = func(r *http.Request) {
		if subscriptions.Load() == 1 {
			resumedWith.Store(r.Header.Get("Last-Event-ID"))
		}
		direct(r)
	}
	proxy.ModifyResponse = func(r *http.Response) error {
		if subscriptions.Add(1) == 1 {
			r.Body = &cutAfter{ReadCloser: r.Body, frames: 3} // a checkpoint and two events
		}
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprintf(w, eventSourcePage, n)
	})
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		if err := json.NewDecoder(r.Body).Decode(&ids); err == nil {
			results <- ids
		}
	})
	return mux
}

// cutAfter ends a stream after some SSE frames, like a dropped connection.
type cutAfter struct {
	io.ReadCloser
	frames int
}

func (c *cutAfter) Read(p []byte) (int, error) {
	if c.frames <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n, err := c.ReadCloser.Read(p)
	for i := 0; i+1 < n; i++ {
		if p[i] == '\n' && p[i+1] == '\n' {
			if c.frames--; c.frames == 0 {
				return i + 2, nil
			}
		}
	}
	return n, err
}
