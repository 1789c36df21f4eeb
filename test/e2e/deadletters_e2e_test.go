package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/test/testserver"
)

// startCapturing starts a server and returns it with its store, so that a
// test can plant a dead letter an older version of the service kept.
func startCapturing(t *testing.T) (*testserver.Server, store.Store) {
	var st store.Store
	s := testserver.Start(t, nil, server.WithStoreWrapper(func(inner store.Store) store.Store { st = inner; return inner }))
	return s, st
}

// TestFastenDeadLetters: a signed delivery that cannot be normalized is
// answered 200 DEAD_LETTERED and kept byte for byte with its reason; it is
// kept once however often it comes; nothing enters the log; the source
// status counts it.
func TestFastenDeadLetters(t *testing.T) {
	s := testserver.Start(t, nil)
	cases := []struct {
		name   string
		body   string
		reason reason.Reason
	}{
		{"not JSON", "id=1&type=webhook.test&email=" + deadMarker, reason.MalformedJSON},
		{"JSON array", `[{"id":"a","type":"webhook.test","name":"` + deadMarker + `"}]`, reason.MalformedJSON},
		{"no id", `{"type":"webhook.test","data":{"email":"` + deadMarker + `"}}`, reason.MissingID},
		{"stitch event", `{"event_type":"widget.complete","data":{}}`, reason.MissingID},
		{"no type", `{"id":"e2e-no-type","data":{}}`, reason.MissingType},
		{"data not an object", `{"id":"e2e-data","type":"webhook.test","data":"` + deadMarker + `"}`, reason.DataNotObject},
		{"date not RFC 3339", `{"id":"e2e-date","type":"webhook.test","date":"13/06/2024","data":{}}`, reason.InvalidDate},
		{"a value no store can hold", `{"id":"e2e-nul","type":"patient.connection_success","data":{"external_id":"a\u0000` + deadMarker + `"}}`, reason.TextNotStorable},
	}
	ids := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 2 { // the second time: kept once
				code, body, err := post(s.BaseURL, signed(t, []byte(c.body)))
				if err != nil {
					t.Fatal(err)
				}
				if code != http.StatusOK {
					t.Fatalf("answer %d %s, want 200", code, body)
				}
				r := resultOf(t, body)
				if r.Status != "INGEST_STATUS_DEAD_LETTERED" || r.Reason != string(c.reason) || r.DeadLetterID == "" || r.Message == "" {
					t.Fatalf("answer %s, want DEAD_LETTERED %s with an id and a message", body, c.reason)
				}
				ids[r.DeadLetterID] = true
				got := getDeadLetterREST(t, s, r.DeadLetterID)
				if got.Raw != base64.StdEncoding.EncodeToString([]byte(c.body)) || got.Source != "SOURCE_FASTEN" || got.Reason != string(c.reason) {
					t.Errorf("GET /v1/dead-letters/%s = %+v, want the body byte for byte", r.DeadLetterID, got)
				}
			}
		})
	}
	requireCount(t, s, 0)
	page := requireDeadLetters(t, s, len(cases))
	if len(ids) != len(cases) {
		t.Errorf("%d dead letter ids for %d distinct bodies sent twice each", len(ids), len(cases))
	}
	for _, d := range page.DeadLetters {
		if d.Raw != "" {
			t.Errorf("the list returned raw bytes for %s", d.ID)
		}
	}
	st, err := s.Client.GetSourceStatus(context.Background(), &conneventsv1.GetSourceStatusRequest{Source: conneventsv1.Source_SOURCE_FASTEN})
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, n := range st.GetStatus().GetDeadLettersByReason() {
		total += n
	}
	if total != int64(len(cases)) || len(st.GetStatus().GetRejectionsByReason()) != 0 {
		t.Errorf("status: %v", st.GetStatus())
	}
	checkNoLeak(t, s.Logs.String(), deadMarker)
}

// deadMarker stands for personal data in unreadable deliveries: it must
// reach no log line.
const deadMarker = "dead-letter-canary-7c1f@example.org"

type restResult struct {
	Status       string `json:"status"`
	Reason       string `json:"reason"`
	Message      string `json:"message"`
	EventID      string `json:"eventId"`
	DeadLetterID string `json:"deadLetterId"`
}

