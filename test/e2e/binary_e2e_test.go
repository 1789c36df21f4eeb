package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/test/testserver"
)

// buildConnevents builds cmd/connevents without cgo, as `make build` does.
func buildConnevents(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	bin := filepath.Join(t.TempDir(), "connevents")
	build := exec.Command("go", "build", "-o", bin, "github.com/connevents/connevents/cmd/connevents")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc is a running `connevents serve`.
type serveProc struct {
	cmd                *exec.Cmd
	grpcAddr, httpAddr string
	db                 string
	exited             chan struct{}

	mu   sync.Mutex
	logs []string // every stderr line
}

// startServe runs `connevents serve` on a fresh SQLite database with env
// added to the environment and args after the defaults, and waits for its
// "serving" line.
func startServe(t *testing.T, bin string, env []string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{db: filepath.Join(t.TempDir(), "events.db"), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve",
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--database", "sqlite:" + p.db, "--fasten-webhook-secrets", testserver.Secret, "--oneup-poll-interval", "0"}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.exited })
	serving := make(chan [2]string, 1)
	go p.readLogs(stderr, serving)
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	select {
	case a := <-serving:
		p.grpcAddr, p.httpAddr = a[0], a[1]
	case <-p.exited:
		t.Fatalf("serve exited before serving:\n%s", strings.Join(p.lines(), "\n"))
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return p
}

func (p *serveProc) readLogs(r io.Reader, serving chan<- [2]string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		p.logs = append(p.logs, sc.Text())
		p.mu.Unlock()
		var l struct{ Msg, GRPC, HTTP string }
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "serving" {
			serving <- [2]string{l.GRPC, l.HTTP}
		}
	}
}

func (p *serveProc) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.logs...)
}

func (p *serveProc) client(t *testing.T) conneventsv1.ConnectionEventServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conneventsv1.NewConnectionEventServiceClient(conn)
}

// TestOTLPEndToEnd: `connevents serve` with OTEL_EXPORTER_OTLP_ENDPOINT
// sends a webhook's spans to the OTLP/HTTP endpoint the test runs, under
// service.name connevents, without personal data; every log line is JSON,
// and the delivery's carries its trace id.
func TestOTLPEndToEnd(t *testing.T) {
	bin := buildConnevents(t)
	var mu sync.Mutex
	names, traceIDs := map[string]bool{}, map[string]bool{}
	var exported []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := new(collectortrace.ExportTraceServiceRequest)
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		exported = append(exported, req.String())
		for _, rs := range req.GetResourceSpans() {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" && a.GetValue().GetStringValue() != "connevents" {
					t.Errorf("service.name %q", a.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					names[sp.GetName()] = true
					if sp.GetName() == "POST /v1/webhooks/fasten" {
						traceIDs[string(sp.GetTraceId())] = true
					}
				}
			}
		}
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	defer collector.Close()

	p := startServe(t, bin, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL, "OTEL_BSP_SCHEDULE_DELAY=50"})
	d := signed(t, sample(t, fasten.TypeConnectionSuccess, fasten.WithData("external_id", canaryPatient), fasten.WithData("email", canaryEmail)))
	if code, body, err := post("http://"+p.httpAddr, d); err != nil || code != http.StatusOK {
		t.Fatalf("delivery: %d %s %v", code, body, err)
	}
	want := []string{"POST /v1/webhooks/fasten", "fasten.verify", "normalize", "ingest.queue", "ingest.commit"}
	missing := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, n := range want {
			if !names[n] {
				out = append(out, n)
			}
		}
		return out
	}
	for deadline := time.Now().Add(20 * time.Second); len(missing()) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			mu.Lock()
			got := names
			mu.Unlock()
			t.Fatalf("spans %v never reached the OTLP endpoint (got %v)\n%s", missing(), got, strings.Join(p.lines(), "\n"))
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(strings.ToLower(strings.Join(exported, "\n")), canary) {
		t.Error("personal data reached the OTLP endpoint")
	}
	traced := false
	for _, l := range p.lines() {
		var entry map[string]any
		if err := json.Unmarshal([]byte(l), &entry); err != nil {
			t.Errorf("a log line is not JSON: %q", l)
			continue
		}
		if entry["msg"] == "fasten delivery accepted" && entry["trace_id"] != nil {
			traced = true
		}
	}
	if !traced {
		t.Error("the delivery's log line carries no trace_id")
	}
}

