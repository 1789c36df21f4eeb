package durability

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/status"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/test/testserver"
)

// faultyStore is a real SQLite store whose commits can be made to fail
// (a full disk) or to take long (a slow disk).
type faultyStore struct {
	store.Store
	mu    sync.Mutex
	fail  bool
	delay time.Duration
}

func (f *faultyStore) set(fail bool, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.delay = fail, delay
}

func (f *faultyStore) Append(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	f.mu.Lock()
	fail, delay := f.fail, f.delay
	f.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("sqlite: append: commit: %w", syscall.ENOSPC)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.Store.Append(ctx, events)
}

// faultRig is the service's ingest path (ingest, api, gateway, gRPC) on a
// faulty store, served on loopback.
type faultRig struct {
	store   *faultyStore
	baseURL string
	client  conneventsv1.ConnectionEventServiceClient
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	fs := &faultyStore{Store: st}
	in := ingest.New(fs)
	verifier, err := fasten.NewVerifier([]string{testserver.Secret})
	if err != nil {
		t.Fatal(err)
	}
	svc := api.New(api.Deps{Store: fs, Ingester: in, Board: status.NewBoard(), Verifier: verifier})
	conn := serveGRPC(t, svc)
	h, err := gateway.New(t.Context(), gateway.Deps{Conn: conn, Service: svc, Keys: auth.NewKeys(nil),
		Ready: func(context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() { hs.Close(); in.Close(); st.Close() })
	return &faultRig{store: fs, baseURL: hs.URL, client: conneventsv1.NewConnectionEventServiceClient(conn)}
}

func serveGRPC(t *testing.T, svc *api.Service) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	conneventsv1.RegisterConnectionEventServiceServer(g, svc)
	go func() { _ = g.Serve(lis) }()
	conn, err := dialGRPC(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); g.Stop() })
	return conn
}

func (r *faultRig) webhook(ctx context.Context, key string) (ack, error) {
	return sendFasten(ctx, http.DefaultClient, r.baseURL, key)
}
