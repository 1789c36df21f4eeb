package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/test/testserver"
)

// TestFastenRedeliveryIsDuplicate: a retry of a stored event (same id, new
// date, timestamp and signature) is answered 200 DUPLICATE with the stored
// event's id, stores nothing, keeps the first date as occurred_at, and is
// not streamed to subscribers.
func TestFastenRedeliveryIsDuplicate(t *testing.T) {
	s := testserver.Start(t, nil)
	stream := subscribeLatest(t, s)

	first := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	body := sample(t, fasten.TypeConnectionSuccess, fasten.WithDate(first))
	id := envelope(t, body)["id"].(string)
	stored := accept(t, s, signedAt(t, testserver.Secret, body, time.Now().Add(-time.Minute)), "INGEST_STATUS_STORED")
	if got := nextEvent(t, stream); got.GetId() != stored.Result.EventID {
		t.Fatalf("streamed %s, want the stored event %s", got.GetId(), stored.Result.EventID)
	}

	retry := sample(t, fasten.TypeConnectionSuccess, fasten.WithID(id), fasten.WithDate(time.Now()))
	dup := accept(t, s, signed(t, retry), "INGEST_STATUS_DUPLICATE")
	if dup.Result.EventID != stored.Result.EventID || dup.Result.Sequence != stored.Result.Sequence {
		t.Fatalf("duplicate answered %+v, want the stored event %+v", dup.Result, stored.Result)
	}

	other := accept(t, s, signed(t, sample(t, fasten.TypeWebhookTest)), "INGEST_STATUS_STORED")
	if got := nextEvent(t, stream); got.GetId() != other.Result.EventID {
		t.Fatalf("after the duplicate the stream sent %s (%s), want the next event %s",
			got.GetId(), got.GetSourceEventType(), other.Result.EventID)
	}

	ev := bySourceID(t, requireCount(t, s, 2), id)
	if ev.str("id") != stored.Result.EventID || ev.str("occurredAt") != first.Format(time.RFC3339) {
		t.Errorf("stored event %s occurred %s, want %s at the first date %s",
			ev.str("id"), ev.str("occurredAt"), stored.Result.EventID, first.Format(time.RFC3339))
	}
}

// subscribeLatest opens a gRPC subscription from the head of the log and
// waits for its first checkpoint, so that it sees every later commit.
func subscribeLatest(t *testing.T, s *testserver.Server) conneventsv1.ConnectionEventService_SubscribeEventsClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := s.Client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{
		Start: &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: conneventsv1.StartPosition_START_POSITION_LATEST},
	})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if first.GetCheckpoint() == nil {
		t.Fatalf("a LATEST subscription began with %v, want a checkpoint", first)
	}
	return stream
}

// nextEvent returns the next event of the stream, skipping checkpoints.
func nextEvent(t *testing.T, stream conneventsv1.ConnectionEventService_SubscribeEventsClient) *conneventsv1.ConnectionEvent {
	t.Helper()
	for {
		item, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev := item.GetEvent(); ev != nil {
			return ev
		}
	}
}

// TestFastenConcurrentDeliveries: 50 simultaneous deliveries of one event
// are all answered 200 with the same event id; exactly one is stored.
func TestFastenConcurrentDeliveries(t *testing.T) {
	const n = 50
	s := testserver.Start(t, nil)
	body := sample(t, fasten.TypeEHIExportSuccess)
	type result struct {
		code   int
		answer ingestAnswer
		err    error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range results {
		d := signed(t, body)
		wg.Go(func() {
			<-start
			r := &results[i]
			var raw []byte
			if r.code, raw, r.err = post(s.BaseURL, d); r.err == nil && r.code == http.StatusOK {
				r.err = json.Unmarshal(raw, &r.answer)
			}
		})
	}
	close(start)
	wg.Wait()

	statuses := map[string]int{}
	ids := map[string]bool{}
	for i, r := range results {
		if r.err != nil || r.code != http.StatusOK {
			t.Fatalf("delivery %d: %d %v", i, r.code, r.err)
		}
		statuses[r.answer.Result.Status]++
		ids[r.answer.Result.EventID] = true
	}
	want := map[string]int{"INGEST_STATUS_STORED": 1, "INGEST_STATUS_DUPLICATE": n - 1}
	if fmt.Sprint(statuses) != fmt.Sprint(want) || len(ids) != 1 {
		t.Fatalf("statuses %v and %d event ids, want %v and one id", statuses, len(ids), want)
	}
	ev := requireCount(t, s, 1)[0]
	if !ids[ev.str("id")] {
		t.Errorf("stored %s, answered %v", ev.str("id"), ids)
	}
}

// TestFastenDedupeAcrossRestart: a redelivery to a new server on the same
// database is a duplicate of the event the first server stored.
func TestFastenDedupeAcrossRestart(t *testing.T) {
	first := testserver.Start(t, nil)
	body := sample(t, fasten.TypeEHIExportFailed)
	id := envelope(t, body)["id"].(string)
	stored := accept(t, first, signed(t, body), "INGEST_STATUS_STORED")
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}

	second := testserver.Start(t, func(c *server.Config) { *c = first.Config })
	retry := sample(t, fasten.TypeEHIExportFailed, fasten.WithID(id))
	dup := accept(t, second, signedAt(t, testserver.Secret, retry, time.Now().Add(time.Second)), "INGEST_STATUS_DUPLICATE")
	if dup.Result.EventID != stored.Result.EventID {
		t.Errorf("duplicate of %s answered %s", stored.Result.EventID, dup.Result.EventID)
	}
	if ev := requireCount(t, second, 1)[0]; ev.str("id") != stored.Result.EventID {
		t.Errorf("listed %s, want %s", ev.str("id"), stored.Result.EventID)
	}
}
