package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/test/testserver"
)

// TestNULTextOnPostgres: text PostgreSQL cannot hold (a NUL character) in a
// Fasten id, external_id or org_connection_id, an AuditEvent id, the
// 1up-user agent or the patient reference is never stored as an event:
// the signed delivery or pushed item is kept as a dead letter with
// TEXT_NOT_STORABLE (a Fasten delivery: 200 DEAD_LETTERED; a pushed item:
// DEAD_LETTERED, the good items of the same push stored), and never fails
// the valid, signed webhooks other callers send meanwhile.
func TestNULTextOnPostgres(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.Database = pgtest.Schema(t) })
	bad := []delivery{
		signedAs(t, "msg-nul", replaced(sample(t, fasten.TypeEHIExportSuccess, fasten.WithID("PLACEHOLDER")), `nul-\u0000-id`)),
		signed(t, sample(t, fasten.TypeEHIExportSuccess, fasten.WithData("external_id", "pat-\x00"))),
		signed(t, sample(t, fasten.TypeEHIExportSuccess, fasten.WithData("org_connection_id", "\x00"))),
	}
	nulEvents := []oneuptest.Event{
		{ID: "ae-\x00", Subtype: "member-authorization", Recorded: time.Now()},
		{ID: "ae-user", Subtype: "member-authorization", Recorded: time.Now(), UserID: "u\x00"},
		{ID: "ae-patient", Subtype: "member-authorization", Recorded: time.Now(), PatientID: "p\x00"},
	}

	const callers, each = 6, 15
	var wg sync.WaitGroup
	failures := make(chan string, callers*each+len(bad)*each)
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				body := sample(t, fasten.TypeEHIExportSuccess, fasten.WithID(fmt.Sprintf("valid-%d-%d", c, i)))
				code, answer, err := post(s.BaseURL, signed(t, body))
				if err != nil || code != http.StatusOK {
					failures <- fmt.Sprintf("valid delivery: %d %s %v", code, answer, err)
				}
			}
		})
	}
	wg.Go(func() {
		for range each {
			for _, d := range bad {
				code, answer, err := post(s.BaseURL, d)
				if err != nil || code != http.StatusOK || !bytes.Contains(answer, []byte(reason.TextNotStorable)) ||
					!bytes.Contains(answer, []byte("INGEST_STATUS_DEAD_LETTERED")) {
					failures <- fmt.Sprintf("NUL delivery: %d %s %v", code, answer, err)
				}
			}
		}
	})
	good := oneupEvents("nulpush", each, time.Now().Add(-time.Hour), time.Second)
	wg.Go(func() {
		for i := range each {
			var ndjson []byte
			for _, e := range nulEvents {
				ndjson = append(append(ndjson, oneuptest.AuditEvent(e)...), '\n')
			}
			ndjson = append(ndjson, oneuptest.AuditEvent(good[i])...)
			resp, answer := pushOneUp(t, s, "application/fhir+ndjson", ndjson, "")
			var got conneventsv1.IngestOneUpAuditEventsResponse
			if resp.StatusCode != http.StatusOK {
				failures <- fmt.Sprintf("push: %s %s", resp.Status, answer)
				continue
			}
			decodeProtoJSON(t, resp, answer, &got)
			r := got.GetResults()
			if len(r) != 4 || r[3].GetStatus() != pushStored {
				failures <- fmt.Sprintf("push: %s", answer)
				continue
			}
			for _, item := range r[:3] {
				if item.GetStatus() != pushDeadLettered || item.GetReason() != string(reason.TextNotStorable) {
					failures <- fmt.Sprintf("NUL item: %v", item)
				}
			}
		}
	})
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if n := len(listEvents(t, s, "")); n != callers*each+each {
		t.Errorf("%d events stored, want %d", n, callers*each+each)
	}
	if strings.Contains(s.Logs.String(), "22021") {
		t.Error("a NUL reached PostgreSQL")
	}
	// Kept once each, however often sent: three deliveries, three items.
	requireDeadLetters(t, s, len(bad)+len(nulEvents))
}

// TestInvalidUTF8IDsNeverMerge: two signed deliveries whose ids differ only
// in bytes that are not UTF-8 (or lone surrogate escapes) would decode to
// the same id; neither becomes an event (the second would be dropped as a
// duplicate of the first): each is kept as its own dead letter with
// ID_NOT_UTF8, byte for byte.
func TestInvalidUTF8IDsNeverMerge(t *testing.T) {
	s := testserver.Start(t, nil)
	withID := func(id string) delivery {
		return signedAs(t, "msg-"+rand.Text(), replaced(sample(t, fasten.TypeEHIExportSuccess, fasten.WithID("PLACEHOLDER")), id))
	}
	for _, id := range []string{"COLLIDE-\xff", "COLLIDE-\xfe", `COLLIDE-\ud800`, `COLLIDE-\udc00`} {
		code, answer, err := post(s.BaseURL, withID(id))
		if r := resultOf(t, answer); err != nil || code != http.StatusOK || r.Status != "INGEST_STATUS_DEAD_LETTERED" || r.Reason != string(reason.IDNotUTF8) {
			t.Errorf("id %q: %d %s %v, want 200 DEAD_LETTERED %s", id, code, answer, err, reason.IDNotUTF8)
		}
	}
	ae := string(oneuptest.AuditEvent(oneupEvents("u", 1, time.Now(), 0)[0]))
	var ndjson []string
	for _, id := range []string{"U-\xff", "U-\xfe"} {
		ndjson = append(ndjson, strings.Replace(ae, `"id":"u-0"`, `"id":`+string(mustJSONish(id)), 1))
	}
	for i, r := range pushResults(t, s, "application/fhir+ndjson", []byte(strings.Join(ndjson, "\n")), "") {
		if r.GetStatus() != pushDeadLettered || r.GetReason() != string(reason.IDNotUTF8) {
			t.Errorf("pushed item %d: %v, want DEAD_LETTERED %s", i, r, reason.IDNotUTF8)
		}
	}
	requireCount(t, s, 0)
	requireDeadLetters(t, s, 6)
}

// mustJSONish quotes s as a JSON string keeping its bytes as they are
// (json.Marshal would replace invalid UTF-8).
func mustJSONish(s string) []byte {
	b, _ := json.Marshal(strings.ToValidUTF8(s, "#"))
	return bytes.Replace(b, []byte("#"), []byte(s[len(s)-1:]), 1)
}

// replaced is body with the first PLACEHOLDER replaced by text, as it is
// (the webhook-id header is the sample's own, so it stays a valid header).
func replaced(body []byte, text string) []byte {
	return bytes.Replace(body, []byte("PLACEHOLDER"), []byte(text), 1)
}

// signedAs signs body with the test secret under the webhook-id msgID (a
// header cannot carry the body's hostile id).
func signedAs(t *testing.T, msgID string, body []byte) delivery {
	t.Helper()
	now := time.Now()
	sig, err := fasten.Sign(testserver.Secret, msgID, now, body)
	if err != nil {
		t.Fatal(err)
	}
	return delivery{body: body, header: http.Header{
		fasten.HeaderID:        {msgID},
		fasten.HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)},
		fasten.HeaderSignature: {sig},
	}}
}
