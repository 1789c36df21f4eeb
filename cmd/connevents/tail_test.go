package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// lineWriter hands each printed line to a channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		w <- l
	}
	return len(p), nil
}

func deliver(t *testing.T, s *testserver.Server, typ string) {
	t.Helper()
	body, err := fasten.Sample(typ)
	if err != nil {
		t.Fatal(err)
	}
	if resp, answer := s.SendFasten(t, testserver.Secret, body); resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, answer)
	}
}

func waitLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l := <-lines:
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("tail printed nothing")
		return ""
	}
}

// tail replays from the start, follows live events, filters, and carries on
// from its cursor across a server restart without repeating an event.
func TestTailFollowsAcrossRestart(t *testing.T) {
	first := testserver.Start(t, nil)
	deliver(t, first, fasten.TypeConnectionSuccess)
	deliver(t, first, fasten.TypeWebhookTest) // filtered out below

	o, err := parseTail([]string{"--addr", first.GRPCAddr(), "--from-start", "--stage", "authorization", "--type", "EVENT_TYPE_CONNECTION_AUTHORIZED"})
	if err != nil {
		t.Fatal(err)
	}
	lines := make(lineWriter, 16)
	o.out = lines
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.run(ctx) }()
	defer func() { cancel(); <-done }()

	if l := waitLine(t, lines); !strings.Contains(l, "#1 ") || !strings.Contains(l, "CONNECTION_AUTHORIZED") {
		t.Fatalf("first line %q", l)
	}
	cfg := first.Config
	cfg.GRPCAddr, cfg.HTTPAddr = first.GRPCAddr(), first.HTTPAddr()
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	second := testserver.Start(t, func(c *server.Config) { *c = cfg })
	deliver(t, second, fasten.TypeConnectionSuccess)
	if l := waitLine(t, lines); !strings.Contains(l, "#3 ") {
		t.Fatalf("after the restart tail printed %q, want event #3 only", l)
	}
}

func TestTailRejectsUnknownEnum(t *testing.T) {
	_, err := parseTail([]string{"--type", "NOT_A_TYPE"})
	if err == nil || !strings.Contains(err.Error(), "NOT_A_TYPE") {
		t.Fatalf("got %v", err)
	}
}

// tailInBackground runs tail with args until the test ends, its output and
// its diagnostics each on a channel of lines.
func tailInBackground(t *testing.T, args ...string) (out, diag lineWriter) {
	t.Helper()
	o, err := parseTail(args)
	if err != nil {
		t.Fatal(err)
	}
	out, diag = make(lineWriter, 64), make(lineWriter, 64)
	o.out, o.errOut = out, diag
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = o.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return out, diag
}

// TestTailSaysWhenItCannotReachTheServer: every failed attempt is one line
// on stderr naming the address and the wait before the next, which grows.
func TestTailSaysWhenItCannotReachTheServer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	_, diag := tailInBackground(t, "--addr", addr)
	for i, wait := range []string{"100ms (attempt 1)", "200ms (attempt 2)", "400ms (attempt 3)"} {
		if l := waitLine(t, diag); !strings.Contains(l, "cannot reach the server at "+addr) || !strings.HasSuffix(l, "retrying in "+wait) {
			t.Fatalf("line %d: %q", i+1, l)
		}
	}
}

// TestTailCAFile: with --ca-file tail verifies the server against that CA
// and follows it; with --tls alone the same server is not trusted, which
// tail reports while it retries.
func TestTailCAFile(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	s := testserver.Start(t, func(c *server.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	pool, err := loadCAs(certFile)
	if err != nil {
		t.Fatal(err)
	}
	body, err := fasten.Sample(fasten.TypeConnectionSuccess)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.BaseURL+"/v1/webhooks/fasten", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	h, err := fasten.SignedHeaders(testserver.Secret, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(fasten.HeaderID, h.ID)
	req.Header.Set(fasten.HeaderTimestamp, h.Timestamp)
	req.Header.Set(fasten.HeaderSignature, h.Signature)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery over TLS: %s", resp.Status)
	}

	out, _ := tailInBackground(t, "--addr", s.GRPCAddr(), "--ca-file", certFile, "--from-start")
	if l := waitLine(t, out); !strings.Contains(l, "#1 ") {
		t.Fatalf("tail --ca-file printed %q, want event #1", l)
	}
	_, diag := tailInBackground(t, "--addr", s.GRPCAddr(), "--tls")
	if l := waitLine(t, diag); !strings.Contains(l, "certificate") {
		t.Errorf("tail --tls against an unknown CA said %q, want a certificate error", l)
	}
	if _, err := parseTailAndDial(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("a missing --ca-file was accepted")
	}
	if _, err := parseTailAndDial(keyFile); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a --ca-file without certificates: %v", err)
	}
}

func parseTailAndDial(caFile string) (*grpc.ClientConn, error) {
	o, err := parseTail([]string{"--ca-file", caFile})
	if err != nil {
		return nil, err
	}
	return o.dial()
}

// selfSignedCert writes a certificate for 127.0.0.1, its own CA, and its
// key, and returns the two file names.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "connevents test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}
