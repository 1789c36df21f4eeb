package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// TestOneUpPushMemory: a push of more than oneup.MaxPushItems items is
// refused 413 TOO_MANY_ITEMS, and no push — refused, of many tiny items
// or of the largest real AuditEvents — takes more memory than about ten
// times its body. The server runs in this process; the peak heap is
// sampled from runtime.MemStats while each push is served (with a low GC
// target, so that the heap stays close to what is live). Not parallel: no
// other test's server allocates meanwhile.
func TestOneUpPushMemory(t *testing.T) {
	s := testserver.Start(t, nil)
	ae := oneuptest.AuditEvent(oneupEvents("m", 1, time.Now(), 0)[0])
	pad := strings.Repeat("x", 1024-len(ae)%1024)
	var real bytes.Buffer // the largest accepted push: 10,000 AuditEvents of about 1 KiB
	for i := range oneup.MaxPushItems {
		line := bytes.Replace(ae, []byte(`"id":"m-0"`), fmt.Appendf(nil, `"id":"mem-%d","note":"%s"`, i, pad), 1)
		real.Write(append(line, '\n'))
	}
	cases := []struct {
		name   string
		body   []byte
		status int
	}{
		{"200,000 one-byte lines", bytes.Repeat([]byte("x\n"), 200_000), http.StatusRequestEntityTooLarge},
		{"10,000 tiny items", bytes.Repeat([]byte("{}\n"), oneup.MaxPushItems), http.StatusOK},
		{"10,000 AuditEvents", real.Bytes(), http.StatusOK},
	}
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	for _, c := range cases {
		peak := peakHeapDuring(func() {
			resp, answer := pushHead(t, s, c.body)
			if resp.StatusCode != c.status {
				t.Errorf("%s: %s %.200s, want %d", c.name, resp.Status, answer, c.status)
			}
			if c.status == http.StatusRequestEntityTooLarge && !bytes.Contains(answer, []byte(reason.TooManyItems)) {
				t.Errorf("%s: %.200s, want %s", c.name, answer, reason.TooManyItems)
			}
		})
		// Besides ten times the body: what any push may need whatever its
		// body, the per-item bookkeeping of at most MaxPushItems items
		// (about 500 bytes each with the GC's slack). Before the item
		// limit, the 200,000 lines took over 100 MiB.
		limit := 10*len(c.body) + 8<<20
		t.Logf("%s: body %d KiB, peak heap growth %d KiB (limit %d KiB)", c.name, len(c.body)>>10, peak>>10, limit>>10)
		if peak > uint64(limit) {
			t.Errorf("%s: the heap grew by %d KiB, over %d KiB", c.name, peak>>10, limit>>10)
		}
	}
}

// peakHeapDuring runs f and returns the most the heap grew above its level
// before f, sampled every millisecond.
func peakHeapDuring(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	if peak < base {
		return 0
	}
	return peak - base
}

// pushHead pushes body as NDJSON and returns the answer's first KiB (the
// test reads the rest without keeping it: it runs in the server's heap).
func pushHead(t *testing.T, s *testserver.Server, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(s.BaseURL+"/v1/oneup/audit-events", "application/fhir+ndjson", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp, head
}