// TestPromptShutdown: SIGTERM with subscribers open (gRPC and SSE) ends
// each subscription at once with UNAVAILABLE / SHUTTING_DOWN after what it
// received, every delivery acknowledged meanwhile is stored, and the
// process exits long before --shutdown-timeout (30s here).
func TestPromptShutdown(t *testing.T) {
	bin := buildConnevents(t)
	p := startServe(t, bin, nil, "--shutdown-timeout", "30s")
	base := "http://" + p.httpAddr
	for _, typ := range []string{fasten.TypeConnectionSuccess, fasten.TypeEHIExportSuccess} {
		if code, body, err := post(base, signed(t, sample(t, typ))); err != nil || code != http.StatusOK {
			t.Fatalf("delivery: %d %s %v", code, body, err)
		}
	}
	ctx := context.Background()
	sub, err := p.client(t).SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{
		Start: &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST}})
	if err != nil {
		t.Fatal(err)
	}
	for events := 0; events < 2; {
		item, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if item.GetEvent() != nil {
			events++
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/events:subscribe?startPosition=START_POSITION_EARLIEST", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sse := bufio.NewScanner(resp.Body)
	for sse.Scan() && sse.Text() != "event: event" {
	}

	// Deliveries keep coming while the server stops: each one answered 200
	// must be stored.
	var acked []string
	stopSending := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := 0; ; i++ {
			select {
			case <-stopSending:
				return
			default:
			}
			body := sample(t, fasten.TypeRequestSupport, fasten.WithID(fmt.Sprintf("shutdown-%d", i)))
			code, answer, err := post(base, signed(t, body))
			if err != nil || code != http.StatusOK {
				continue // refused (shutting down) or connection closed: not acknowledged
			}
			acked = append(acked, resultOf(t, answer).EventID)
		}
	}()
	time.Sleep(50 * time.Millisecond)

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, err = drain(sub)
	if status.Code(err) != codes.Unavailable || api.ReasonOf(err) != reason.ShuttingDown {
		t.Errorf("the gRPC subscription ended with %v, want UNAVAILABLE SHUTTING_DOWN", err)
	}
	sseEnd := ""
	for sse.Scan() {
		if strings.HasPrefix(sse.Text(), "data: ") {
			sseEnd = sse.Text()
		}
	}
	if !strings.Contains(sseEnd, string(reason.ShuttingDown)) {
		t.Errorf("the SSE subscription's last data %q, want a SHUTTING_DOWN error", sseEnd)
	}
	select {
	case <-p.exited:
	case <-time.After(25 * time.Second):
		t.Fatal("the server still runs 25s after SIGTERM: it waits for the shutdown timeout")
	}
	took := time.Since(start)
	close(stopSending)
	<-sent
	t.Logf("SIGTERM to exit with two subscribers open and deliveries arriving: %s", took)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	if took > 15*time.Second {
		t.Errorf("the server took %s to stop, not much less than its 30s shutdown timeout", took)
	}

	st, err := sqlite.Open(ctx, p.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range acked {
		if _, err := st.Get(ctx, id, false); err != nil {
			t.Errorf("acknowledged event %s: %v", id, err)
		}
	}
	t.Logf("%d deliveries acknowledged during the shutdown, all stored", len(acked))
}

// drain reads a subscription to its end and returns how many items it got.
func drain(sub conneventsv1.ConnectionEventService_SubscribeEventsClient) (int, error) {
	for n := 0; ; n++ {
		if _, err := sub.Recv(); err != nil {
			return n, err
		}
	}
}
