package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/test/testserver"
)

// TestOneUpPollerEveryEventOnceAcrossRestart runs serve against the fake
// 1upHealth API: a multi-page set is pulled exactly once; an AuditEvent
// written hours after the time it records (a late write) is read once by
// the running poller; after a restart on the same database, new events
// sharing one meta.lastUpdated across a page boundary and another late
// write are pulled, and nothing is stored twice.
func TestOneUpPollerEveryEventOnceAcrossRestart(t *testing.T) {
	fake := oneuptest.New(t)
	now := time.Now().UTC().Truncate(time.Second)
	first := oneupEvents("a", 230, now.Add(-3*time.Hour), 30*time.Second) // 3 pages of 100
	fake.Add(first...)
	badEntry := `{"resourceType":"Basic","id":"basic-1","recorded":"` + now.Add(-2*time.Hour).Format(time.RFC3339) +
		`","subtype":[{"code":"system-selected"}]}`
	if err := fake.AddRaw([]byte(badEntry)); err != nil {
		t.Fatal(err)
	}
	s1 := startPolling(t, fake, "", oneuptest.ClientSecret)
	eventually(t, "a second poll after the first set", func() bool {
		st, _ := oneupStatusREST(t, s1)
		return st.GetEventsIngested() == int64(len(first)) && st.GetDuplicates() > 0
	})
	checkExactlyOnce(t, s1, oneupIDs(first))
	newestA := first[len(first)-1].Recorded
	checkPollerStatus(t, s1, len(first), newestA)
	checkMappingREST(t, s1, first[:9])

	lateRunning := oneupEvents("late-running", 1, now.Add(-5*time.Hour), 0)[0] // long before the checkpoint
	runningAt := publishLate(fake, lateRunning)
	eventually(t, "the late write read by the running poller", func() bool { return oneupStored(t, s1)[lateRunning.ID] == 1 })
	if err := s1.Stop(); err != nil {
		t.Fatal(err)
	}

	second := oneupEvents("b", 120, newestA.Add(30*time.Second), 30*time.Second)
	lateRestart := oneupEvents("late-restart", 1, now.Add(-6*time.Hour), 0)[0]
	before := len(fake.Requests())
	publishLate(fake, append(second, lateRestart)...) // 121 events, one lastUpdated, across a page boundary
	s2 := startPolling(t, fake, s1.Config.Database, oneuptest.ClientSecret)
	want := slices.Concat(oneupIDs(first), []string{lateRunning.ID}, oneupIDs(second), []string{lateRestart.ID})
	eventually(t, "the new events after the restart", func() bool {
		st, _ := oneupStatusREST(t, s2)
		return st.GetEventsIngested() >= int64(len(second)+1) && st.GetLastSuccessAt() != nil
	})
	checkExactlyOnce(t, s2, want)
	q := fake.Requests()[before].Query
	if got, want := q.Get("_lastUpdated"), "ge"+runningAt.Add(-oneup.DefaultOverlap).Truncate(time.Second).Format(time.RFC3339); got != want || q.Has("date") {
		t.Errorf("after the restart the first search is _lastUpdated=%s date=%s, want %s (the stored checkpoint minus the overlap) and no date", got, q.Get("date"), want)
	}
	for _, s := range []*testserver.Server{s1, s2} {
		checkNoLeak(t, s.Logs.String(), oneuptest.ClientSecret, oneupMarker)
	}
}

// publishLate makes events visible in the fake now, with their old
// recorded times, and returns their meta.lastUpdated.
func publishLate(fake *oneuptest.Server, events ...oneuptest.Event) time.Time {
	at := time.Now().UTC()
	fake.Hold(events...)
	fake.Publish(at)
	return at
}

