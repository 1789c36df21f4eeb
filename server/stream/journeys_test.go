package stream_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/stream"
)

// journeyEvent is a Fasten event of org connection org (one journey per
// org), authorized or completed.
func journeyEvent(n, org int, completed bool) *conneventsv1.ConnectionEvent {
	ev := event(n)
	ev.Source = conneventsv1.Source_SOURCE_FASTEN
	ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, conneventsv1.Stage_STAGE_AUTHORIZATION
	if completed {
		ev.Type, ev.Stage = conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, conneventsv1.Stage_STAGE_COMPLETION
	}
	ev.Connection = &conneventsv1.Connection{OrgConnectionId: fmt.Sprintf("org-%d", org)}
	return ev
}

// ingestJourneys commits n events, one per append, over orgs journeys;
// every third event completes its journey.
func (e *env) ingestJourneys(t *testing.T, n, orgs int) {
	t.Helper()
	for range n {
		ev := journeyEvent(e.next, e.next%orgs, e.next%3 == 2)
		e.next++
		if _, err := e.ingest.Ingest(context.Background(), []*conneventsv1.ConnectionEvent{ev}); err != nil {
			t.Fatal(err)
		}
	}
}

// changeLog returns the positions of the store's journey changes that
// match f, ascending.
func (e *env) changeLog(t *testing.T, f *conneventsv1.ConnectionFilter) []int64 {
	t.Helper()
	changes, err := e.store.ListJourneyChanges(context.Background(), store.ChangeQuery{Filter: f, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, c := range changes {
		if c.Journey != nil {
			out = append(out, c.Sequence)
		}
	}
	return out
}

// journeyReceiver reads a journey subscription.
type journeyReceiver struct {
	stream conneventsv1.ConnectionEventService_SubscribeConnectionsClient
	cursor string
}

func (e *env) subscribeJourneys(t *testing.T, req *conneventsv1.SubscribeConnectionsRequest) *journeyReceiver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	t.Cleanup(cancel)
	s, err := e.client.SubscribeConnections(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return &journeyReceiver{stream: s}
}

// changes reads until it has n journeys, skipping checkpoints, and returns
// them with the position of each.
func (r *journeyReceiver) changes(t *testing.T, db string, n int) ([]*conneventsv1.ConnectionJourney, []int64) {
	t.Helper()
	var out []*conneventsv1.ConnectionJourney
	var pos []int64
	for len(out) < n {
		item, err := r.stream.Recv()
		if err != nil {
			t.Fatalf("after %d changes: %v", len(out), err)
		}
		r.cursor = item.GetCursor()
		if j := item.GetConnection(); j != nil {
			p, err := stream.DecodeJourneyCursor(db, item.GetCursor())
			if err != nil {
				t.Fatal(err)
			}
			out, pos = append(out, j), append(pos, p)
		}
	}
	return out, pos
}

func journeysFromStart() *conneventsv1.SubscribeConnectionsRequest {
	return &conneventsv1.SubscribeConnectionsRequest{Start: &conneventsv1.SubscribeConnectionsRequest_StartPosition{
		StartPosition: conneventsv1.StartPosition_START_POSITION_EARLIEST,
	}}
}

func journeysAfter(c string) *conneventsv1.SubscribeConnectionsRequest {
	return &conneventsv1.SubscribeConnectionsRequest{Start: &conneventsv1.SubscribeConnectionsRequest_StartCursor{StartCursor: c}}
}

// A journey subscription replays the change log, follows it live, and
// resumes exactly after a cursor; a filter keeps the changes whose journey
// matches it.
func TestJourneyChangesReplayLiveAndResume(t *testing.T) {
	e := newEnv(t, stream.Options{ReadBatch: 4})
	db := e.store.DatabaseID()
	e.ingestJourneys(t, 10, 3)
	r := e.subscribeJourneys(t, journeysFromStart())
	e.ingestJourneys(t, 5, 3) // live, or replayed: either way once
	want := e.changeLog(t, nil)
	if len(want) < 15 {
		t.Fatalf("the store recorded %d journey changes for 15 appends", len(want))
	}
	got, pos := r.changes(t, db, len(want))
	if !slices.Equal(pos, want) {
		t.Fatalf("delivered changes %v, the log has %v", pos, want)
	}
	for _, j := range got {
		if j.GetSource() != conneventsv1.Source_SOURCE_FASTEN || j.GetStatus() == conneventsv1.ConnectionStatus_CONNECTION_STATUS_UNSPECIFIED {
			t.Fatalf("delivered journey %v", j)
		}
	}
	resumed := e.subscribeJourneys(t, journeysAfter(stream.EncodeJourneyCursor(db, want[6])))
	if _, again := resumed.changes(t, db, len(want)-7); !slices.Equal(again, want[7:]) {
		t.Fatalf("resumed after %d: %v, want %v", want[6], again, want[7:])
	}

	completed := &conneventsv1.ConnectionFilter{Statuses: []conneventsv1.ConnectionStatus{conneventsv1.ConnectionStatus_CONNECTION_STATUS_COMPLETED}}
	wantDone := e.changeLog(t, completed)
	if len(wantDone) == 0 || len(wantDone) == len(want) {
		t.Fatalf("%d of %d changes are of completed journeys: the filter test needs some", len(wantDone), len(want))
	}
	fr := e.subscribeJourneys(t, &conneventsv1.SubscribeConnectionsRequest{Filter: completed, Start: journeysFromStart().Start})
	js, p := fr.changes(t, db, len(wantDone))
	if !slices.Equal(p, wantDone) {
		t.Fatalf("filtered: %v, want %v", p, wantDone)
	}
	for _, j := range js {
		if j.GetStatus() != conneventsv1.ConnectionStatus_CONNECTION_STATUS_COMPLETED {
			t.Fatalf("filter let through %v", j.GetStatus())
		}
	}
}

// A journey marked STALLED is streamed once JourneysChanged says so: no
// event arrives for it.
func TestStalledJourneyIsStreamed(t *testing.T) {
	e := newEnv(t, stream.Options{})
	db := e.store.DatabaseID()
	e.ingestJourneys(t, 1, 1)                                                // one authorized journey
	r := e.subscribeJourneys(t, &conneventsv1.SubscribeConnectionsRequest{}) // from the head: only what follows
	if first, err := r.stream.Recv(); err != nil || first.GetCheckpoint() == nil {
		t.Fatalf("first item %v, %v; want the opening checkpoint", first, err)
	}
	n, err := e.store.MarkStalled(context.Background(), time.Now().Add(48*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("MarkStalled = %d, %v; want 1 journey", n, err)
	}
	e.hub.JourneysChanged()
	got, _ := r.changes(t, db, 1)
	if got[0].GetStatus() != conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED {
		t.Fatalf("streamed %v, want a STALLED journey", got[0].GetStatus())
	}
}

// The cursors of one log do not resume the other.
func TestCursorsBelongToTheirLog(t *testing.T) {
	e := newEnv(t, stream.Options{})
	e.ingestJourneys(t, 3, 1)
	db := e.store.DatabaseID()
	_, err := e.subscribeJourneys(t, journeysAfter(stream.EncodeCursor(db, 1))).stream.Recv()
	if status.Code(err) != codes.InvalidArgument || api.ReasonOf(err) != reason.CursorInvalid {
		t.Fatalf("event cursor on the journey stream: %v, want %s", err, reason.CursorInvalid)
	}
	_, err = e.subscribe(t, afterCursor(stream.EncodeJourneyCursor(db, 1))).next()
	if status.Code(err) != codes.InvalidArgument || api.ReasonOf(err) != reason.CursorInvalid {
		t.Fatalf("journey cursor on the event stream: %v, want %s", err, reason.CursorInvalid)
	}
	_, err = e.subscribeJourneys(t, journeysAfter(stream.EncodeJourneyCursor(db, 99))).stream.Recv()
	if api.ReasonOf(err) != reason.CursorAheadOfLog {
		t.Fatalf("journey cursor ahead of the change log: %v, want %s", err, reason.CursorAheadOfLog)
	}
}
