package e2e

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/gateway"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

const (
	pushStored       = conneventsv1.IngestStatus_INGEST_STATUS_STORED
	pushDuplicate    = conneventsv1.IngestStatus_INGEST_STATUS_DUPLICATE
	pushDeadLettered = conneventsv1.IngestStatus_INGEST_STATUS_DEAD_LETTERED
)

// wantPushItem is the expected answer for one pushed item.
type wantPushItem struct {
	status conneventsv1.IngestStatus
	id     string // source event id, or rejection reason
}

func checkPushItems(t *testing.T, got []*conneventsv1.IngestResult, want ...wantPushItem) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		id := g.GetSourceEventId()
		if w.status == pushDeadLettered {
			id = g.GetReason()
			if g.GetMessage() == "" || g.GetDeadLetterId() == "" {
				t.Errorf("item %d: a dead letter without a message or id: %v", i, g)
			}
		} else if g.GetEventId() == "" || g.GetSequence() == 0 {
			t.Errorf("item %d: no event id or sequence: %v", i, g)
		}
		if g.GetStatus() != w.status || id != w.id {
			t.Errorf("item %d: %v %q, want %v %q", i, g.GetStatus(), id, w.status, w.id)
		}
	}
}

// TestOneUpPushItems pushes a single AuditEvent, a Bundle and NDJSON with
// good and bad items, and checks each answer, the store and the status.
func TestOneUpPushItems(t *testing.T) {
	s := testserver.Start(t, nil)
	ev := oneupEvents("p", 5, time.Now().Add(-time.Hour), time.Minute)
	ae := func(i int) string { return string(oneuptest.AuditEvent(ev[i])) }

	single := pushResults(t, s, "application/fhir+json", []byte(ae(0)), "")
	checkPushItems(t, single, wantPushItem{pushStored, "p-0"})
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + ae(1) + `},{"resource":` + ae(0) +
		`},{"resource":{"resourceType":"Basic","id":"x"}},{"fullUrl":"urn:uuid:1"},{"resource":` + ae(2) + `}]}`
	got := pushResults(t, s, "application/fhir+json; charset=utf-8", []byte(bundle), "")
	checkPushItems(t, got, wantPushItem{pushStored, "p-1"}, wantPushItem{pushDuplicate, "p-0"},
		wantPushItem{pushDeadLettered, string(reason.NotAnAuditEvent)}, wantPushItem{pushDeadLettered, string(reason.MalformedEntry)}, wantPushItem{pushStored, "p-2"})
	if got[1].GetEventId() != single[0].GetEventId() {
		t.Errorf("the duplicate answers event %s, want the stored %s", got[1].GetEventId(), single[0].GetEventId())
	}
	noID := strings.Replace(ae(4), `"id":"p-4",`, "", 1)
	ndjson := ae(3) + "\n{not json, patient pat-" + oneupMarker + "\n\n" + noID + "\r\n" + ae(4) + "\n"
	checkPushItems(t, pushResults(t, s, "application/fhir+ndjson", []byte(ndjson), ""),
		wantPushItem{pushStored, "p-3"}, wantPushItem{pushDeadLettered, string(reason.MalformedJSON)}, wantPushItem{pushDeadLettered, string(reason.MissingID)}, wantPushItem{pushStored, "p-4"})

	checkExactlyOnce(t, s, oneupIDs(ev))
	st, body := oneupStatusREST(t, s)
	wantDead := map[string]int64{string(reason.NotAnAuditEvent): 1, string(reason.MalformedEntry): 1, string(reason.MalformedJSON): 1, string(reason.MissingID): 1}
	if st.GetEventsIngested() != 5 || st.GetDuplicates() != 1 || !maps.Equal(st.GetDeadLettersByReason(), wantDead) ||
		len(st.GetRejectionsByReason()) != 0 {
		t.Errorf("status %s", body)
	}
	requireDeadLetters(t, s, 4)
	checkNoLeak(t, s.Logs.String(), oneupMarker)
}