// TestOneUpPollerUpgradesOldCheckpoint starts serve on a database whose
// checkpoint an older version stored (the newest `recorded` read, as a
// bare RFC 3339 time): polling goes on from it as a meta.lastUpdated
// bound, reads a late write, does not re-read what the old version had
// read, and stores the checkpoint in the new form.
func TestOneUpPollerUpgradesOldCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	old := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	putCheckpoint(t, path, old.Format(time.RFC3339))
	fake := oneuptest.New(t)
	read := oneupEvents("read-before", 5, old.Add(-time.Hour), time.Minute) // the old version read these
	fake.Add(read...)
	late := oneupEvents("late", 1, old.Add(-24*time.Hour), 0)[0]
	publishLate(fake, late)
	s := startPolling(t, fake, "sqlite:"+path, oneuptest.ClientSecret)
	eventually(t, "the late write after the upgrade", func() bool { return oneupStored(t, s)[late.ID] == 1 })
	checkExactlyOnce(t, s, []string{late.ID})
	q := fake.Requests()[0].Query
	if got, want := q.Get("_lastUpdated"), "ge"+old.Add(-oneup.DefaultOverlap).Format(time.RFC3339); got != want || q.Has("date") {
		t.Errorf("first search _lastUpdated=%s date=%s, want %s and no date", got, q.Get("date"), want)
	}
	// The poll stores its checkpoint after ingesting its last page: wait
	// for it rather than racing the stop against it.
	eventually(t, "the checkpoint in the new form", func() bool {
		return strings.HasPrefix(getCheckpoint(t, path), `{"v":2,"lastUpdated":`)
	})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if v := getCheckpoint(t, path); !strings.HasPrefix(v, `{"v":2,"lastUpdated":`) {
		t.Errorf("checkpoint after the upgrade %q, want the new form", v)
	}
}

func putCheckpoint(t *testing.T, path, value string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutCheckpoint(context.Background(), oneup.DefaultCheckpointKey, value); err != nil {
		t.Fatal(err)
	}
}

func getCheckpoint(t *testing.T, path string) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.GetCheckpoint(context.Background(), oneup.DefaultCheckpointKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkPollerStatus checks GET /v1/sources/SOURCE_ONEUP after the first set.
func checkPollerStatus(t *testing.T, s *testserver.Server, stored int, newest time.Time) {
	t.Helper()
	st, body := oneupStatusREST(t, s)
	if st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK || st.GetLastSuccessAt() == nil || st.GetLastError() != "" {
		t.Errorf("state %v, last success %v, last error %q", st.GetState(), st.GetLastSuccessAt(), st.GetLastError())
	}
	if got, want := st.GetCheckpoint().AsTime(), newest.Add(-oneup.DefaultOverlap); !got.Equal(want) {
		t.Errorf("checkpoint %v, want the newest recorded minus the overlap, %v", got, want)
	}
	// The bad entry is kept as a dead letter once, though every poll
	// re-reads it in its overlap, and the poller moved past it.
	if st.GetEventsIngested() != int64(stored) || st.GetDeadLettersByReason()[string(reason.NotAnAuditEvent)] != 1 ||
		len(st.GetRejectionsByReason()) != 0 {
		t.Errorf("counts: %s", body)
	}
	requireDeadLetters(t, s, 1)
	if !strings.Contains(string(body), `"state":"SOURCE_STATE_OK"`) {
		t.Errorf("REST status does not name the state: %s", body)
	}
}

// checkMappingREST checks type, stage and outcome of one event per subtype
// as REST returns them.
func checkMappingREST(t *testing.T, s *testserver.Server, events []oneuptest.Event) {
	t.Helper()
	want := map[string][3]string{
		oneup.SubtypeSystemSearchResults:           {"EVENT_TYPE_SYSTEM_SEARCHED", "STAGE_DISCOVERY", "OUTCOME_UNSPECIFIED"},
		oneup.SubtypeSystemSelected:                {"EVENT_TYPE_SYSTEM_SELECTED", "STAGE_DISCOVERY", "OUTCOME_UNSPECIFIED"},
		oneup.SubtypeMemberAuthorization:           {"EVENT_TYPE_CONNECTION_AUTHORIZED", "STAGE_AUTHORIZATION", "OUTCOME_UNSPECIFIED"},
		oneup.SubtypePayerConnectionNotEstablished: {"EVENT_TYPE_CONNECTION_FAILED", "STAGE_AUTHORIZATION", "OUTCOME_SERIOUS_FAILURE"},
		oneup.SubtypeDataTransferInitiated:         {"EVENT_TYPE_DATA_TRANSFER_STARTED", "STAGE_TRANSFER", "OUTCOME_UNSPECIFIED"},
		oneup.SubtypeResourceRetrievalFailure:      {"EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED", "STAGE_TRANSFER", "OUTCOME_MINOR_FAILURE"},
		oneup.SubtypeResourceIngestionResult:       {"EVENT_TYPE_RESOURCE_INGESTED", "STAGE_TRANSFER", "OUTCOME_UNSPECIFIED"},
		oneup.SubtypeMemberDataIngestionCompleted:  {"EVENT_TYPE_DATA_TRANSFER_COMPLETED", "STAGE_COMPLETION", "OUTCOME_SUCCESS"},
		oneup.SubtypeMemberDataIngestionTimeout:    {"EVENT_TYPE_DATA_TRANSFER_FAILED", "STAGE_COMPLETION", "OUTCOME_SERIOUS_FAILURE"},
	}
	for _, e := range events {
		got := restEventBySourceID(t, s, e.ID)
		if w := want[e.Subtype]; got != w {
			t.Errorf("%s (%s): type/stage/outcome %v, want %v", e.ID, e.Subtype, got, w)
		}
	}
}

// restEventBySourceID finds one 1upHealth event through GET /v1/events and
// returns its type, stage and outcome as the JSON spells them.
func restEventBySourceID(t *testing.T, s *testserver.Server, id string) [3]string {
	t.Helper()
	resp, body := get(t, s.BaseURL+"/v1/events?filter.sources=SOURCE_ONEUP&pageSize=1000", "")
	var page struct {
		Events []struct{ SourceEventID, Type, Stage, Outcome string }
	}
	if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s", resp.Status, body)
	}
	for _, ev := range page.Events {
		if ev.SourceEventID == id {
			return [3]string{ev.Type, ev.Stage, ev.Outcome}
		}
	}
	t.Fatalf("%s not listed", id)
	return [3]string{}
}

