package e2e

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/server/stream"
	"github.com/connevents/connevents/test/testserver"
)

// streamTimeout bounds the replica test's subscriptions, so that a stream
// that never delivers what the test waits for fails the test instead of
// hanging it.
const streamTimeout = time.Minute

// Several replicas on one PostgreSQL database: each subscriber, whichever
// replica serves it, receives exactly the log — the events committed by its
// own replica (from the ring or the store) and by the other one (found by
// the hub's watch and read from the store) — with no gap, no duplicate, in
// sequence order.
func TestReplicasOnPostgres(t *testing.T) {
	dsn := pgtest.Schema(t)
	ctx, cancel := context.WithTimeout(t.Context(), streamTimeout)
	defer cancel()
	// Two real servers on one database. Interleaved commits make each
	// replica's ring restart, so subscribers switch between the ring and
	// the store often.
	onDB := func(cfg *server.Config) { cfg.Database = dsn }
	a := testserver.Start(t, onDB)
	b := testserver.Start(t, onDB)
	replicas := []*testserver.Server{a, b}
	db := openPostgres(t, dsn) // reads the log, as a third process
	t.Cleanup(func() { db.Close() })
	var next atomic.Int64 // event numbers are shared: replicas must not dedupe each other's events

	ingestConcurrently(ctx, t, replicas, &next, 150, nil) // history
	full := fromStart()
	full.View = conneventsv1.EventView_EVENT_VIEW_FULL
	followers := []*follower{
		follow(t, a, db, "A from earliest", fromStart()),
		follow(t, b, db, "B from earliest", fromStart()),
		follow(t, a, db, "A full view from earliest", full),
		follow(t, b, db, "B full view from earliest", full),
	}

	half := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ingestConcurrently(ctx, t, replicas, &next, 1500, half)
	}()
	<-half // closed by the time done is, whatever happens
	followers = append(followers,
		follow(t, a, db, "A from latest, opened mid-way", &conneventsv1.SubscribeEventsRequest{}),
		follow(t, b, db, "B from latest, opened mid-way", &conneventsv1.SubscribeEventsRequest{}))
	<-done
	// More commits after the latest subscriptions surely opened.
	ingestConcurrently(ctx, t, replicas, &next, 200, nil)
	if t.Failed() {
		t.FailNow()
	}

	log := logSequences(t, db)
	if len(log) != int(next.Load()) {
		t.Fatalf("the log holds %d events, %d were ingested", len(log), next.Load())
	}
	for _, f := range followers {
		f.expect(t, log)
	}
}

// ingestConcurrently pushes n new 1upHealth AuditEvents (numbered from
// next) to every replica at once over gRPC, from two goroutines per
// replica, in batches of varying size. It closes half, if not nil, once
// half of them are committed, and at the latest when it returns; it
// returns when every event is committed or has failed the test.
func ingestConcurrently(ctx context.Context, t *testing.T, replicas []*testserver.Server, next *atomic.Int64, n int64, half chan<- struct{}) {
	t.Helper()
	end := next.Load() + n
	var committed atomic.Int64
	var halfOnce sync.Once
	closeHalf := func() {
		if half != nil {
			halfOnce.Do(func() { close(half) })
		}
	}
	defer closeHalf()
	var wg sync.WaitGroup
	for w := range 2 * len(replicas) {
		client := replicas[w%len(replicas)].Client
		wg.Go(func() {
			for j := 0; ; j++ {
				k := int64(1 + (7*j+3*w)%8)
				first := next.Add(k) - k
				if first+k > end { // give back the numbers past the end
					next.Add(end - first - k)
					k = end - first
				}
				if k <= 0 {
					return
				}
				var payload bytes.Buffer
				for i := range k {
					payload.Write(oneuptest.AuditEvent(oneuptest.Event{
						ID: fmt.Sprintf("ae-%d", first+i), Subtype: "member-authorization",
						Recorded: time.Now(), Outcome: "0", UserID: fmt.Sprintf("u%d", (first+i)%5),
					}))
					payload.WriteByte('\n')
				}
				resp, err := client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
					ContentType: "application/fhir+ndjson", Payload: payload.Bytes(),
				})
				if err != nil {
					t.Errorf("ingest: %v", err)
					return
				}
				if len(resp.GetResults()) != int(k) {
					t.Errorf("ingest: %d results for %d events", len(resp.GetResults()), k)
					return
				}
				for _, r := range resp.GetResults() {
					if r.GetStatus() != conneventsv1.IngestStatus_INGEST_STATUS_STORED {
						t.Errorf("event %s: %v %s, want stored (new)", r.GetSourceEventId(), r.GetStatus(), r.GetReason())
					}
				}
				if committed.Add(k) >= n/2 {
					closeHalf()
				}
			}
		})
	}
	wg.Wait()
}

// follower reads a subscription in the background.
type follower struct {
	name  string
	after int64      // the stream starts after this sequence
	seqs  chan int64 // the events' sequences; closed when the stream ends
	err   error      // why the stream ended; read it once seqs is closed
}

// follow subscribes to srv, reads the opening checkpoint to learn where
// the stream starts, and then reads the stream in the background. Its
// buffer holds the whole test's events, so that the server never waits
// for it.
func follow(t *testing.T, srv *testserver.Server, db store.Store, name string, req *conneventsv1.SubscribeEventsRequest) *follower {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	t.Cleanup(cancel)
	s, err := srv.Client.SubscribeEvents(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Recv()
	if err != nil || first.GetCheckpoint() == nil {
		t.Fatalf("%s: first item = %v, %v; want a checkpoint", name, first, err)
	}
	after, err := stream.DecodeCursor(db.DatabaseID(), first.GetCursor())
	if err != nil {
		t.Fatalf("%s: opening cursor: %v", name, err)
	}
	f := &follower{name: name, after: after, seqs: make(chan int64, 10000)}
	go func() {
		defer close(f.seqs)
		for {
			item, err := s.Recv()
			if err != nil {
				f.err = err
				return
			}
			if ev := item.GetEvent(); ev != nil {
				select {
				case f.seqs <- ev.GetSequence():
				case <-ctx.Done():
					f.err = ctx.Err()
					return
				}
			}
		}
	}()
	return f
}

// expect checks that f delivers exactly the part of log after its start, in
// order. It waits at most until the stream's deadline.
func (f *follower) expect(t *testing.T, log []int64) {
	t.Helper()
	i, _ := slices.BinarySearch(log, f.after+1)
	want := log[i:]
	got := make([]int64, 0, len(want))
	for len(got) < len(want) {
		seq, ok := <-f.seqs
		if !ok {
			t.Errorf("%s: the stream ended after %d of %d events: %v", f.name, len(got), len(want), f.err)
			return
		}
		got = append(got, seq)
	}
	if !slices.Equal(got, want) {
		k := 0
		for got[k] == want[k] {
			k++
		}
		t.Errorf("%s: event %d of %d is sequence %d, want %d (a gap, a duplicate or out of order)", f.name, k+1, len(want), got[k], want[k])
	}
}

// logSequences returns every stored sequence, ascending.
func logSequences(t *testing.T, db store.Store) []int64 {
	t.Helper()
	var out []int64
	var after int64
	for {
		evs, err := db.List(t.Context(), store.Query{Order: store.Ascending, After: after, Limit: 1000})
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

func fromStart() *conneventsv1.SubscribeEventsRequest {
	return &conneventsv1.SubscribeEventsRequest{Start: &conneventsv1.SubscribeEventsRequest_StartPosition{
		StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST,
	}}
}

func openPostgres(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
