package e2e

import (
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
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// With --tls-cert/--tls-key both listeners serve TLS, and the REST gateway
// (which reaches the service in memory) still works, streams included.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	s := testserver.Start(t, func(c *server.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + s.HTTPAddr()
	resp, err := client.Get(base + "/v1/events")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("REST over TLS: %v %v", resp, err)
	}
	resp.Body.Close()
	stream, err := client.Get(base + "/v1/events:subscribe")
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("stream over TLS: %v %v", stream, err)
	}
	stream.Body.Close()
	if plain, err := http.Get("http://" + s.HTTPAddr() + "/v1/events"); err == nil {
		plain.Body.Close()
		if plain.StatusCode == http.StatusOK {
			t.Error("the HTTP listener served a plaintext request")
		}
	}
	conn, err := grpc.NewClient(s.GRPCAddr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conneventsv1.NewConnectionEventServiceClient(conn).ListEvents(context.Background(), &conneventsv1.ListEventsRequest{}); err != nil {
		t.Fatalf("gRPC over TLS: %v", err)
	}
}

func TestSubscribeNeedsKey(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{apiKey} })
	stream, err := s.Client.SubscribeEvents(context.Background(), &conneventsv1.SubscribeEventsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("subscribe without a key: %v, want UNAUTHENTICATED", err)
	}
	ok, err := s.Client.SubscribeEvents(withKey(context.Background(), apiKey), &conneventsv1.SubscribeEventsRequest{})
	if err == nil {
		_, err = ok.Recv()
	}
	if err != nil {
		t.Fatalf("subscribe with the key: %v", err)
	}
}

// Shutdown is prompt: health turns NOT_SERVING first, an open
// subscription ends at once with UNAVAILABLE / SHUTTING_DOWN (it does not
// hold the server until --shutdown-timeout), and Serve returns cleanly.
// (The binary's whole shutdown is measured by TestPromptShutdown.)
func TestShutdownWithOpenStream(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.ShutdownTimeout = 500 * time.Millisecond })
	stream, err := s.Client.SubscribeEvents(context.Background(), &conneventsv1.SubscribeEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	watch, err := healthpb.NewHealthClient(s.Conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := watch.Recv(); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health before shutdown: %v %v", st, err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop() }()
	if st, err := watch.Recv(); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health on shutdown: %v %v, want NOT_SERVING", st, err)
	}
	if _, err := drain(stream); status.Code(err) != codes.Unavailable || api.ReasonOf(err) != reason.ShuttingDown {
		t.Errorf("the subscription ended with %v, want UNAVAILABLE SHUTTING_DOWN", err)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("shutdown hung on an open stream")
	}
	if _, err := stream.Recv(); err == nil {
		t.Fatal("the stream is still open after shutdown")
	}
	if !s.Logs.Contains(`"msg":"stopped"`) {
		t.Fatal("no stopped log line")
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "connevents test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