// TestOneUpPushWholePayloadErrors: 400 for a payload that cannot be split,
// 413 over 10 MiB, 415 for another content type; nothing is stored.
func TestOneUpPushWholePayloadErrors(t *testing.T) {
	s := testserver.Start(t, nil)
	ae := oneuptest.AuditEvent(oneupEvents("w", 1, time.Now(), 0)[0])
	huge := append(bytes.Repeat([]byte(" "), gateway.MaxOneUpBody), ae...)
	cases := []struct {
		name, contentType string
		body              []byte
		code              int
		reason            reason.Reason
	}{
		{"malformed JSON", "application/fhir+json", ae[:len(ae)-1], http.StatusBadRequest, reason.MalformedJSON},
		{"entry not an array", "application/fhir+json", []byte(`{"resourceType":"Bundle","entry":{}}`), http.StatusBadRequest, reason.MalformedBundle},
		{"over 10 MiB", "application/fhir+json", huge, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE"},
		{"another content type", "text/plain", ae, http.StatusUnsupportedMediaType, reason.UnsupportedMediaType},
		{"no content type", "", ae, http.StatusUnsupportedMediaType, reason.UnsupportedMediaType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := pushOneUp(t, s, c.contentType, c.body, "")
			if resp.StatusCode != c.code || errorReason(t, body) != string(c.reason) {
				t.Errorf("%s %s, want %d %s", resp.Status, body, c.code, c.reason)
			}
		})
	}
	if seen := oneupStored(t, s); len(seen) != 0 {
		t.Errorf("stored %v", seen)
	}
}

// TestOneUpPushNeedsAPIKey: with API keys configured, both doors refuse a
// push without a valid key, and accept it with one.
func TestOneUpPushNeedsAPIKey(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{apiKey} })
	ae := oneuptest.AuditEvent(oneupEvents("k", 1, time.Now(), 0)[0])
	for _, key := range []string{"", "wrong"} {
		if resp, body := pushOneUp(t, s, "application/fhir+json", ae, key); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("REST with key %q: %s %s, want 401", key, resp.Status, body)
		}
	}
	req := &conneventsv1.IngestOneUpAuditEventsRequest{ContentType: "application/fhir+json", Payload: ae}
	if _, err := s.Client.IngestOneUpAuditEvents(context.Background(), req); status.Code(err) != codes.Unauthenticated {
		t.Errorf("gRPC without a key: %v, want UNAUTHENTICATED", err)
	}
	// STORED, not DUPLICATE: the refused pushes stored nothing.
	checkPushItems(t, pushResults(t, s, "application/fhir+json", ae, apiKey), wantPushItem{pushStored, "k-0"})
}

// TestOneUpPushGRPC: the gRPC method answers like the route, and a push
// over one door is a duplicate over the other.
func TestOneUpPushGRPC(t *testing.T) {
	s := testserver.Start(t, nil)
	ev := oneupEvents("g", 2, time.Now().Add(-time.Hour), time.Minute)
	payload := string(oneuptest.AuditEvent(ev[0])) + "\n" + `{"resourceType":"AuditEvent","id":"g-x"}` + "\n" + string(oneuptest.AuditEvent(ev[1]))
	ctx := context.Background()
	resp, err := s.Client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{
		ContentType: "application/fhir+ndjson", Payload: []byte(payload)})
	if err != nil {
		t.Fatal(err)
	}
	checkPushItems(t, resp.GetResults(), wantPushItem{pushStored, "g-0"}, wantPushItem{pushDeadLettered, string(reason.MissingRecorded)}, wantPushItem{pushStored, "g-1"})
	checkPushItems(t, pushResults(t, s, "application/fhir+json", oneuptest.AuditEvent(ev[1]), ""), wantPushItem{pushDuplicate, "g-1"})
	for contentType, want := range map[string]reason.Reason{"text/csv": reason.UnsupportedMediaType, "application/json": reason.MalformedJSON} {
		_, err := s.Client.IngestOneUpAuditEvents(ctx, &conneventsv1.IngestOneUpAuditEventsRequest{ContentType: contentType, Payload: []byte("[1")})
		if status.Code(err) != codes.InvalidArgument || api.ReasonOf(err) != want {
			t.Errorf("%s: %v, want INVALID_ARGUMENT %s", contentType, err, want)
		}
	}
	checkExactlyOnce(t, s, oneupIDs(ev))
}
