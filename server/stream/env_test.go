package stream_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/server/stream"
)

// env is a real subscription path: SQLite store, ingester, hub, and a gRPC
// server reached over an in-memory connection.
type env struct {
	store  store.Store
	hub    *stream.Hub
	ingest *ingest.Ingester
	client conneventsv1.ConnectionEventServiceClient
	next   int // next source event number
	close  func()
}

type subscribeOnly struct {
	conneventsv1.UnimplementedConnectionEventServiceServer
	hub *stream.Hub
}

func (s subscribeOnly) SubscribeEvents(req *conneventsv1.SubscribeEventsRequest, ss conneventsv1.ConnectionEventService_SubscribeEventsServer) error {
	return s.hub.Subscribe(req, ss)
}

func newEnv(t testing.TB, opts stream.Options) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	hub, err := stream.NewHub(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(st, ingest.WithNotifier(hub))
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(stream.ServerOption())
	conneventsv1.RegisterConnectionEventServiceServer(srv, subscribeOnly{hub: hub})
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///test",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: st, hub: hub, ingest: in, client: conneventsv1.NewConnectionEventServiceClient(conn)}
	closed := false
	e.close = func() {
		if closed {
			return
		}
		closed = true
		conn.Close()
		srv.Stop()
		in.Close()
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

func (e *env) subscribe(t *testing.T, req *conneventsv1.SubscribeEventsRequest) *receiver {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := e.client.SubscribeEvents(ctx, req)
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
	var out []*conneventsv1.ConnectionEvent
	for len(out) < n {
		item, err := r.next()
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		if ev := item.GetEvent(); ev != nil {
			out = append(out, ev)
		}
	}
	return out
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