// TestOneUpPollerBadCredentials: refused credentials show as CONFIG_ERROR,
// and the secret appears in no log, status or error.
func TestOneUpPollerBadCredentials(t *testing.T) {
	fake := oneuptest.New(t)
	fake.Add(oneupEvents("c", 3, time.Now().Add(-time.Hour), time.Minute)...)
	const wrong = "wrong-secret-must-not-leak-7c1e"
	s := startPolling(t, fake, "", wrong)
	eventually(t, "CONFIG_ERROR", func() bool {
		st, _ := oneupStatusREST(t, s)
		return st.GetState() == conneventsv1.SourceState_SOURCE_STATE_CONFIG_ERROR
	})
	st, body := oneupStatusREST(t, s)
	if st.GetLastError() == "" || st.GetLastErrorAt() == nil || st.GetLastSuccessAt() != nil || st.GetEventsIngested() != 0 {
		t.Errorf("status %s", body)
	}
	list, err := s.Client.ListSourceStatuses(context.Background(), &conneventsv1.ListSourceStatusesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	checkNoLeak(t, s.Logs.String()+string(body)+list.String(), wrong, oneupMarker)
	if got := fake.Requests()[0].Header.Get("client_secret"); got != wrong {
		t.Fatalf("the scenario did not send the wrong secret")
	}
}

// TestOneUpStatusDisabled: without credentials the poller is off and the
// status says so, while pushed events are still counted.
func TestOneUpStatusDisabled(t *testing.T) {
	s := testserver.Start(t, nil)
	ev := oneuptest.AuditEvent(oneupEvents("d", 1, time.Now(), 0)[0])
	if r := pushResults(t, s, "application/fhir+json", ev, ""); r[0].GetStatus() != conneventsv1.IngestStatus_INGEST_STATUS_STORED {
		t.Fatalf("push: %v", r)
	}
	st, body := oneupStatusREST(t, s)
	if st.GetState() != conneventsv1.SourceState_SOURCE_STATE_DISABLED || st.GetEventsIngested() != 1 || st.GetCheckpoint() != nil {
		t.Errorf("status %s", body)
	}
	list, err := s.Client.ListSourceStatuses(context.Background(), &conneventsv1.ListSourceStatusesRequest{})
	if err != nil || len(list.GetStatuses()) != 2 || list.GetStatuses()[1].GetState() != conneventsv1.SourceState_SOURCE_STATE_DISABLED {
		t.Errorf("ListSourceStatuses: %v, %v", list, err)
	}
}

// checkNoLeak fails if haystack holds any needle.
func checkNoLeak(t *testing.T, haystack string, needles ...string) {
	t.Helper()
	for _, n := range needles {
		if strings.Contains(haystack, n) {
			t.Errorf("%q leaked into logs or status", n)
		}
	}
}
