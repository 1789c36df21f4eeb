// Package testserver starts a real connevents server for end-to-end tests:
// ephemeral loopback ports, a temporary SQLite database, and a log capture
// that tests search for personal data.
package testserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
)

// Secret is the Fasten signing secret the test server trusts.
const Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Server is a running connevents.
type Server struct {
	*server.Server
	Config server.Config
	Logs   *Logs
	Client conneventsv1.ConnectionEventServiceClient
	Conn   *grpc.ClientConn
	// BaseURL is the HTTP listener, such as http://127.0.0.1:43127.
	BaseURL string

	stop func() error
}

// Start runs a server with a default test configuration changed by mutate,
// built as `connevents serve` builds it (server.New, with opts), and stops
// it when the test ends.
func Start(t testing.TB, mutate func(*server.Config), opts ...server.Option) *Server {
	t.Helper()
	cfg := Config(t)
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &Logs{}
	logger, err := server.NewLogger(logs, "debug")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(context.Background(), cfg, logger, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	scheme := "http://"
	if cfg.TLSCert != "" {
		scheme = "https://" // health is polled without verifying the test certificate
	}
	s := &Server{Server: srv, Config: cfg, Logs: logs, BaseURL: scheme + srv.HTTPAddr()}
	s.stop = sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	s.Conn, err = grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Conn.Close() })
	s.Client = conneventsv1.NewConnectionEventServiceClient(s.Conn)
	waitHealthy(t, s.BaseURL)
	return s
}

// Config is the default test configuration: loopback, ephemeral ports, a
// fresh database, the test Fasten secret.
func Config(t testing.TB) server.Config {
	cfg := server.DefaultConfig()
	cfg.GRPCAddr = "127.0.0.1:0"
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.MetricsAddr = "127.0.0.1:0"
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "events.db")
	cfg.ShutdownTimeout = 2 * time.Second
	cfg.FastenWebhookSecrets = []string{Secret}
	return cfg
}

// Stop shuts the server down and returns what Serve returned.
func (s *Server) Stop() error { return s.stop() }

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatal("the server did not become healthy")
}

// SendFasten signs body with secret and posts it to the webhook route.
func (s *Server) SendFasten(t testing.TB, secret string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.BaseURL+"/v1/webhooks/fasten", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	h, err := fasten.SignedHeaders(secret, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(fasten.HeaderID, h.ID)
	req.Header.Set(fasten.HeaderTimestamp, h.Timestamp)
	req.Header.Set(fasten.HeaderSignature, h.Signature)
	return Do(t, req)
}

// Do sends a request and reads the whole answer.
func Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// Logs captures everything the server logged.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns what was logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Contains reports whether any log line contains s.
func (l *Logs) Contains(s string) bool { return strings.Contains(l.String(), s) }
