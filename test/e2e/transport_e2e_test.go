package e2e

import (
	"context"
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/test/testserver"
)

// TestHSTSUnderTLS: every HTTPS answer tells browsers to keep to HTTPS;
// plain HTTP (no TLS configured) sends no such header.
func TestHSTSUnderTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	s := testserver.Start(t, func(c *server.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, path := range []string{"/healthz", "/v1/events", "/v1/events/nope", "/", "/console/", "/console/app.js"} {
		resp, err := client.Get("https://" + s.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("%s: Strict-Transport-Security %q", path, got)
		}
	}
	plain := testserver.Start(t, nil)
	resp, err := http.Get(plain.BaseURL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP sends Strict-Transport-Security %q", got)
	}
}

// TestIdleGRPCConnectionClosed: the public gRPC server closes a connection
// that has carried no call for its maximum idle time.
func TestIdleGRPCConnectionClosed(t *testing.T) {
	s := testserver.Start(t, nil, server.WithGRPCMaxConnectionIdle(300*time.Millisecond))
	conn, err := grpc.NewClient(s.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for conn.GetState() == connectivity.Ready {
		if !conn.WaitForStateChange(ctx, connectivity.Ready) {
			t.Fatal("the idle connection is still open after 10 s")
		}
	}
}

// TestOpenServerAnswersOnlyLoopbackHosts: a server without keys on
// loopback refuses a request addressed to another name (a DNS-rebinding
// page's), and answers those addressed to loopback names.
func TestOpenServerAnswersOnlyLoopbackHosts(t *testing.T) {
	s := testserver.Start(t, nil)
	for _, tc := range []struct {
		host, origin string
		want         int
	}{
		{"attacker.example.com", "", http.StatusForbidden},
		{"attacker.example.com:8080", "", http.StatusForbidden},
		{"localhost:8080.attacker.example.com", "", http.StatusForbidden},
		{s.HTTPAddr(), "http://attacker.example.com", http.StatusForbidden}, // another site's page
		{s.HTTPAddr(), "null", http.StatusForbidden},
		{"localhost", "", http.StatusOK},
		{"LocalHost:8080", "", http.StatusOK}, // host names ignore case
		{"127.0.0.1:8080", "", http.StatusOK},
		{"[::1]:8080", "", http.StatusOK},
		{s.HTTPAddr(), "http://" + s.HTTPAddr(), http.StatusOK}, // the console's own page
		{s.HTTPAddr(), "http://localhost:3000", http.StatusOK},
		{s.HTTPAddr(), "http://LOCALHOST:3000", http.StatusOK},
		{s.HTTPAddr(), "http://localho\u017ft:3000", http.StatusForbidden}, // ASCII case only: not the long s
	} {
		req, err := http.NewRequest(http.MethodGet, s.BaseURL+"/v1/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tc.host
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Host %s, Origin %q: %s, want %d", tc.host, tc.origin, resp.Status, tc.want)
		}
	}
	// With keys, the key protects the API whatever the Host.
	keyed := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"0123456789abcdef"} })
	req, _ := http.NewRequest(http.MethodGet, keyed.BaseURL+"/v1/events", nil)
	req.Host = "attacker.example.com"
	req.Header.Set("Authorization", "Bearer 0123456789abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with keys, another Host: %s, want 200", resp.Status)
	}
}