func resultOf(t *testing.T, body []byte) restResult {
	t.Helper()
	var a struct {
		Result restResult `json:"result"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	return a.Result
}

type restDeadLetter struct {
	ID, Source, Reason, Message, Raw string
	Retries                          int
}

func getDeadLetterREST(t *testing.T, s *testserver.Server, id string) restDeadLetter {
	t.Helper()
	code, body := restCall(t, s, http.MethodGet, "/v1/dead-letters/"+id)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/dead-letters/%s: %d %s", id, code, body)
	}
	var a struct {
		DeadLetter restDeadLetter `json:"deadLetter"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a.DeadLetter
}

func restCall(t *testing.T, s *testserver.Server, method, path string) (int, []byte) {
	t.Helper()
	var body *bytes.Reader
	if method == http.MethodPost {
		body = bytes.NewReader([]byte("{}"))
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, s.BaseURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := testserver.Do(t, req)
	return resp.StatusCode, b
}

// plant keeps raw as a Fasten dead letter directly in the store, as an
// older version of the service that could not read it would have.
func plant(t *testing.T, st store.Store, raw []byte) string {
	t.Helper()
	d := &conneventsv1.DeadLetter{Id: uuid.Must(uuid.NewV7()).String(), Source: conneventsv1.Source_SOURCE_FASTEN,
		Reason: string(reason.MissingType), Message: "planted", ReceivedAt: timestamppb.Now(), Raw: raw}
	if kept, err := st.AddDeadLetters(context.Background(), []*conneventsv1.DeadLetter{d}); err != nil || !kept[0].Added {
		t.Fatalf("planting a dead letter: %v %v", kept, err)
	}
	return d.GetId()
}

// TestDeadLetterRetryAndDiscard: over REST, a dead letter the current code
// can read is retried into the log exactly once (concurrent retries of two
// dead letters of one event store one event) and removed; one it still
// cannot read stays, with a retry counted; discard deletes for good.
func TestDeadLetterRetryAndDiscard(t *testing.T) {
	s, st := startCapturing(t)
	good := sample(t, fasten.TypeConnectionSuccess)
	first := plant(t, st, good)
	second := plant(t, st, append(bytes.Clone(good), ' ')) // other bytes, the same event

	var wg sync.WaitGroup
	results := make([]restResult, 2)
	for i, id := range []string{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := restCall(t, s, http.MethodPost, "/v1/dead-letters/"+id+":retry")
			if code != http.StatusOK {
				t.Errorf("retry %s: %d %s", id, code, body)
				return
			}
			results[i] = resultOf(t, body)
		}()
	}
	wg.Wait()
	statuses := map[string]int{results[0].Status: 1}
	statuses[results[1].Status]++
	if statuses["INGEST_STATUS_STORED"] != 1 || statuses["INGEST_STATUS_DUPLICATE"] != 1 || results[0].EventID != results[1].EventID {
		t.Errorf("two retries of one event: %+v, want one STORED and one DUPLICATE of the same event", results)
	}
	requireCount(t, s, 1)
	requireDeadLetters(t, s, 0)
	if code, body := restCall(t, s, http.MethodPost, "/v1/dead-letters/"+first+":retry"); code != http.StatusNotFound ||
		!bytes.Contains(body, []byte(reason.DeadLetterNotFound)) {
		t.Errorf("retrying a retried dead letter: %d %s", code, body)
	}

	bad := plant(t, st, []byte(`{"id":"still-bad","data":{}}`))
	code, body := restCall(t, s, http.MethodPost, "/v1/dead-letters/"+bad+":retry")
	if code != http.StatusBadRequest || !bytes.Contains(body, []byte(reason.DeadLetterStillUnreadable)) {
		t.Errorf("retrying an unreadable dead letter: %d %s", code, body)
	}
	if d := getDeadLetterREST(t, s, bad); d.Retries != 1 || d.Reason != string(reason.MissingType) {
		t.Errorf("after a failed retry: %+v", d)
	}
	if code, body := restCall(t, s, http.MethodDelete, "/v1/dead-letters/"+bad); code != http.StatusOK {
		t.Errorf("discard: %d %s", code, body)
	}
	if code, _ := restCall(t, s, http.MethodDelete, "/v1/dead-letters/"+bad); code != http.StatusNotFound {
		t.Errorf("discarding twice: %d, want 404", code)
	}
	requireDeadLetters(t, s, 0)
	requireCount(t, s, 1)
}

// TestDeadLettersGRPC: the same over gRPC, with paging and a source
// filter.
func TestDeadLettersGRPC(t *testing.T) {
	s, st := startCapturing(t)
	ctx := context.Background()
	for i := range 5 {
		plant(t, st, []byte{'x', byte('0' + i)})
		time.Sleep(time.Millisecond)
	}
	var seen []string
	req := &conneventsv1.ListDeadLettersRequest{PageSize: 2, Source: conneventsv1.Source_SOURCE_FASTEN}
	for {
		resp, err := s.Client.ListDeadLetters(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.GetDeadLetters() {
			seen = append(seen, d.GetId())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if len(seen) != 5 || seen[0] < seen[4] {
		t.Errorf("paged %v, want 5 newest first", seen)
	}
	none, err := s.Client.ListDeadLetters(ctx, &conneventsv1.ListDeadLettersRequest{Source: conneventsv1.Source_SOURCE_ONEUP})
	if err != nil || len(none.GetDeadLetters()) != 0 {
		t.Errorf("1upHealth dead letters: %v %v", none, err)
	}
	_, err = s.Client.ListDeadLetters(ctx, &conneventsv1.ListDeadLettersRequest{PageToken: "nope"})
	if status.Code(err) != codes.InvalidArgument || api.ReasonOf(err) != reason.PageTokenInvalid {
		t.Errorf("a bad page token: %v", err)
	}
	got, err := s.Client.GetDeadLetter(ctx, &conneventsv1.GetDeadLetterRequest{Id: seen[0]})
	if err != nil || string(got.GetDeadLetter().GetRaw()) != "x4" {
		t.Errorf("GetDeadLetter: %v %v", got, err)
	}
	_, err = s.Client.RetryDeadLetter(ctx, &conneventsv1.RetryDeadLetterRequest{Id: seen[0]})
	if status.Code(err) != codes.FailedPrecondition || api.ReasonOf(err) != reason.DeadLetterStillUnreadable {
		t.Errorf("retrying bytes that are no delivery: %v", err)
	}
	_, err = s.Client.GetDeadLetter(ctx, &conneventsv1.GetDeadLetterRequest{Id: uuid.NewString()})
	if status.Code(err) != codes.NotFound || api.ReasonOf(err) != reason.DeadLetterNotFound {
		t.Errorf("an unknown id: %v", err)
	}
}
