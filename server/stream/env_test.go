package stream_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/grpccodec"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/server/stream"
)

// env is the hub's test harness: a store, an ingester, a hub with the
// Options a test tunes (ring size, read batch, buffer, slow timeout), and
// a gRPC server reached over an in-memory connection. It is not the
// server's wiring: the server as `connevents serve` builds it, replicas
// included, is tested in test/e2e.
type env struct {
	store  store.Store
	hub    *stream.Hub
	ingest *ingest.Ingester
	client conneventsv1.ConnectionEventServiceClient
	next   int // next source event number
	close  func()
	dial   func(t testing.TB, opts ...grpc.DialOption) conneventsv1.ConnectionEventServiceClient
}

// streamTimeout bounds every subscription a test opens, so that a stream
// that never delivers what a test waits for fails the test instead of
// hanging it.
const streamTimeout = time.Minute

// newEnv serves a fresh SQLite store.
func newEnv(t testing.TB, opts stream.Options) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, st, opts)
}

// serve runs a hub (and its Watch), an ingester and a gRPC server over st,
// as one server process would. close, also run at cleanup, stops them all
// and closes st.
func serve(t testing.TB, st store.Store, opts stream.Options) *env {
	t.Helper()
	hub, err := stream.NewHub(context.Background(), st, opts)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { defer close(watched); hub.Watch(watchCtx) }()
	in := ingest.New(st, ingest.WithNotifier(hub))
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(grpccodec.ServerOption())
	// The service answers as the server's does: server/api turns the hub's
	// errors into statuses.
	conneventsv1.RegisterConnectionEventServiceServer(srv, api.New(api.Deps{Store: st, Ingester: in, Streams: hub}))
	go func() { _ = srv.Serve(lis) }()

	var mu sync.Mutex
	var conns []*grpc.ClientConn
	closed := false
	e := &env{store: st, hub: hub, ingest: in}
	// dial opens another client connection to the server, with its own
	// options (flow-control windows, say).
	e.dial = func(t testing.TB, opts ...grpc.DialOption) conneventsv1.ConnectionEventServiceClient {
		t.Helper()
		opts = append([]grpc.DialOption{
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		}, opts...)
		conn, err := grpc.NewClient("passthrough:///test", opts...)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if closed {
			conn.Close()
			t.Fatal("dial after close")
		}
		conns = append(conns, conn)
		return conneventsv1.NewConnectionEventServiceClient(conn)
	}
	e.client = e.dial(t)
	e.close = func() {
		mu.Lock()
		if closed {
			mu.Unlock()
			return
		}
		closed = true
		mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		srv.Stop()
		in.Close()
		stopWatch()
		<-watched
		st.Close()
	}
	t.Cleanup(e.close)
	return e
}

// event returns a distinct event; i varies its type, source and patient.
func event(i int) *conneventsv1.ConnectionEvent {
	types := []conneventsv1.EventType{
		conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED,
		conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED,
		conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED,
	}
	sources := []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN, conneventsv1.Source_SOURCE_ONEUP}
	return &conneventsv1.ConnectionEvent{
		Source:          sources[i%2],
		SourceEventId:   fmt.Sprintf("evt-%d", i),
		SourceEventType: "test",
		Type:            types[i%3],
		Stage:           conneventsv1.Stage_STAGE_OTHER,
		Patient:         &conneventsv1.Patient{ExternalId: fmt.Sprintf("patient-%d", i%5)},
		Raw:             []byte(fmt.Sprintf(`{"n":%d}`, i)),
	}
}

// ingestN commits n new events, in batches of batch.
func (e *env) ingestN(t *testing.T, n, batch int) {
	t.Helper()
	for n > 0 {
		k := min(n, batch)
		evs := make([]*conneventsv1.ConnectionEvent, k)
		for i := range evs {
			evs[i] = event(e.next)
			e.next++
		}
		if _, err := e.ingest.Ingest(context.Background(), evs); err != nil {
			t.Error(err)
			return
		}
		n -= k
	}
}

// logSequences returns every stored sequence matching f, ascending.
func (e *env) logSequences(t *testing.T, f *conneventsv1.EventFilter) []int64 {
	t.Helper()
	var out []int64
	var after int64
	for {
		evs, err := e.store.List(context.Background(), store.Query{Filter: f, Order: store.Ascending, After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			out = append(out, ev.GetSequence())
		}
		if len(evs) < 1000 {
			return out
		}
		after = evs[len(evs)-1].GetSequence()
	}
}

// receiver reads a stream and records what it delivered.
type receiver struct {
	stream conneventsv1.ConnectionEventService_SubscribeEventsClient
	cancel context.CancelFunc
	cursor string
}

// subscribe opens a subscription on the env's shared client connection.
func (e *env) subscribe(t *testing.T, req *conneventsv1.SubscribeEventsRequest) *receiver {
	t.Helper()
	return subscribeOn(t, e.client, req)
}

// subscribeOn opens a subscription through client; it ends after
// streamTimeout, or when the test does.
func subscribeOn(t *testing.T, client conneventsv1.ConnectionEventServiceClient, req *conneventsv1.SubscribeEventsRequest) *receiver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	s, err := client.SubscribeEvents(ctx, req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return &receiver{stream: s, cancel: cancel}
}

// next returns the next item, remembering its cursor.
func (r *receiver) next() (*conneventsv1.SubscribeEventsResponse, error) {
	item, err := r.stream.Recv()
	if err == nil {
		r.cursor = item.GetCursor()
	}
	return item, err
}

// events reads until it has n events, skipping checkpoints.
func (r *receiver) events(t *testing.T, n int) []*conneventsv1.ConnectionEvent {
	t.Helper()
	out, err := r.collect(n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// collect reads until it has n events, skipping checkpoints. Unlike
// events, it may run outside the test goroutine.
func (r *receiver) collect(n int) ([]*conneventsv1.ConnectionEvent, error) {
	var out []*conneventsv1.ConnectionEvent
	for len(out) < n {
		item, err := r.next()
		if err != nil {
			return out, fmt.Errorf("after %d events: %w", len(out), err)
		}
		if ev := item.GetEvent(); ev != nil {
			out = append(out, ev)
		}
	}
	return out, nil
}

func sequences(evs []*conneventsv1.ConnectionEvent) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.GetSequence()
	}
	return out
}

func fromStart() *conneventsv1.SubscribeEventsRequest {
	return &conneventsv1.SubscribeEventsRequest{Start: &conneventsv1.SubscribeEventsRequest_StartPosition{
		StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST,
	}}
}

func afterCursor(c string) *conneventsv1.SubscribeEventsRequest {
	return &conneventsv1.SubscribeEventsRequest{Start: &conneventsv1.SubscribeEventsRequest_StartCursor{StartCursor: c}}
}
