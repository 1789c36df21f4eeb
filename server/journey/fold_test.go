package journey

import (
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// up builds a 1upHealth event of the default user and system.
func up(tb testing.TB, subtype string, at time.Time, seq int64, outcome string) *conneventsv1.ConnectionEvent {
	return oneupEvent(tb, oneuptest.Event{Subtype: subtype, Recorded: at, Outcome: outcome, PatientID: "p1",
		ID: subtype + "-" + at.Format(time.RFC3339Nano) + "-" + outcome}, seq)
}

func TestFastenJourneyCompletesWhateverTheArrivalOrder(t *testing.T) {
	auth := fastenEvent(t, fasten.TypeConnectionSuccess, t0, 1, fasten.WithVariant("authorized"))
	export := fastenEvent(t, fasten.TypeEHIExportSuccess, t0.Add(3*time.Hour), 2)
	if ka, _ := KeyOf(auth); ka != mustKey(t, export) {
		t.Fatal("the sample authorization and export are not one journey")
	}
	for _, order := range [][]*conneventsv1.ConnectionEvent{{auth, export}, {export, auth}} {
		j := journeyOf(t0.Add(48*time.Hour), order...)
		if j.GetStatus() != completed || j.GetStage() != conneventsv1.Stage_STAGE_COMPLETION ||
			j.GetCurrentStep() != conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED {
			t.Fatalf("status/stage/step = %v/%v/%v", j.GetStatus(), j.GetStage(), j.GetCurrentStep())
		}
		if !proto.Equal(j.GetLatestExport(), export.GetExport()) || j.GetLatestExport().GetTotalResources() == 0 {
			t.Errorf("latest export = %v", j.GetLatestExport())
		}
		if !j.GetStepTimes().GetAuthorizedAt().AsTime().Equal(t0) || !j.GetStepTimes().GetCompletedAt().AsTime().Equal(t0.Add(3*time.Hour)) {
			t.Errorf("step times = %v", j.GetStepTimes())
		}
		if j.GetStallAt() != nil || j.GetFailureReason() != 0 {
			t.Errorf("a completed journey has stall_at %v, failure %v", j.GetStallAt(), j.GetFailureReason())
		}
		if j.GetConnection().GetOrgConnectionId() == "" || j.GetConnection().GetPlatformType() != "epic" || j.GetApiMode() != conneventsv1.ApiMode_API_MODE_TEST {
			t.Errorf("connection/api mode = %v/%v", j.GetConnection(), j.GetApiMode())
		}
	}
}

func mustKey(tb testing.TB, ev *conneventsv1.ConnectionEvent) Key {
	tb.Helper()
	k, ok := KeyOf(ev)
	if !ok {
		tb.Fatal("event belongs to no journey")
	}
	return k
}

func TestRevokedThenAuthorizedAgainIsInProgress(t *testing.T) {
	auth1 := fastenEvent(t, fasten.TypeConnectionSuccess, t0, 1, fasten.WithVariant("authorized"))
	rev := fastenEvent(t, fasten.TypeAuthorizationRevoked, t0.Add(time.Hour), 2)
	auth2 := fastenEvent(t, fasten.TypeConnectionSuccess, t0.Add(2*time.Hour), 3, fasten.WithVariant("authorized"))
	now := t0.Add(2*time.Hour + time.Minute)

	if j := journeyOf(now, auth1, rev); j.GetStatus() != revoked {
		t.Fatalf("authorized, revoked: status %v, want REVOKED", j.GetStatus())
	}
	for _, order := range [][]*conneventsv1.ConnectionEvent{{auth1, rev, auth2}, {auth2, rev, auth1}, {rev, auth2, auth1}} {
		j := journeyOf(now, order...)
		if j.GetStatus() != inProgress || j.GetCurrentStep() != conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED {
			t.Fatalf("re-authorized: status/step %v/%v, want IN_PROGRESS/AUTHORIZED", j.GetStatus(), j.GetCurrentStep())
		}
		if !j.GetStepTimes().GetAuthorizedAt().AsTime().Equal(t0.Add(2*time.Hour)) || !j.GetStepTimes().GetRevokedAt().AsTime().Equal(t0.Add(time.Hour)) {
			t.Errorf("step times: %v", j.GetStepTimes())
		}
		if !j.GetStallAt().AsTime().Equal(t0.Add(2*time.Hour + DefaultThresholds().Authorized)) {
			t.Errorf("stall_at %v runs from the re-authorization", j.GetStallAt().AsTime())
		}
	}
	// A revocation after a completed export ends the journey as REVOKED.
	export := fastenEvent(t, fasten.TypeEHIExportSuccess, t0.Add(3*time.Hour), 4)
	late := fastenEvent(t, fasten.TypeAuthorizationRevoked, t0.Add(4*time.Hour), 5)
	if j := journeyOf(now, late, export, auth2); j.GetStatus() != revoked || j.GetLatestExport() == nil {
		t.Errorf("completed then revoked: status %v export %v", j.GetStatus(), j.GetLatestExport() != nil)
	}
}

func TestOneUpJourneyCountsResources(t *testing.T) {
	evs := []*conneventsv1.ConnectionEvent{
		up(t, oneup.SubtypeSystemSearchResults, t0, 1, "0"),
		up(t, oneup.SubtypeSystemSelected, t0.Add(time.Minute), 2, "0"),
		up(t, oneup.SubtypeMemberAuthorization, t0.Add(2*time.Minute), 3, "0"),
		up(t, oneup.SubtypeDataTransferInitiated, t0.Add(3*time.Minute), 4, "0"),
		up(t, oneup.SubtypeResourceIngestionResult, t0.Add(4*time.Minute), 5, "0"),
		up(t, oneup.SubtypeResourceRetrievalFailure, t0.Add(5*time.Minute), 6, "4"),
		up(t, oneup.SubtypeResourceIngestionResult, t0.Add(6*time.Minute), 7, "4"),
		up(t, oneup.SubtypeResourceRetrievalFailure, t0.Add(7*time.Minute), 8, "8"),
	}
	j := journeyOf(t0.Add(time.Hour), evs...)
	if j.GetStatus() != inProgress || j.GetResourcesIngested() != 2 || j.GetResourceRetrievalFailures() != 2 {
		t.Fatalf("mid-transfer with retrieval failures: status %v resources %d failures %d, want IN_PROGRESS 2 2",
			j.GetStatus(), j.GetResourcesIngested(), j.GetResourceRetrievalFailures())
	}
	if j.GetCurrentStep() != conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED || j.GetStage() != conneventsv1.Stage_STAGE_TRANSFER {
		t.Errorf("step/stage = %v/%v", j.GetCurrentStep(), j.GetStage())
	}
	if !j.GetLastProgressAt().AsTime().Equal(t0.Add(7 * time.Minute)) {
		t.Errorf("last progress %v: resource events are progress", j.GetLastProgressAt().AsTime())
	}
	j = journeyOf(t0.Add(time.Hour), append(evs, up(t, oneup.SubtypeMemberDataIngestionCompleted, t0.Add(8*time.Minute), 9, ""))...)
	if j.GetStatus() != completed || j.GetEventCount() != 9 || j.GetSequence() != 9 {
		t.Errorf("completed: status %v count %d sequence %d", j.GetStatus(), j.GetEventCount(), j.GetSequence())
	}
	if j.GetHealthSystem().GetName() != "Humana" || j.GetPatient().GetOneupUserId() != "118044" || j.GetPatient().GetFhirPatientReference() != "Patient/p1" {
		t.Errorf("identities: %v %v", j.GetHealthSystem(), j.GetPatient())
	}
}

func TestStatuses(t *testing.T) {
	th := Thresholds{Discovery: time.Hour, Authorized: 2 * time.Hour, Transfer: 24 * time.Hour}
	tests := []struct {
		name   string
		events []*conneventsv1.ConnectionEvent
		now    time.Time
		want   conneventsv1.ConnectionStatus
		reason conneventsv1.FailureReason
	}{
		{"selected, within the threshold", []*conneventsv1.ConnectionEvent{up(t, oneup.SubtypeSystemSelected, t0, 1, "0")},
			t0.Add(time.Hour - time.Nanosecond), inProgress, 0},
		{"selected, at the threshold", []*conneventsv1.ConnectionEvent{up(t, oneup.SubtypeSystemSelected, t0, 1, "0")},
			t0.Add(time.Hour), stalled, 0},
		{"authorized, past the threshold", []*conneventsv1.ConnectionEvent{up(t, oneup.SubtypeMemberAuthorization, t0, 1, "0")},
			t0.Add(3 * time.Hour), stalled, 0},
		{"transfer, resources keep it going", []*conneventsv1.ConnectionEvent{
			up(t, oneup.SubtypeDataTransferInitiated, t0, 1, "0"),
			up(t, oneup.SubtypeResourceIngestionResult, t0.Add(20*time.Hour), 2, "0")},
			t0.Add(30 * time.Hour), inProgress, 0},
		{"transfer, silent for a day", []*conneventsv1.ConnectionEvent{
			up(t, oneup.SubtypeDataTransferInitiated, t0, 1, "0"),
			up(t, oneup.SubtypeResourceIngestionResult, t0.Add(20*time.Hour), 2, "0")},
			t0.Add(44 * time.Hour), stalled, 0},
		{"stalled, then an event moves it on", []*conneventsv1.ConnectionEvent{
			up(t, oneup.SubtypeDataTransferInitiated, t0, 1, "0"),
			up(t, oneup.SubtypeMemberDataIngestionCompleted, t0.Add(40*time.Hour), 2, "")},
			t0.Add(41 * time.Hour), completed, 0},
		{"timed out", []*conneventsv1.ConnectionEvent{
			up(t, oneup.SubtypeDataTransferInitiated, t0, 1, "0"),
			up(t, oneup.SubtypeMemberDataIngestionTimeout, t0.Add(time.Hour), 2, "")},
			t0.Add(100 * time.Hour), failed, conneventsv1.FailureReason_FAILURE_REASON_TIMEOUT},
		{"declined never stalls", []*conneventsv1.ConnectionEvent{up(t, oneup.SubtypeMemberAuthorization, t0, 1, "4")},
			t0.Add(1000 * time.Hour), declined, 0},
		{"revoked never stalls", []*conneventsv1.ConnectionEvent{fastenEvent(t, fasten.TypeAuthorizationRevoked, t0, 1)},
			t0.Add(1000 * time.Hour), revoked, 0},
		{"a failure wins over an earlier completion", []*conneventsv1.ConnectionEvent{
			fastenEvent(t, fasten.TypeEHIExportSuccess, t0, 1),
			fastenEvent(t, fasten.TypeEHIExportFailed, t0.Add(time.Hour), 2, fasten.WithVariant("scope_patient_missing"))},
			t0.Add(2 * time.Hour), failed, conneventsv1.FailureReason_FAILURE_REASON_PATIENT_SCOPE_MISSING},
		{"only unmapped events: in progress, never stalls", []*conneventsv1.ConnectionEvent{up(t, "brand-new", t0, 1, "0")},
			t0.Add(1000 * time.Hour), inProgress, 0},
		{"retrieval failures alone are not a failure", []*conneventsv1.ConnectionEvent{
			up(t, oneup.SubtypeResourceRetrievalFailure, t0, 1, "8"),
			up(t, oneup.SubtypeResourceRetrievalFailure, t0.Add(time.Minute), 2, "12")},
			t0.Add(time.Hour), inProgress, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Fold(tc.events)
			j := st.Journey("cnx_x", tc.now, th)
			if j.GetStatus() != tc.want || j.GetFailureReason() != tc.reason {
				t.Errorf("status %v reason %v, want %v %v", j.GetStatus(), j.GetFailureReason(), tc.want, tc.reason)
			}
			if got := st.Status(tc.now, th); got != j.GetStatus() {
				t.Errorf("Status() = %v, Journey().status = %v", got, j.GetStatus())
			}
			if (j.GetStatus() == stalled) != (j.GetStallAt() != nil && !tc.now.Before(j.GetStallAt().AsTime())) {
				t.Errorf("stalled = %v but stall_at %v at now %v", j.GetStatus() == stalled, j.GetStallAt(), tc.now)
			}
		})
	}
}

func TestZeroThresholdNeverStalls(t *testing.T) {
	st := Fold([]*conneventsv1.ConnectionEvent{up(t, oneup.SubtypeMemberAuthorization, t0, 1, "0")})
	th := DefaultThresholds()
	th.Authorized = 0
	if got := st.Status(t0.Add(10000*time.Hour), th); got != inProgress {
		t.Errorf("status %v with the authorized threshold disabled, want IN_PROGRESS", got)
	}
	if _, ok := st.StallAt(th); ok {
		t.Error("StallAt reported a time with the threshold disabled")
	}
}

// TestTiesDoNotDependOnArrival: events at the same time (Fasten dates to
// the second) are ordered by the vendor's event id, so which one the store
// received first, and gave the lower sequence, does not change the state.
func TestTiesDoNotDependOnArrival(t *testing.T) {
	auth := fastenEvent(t, fasten.TypeConnectionSuccess, t0, 5, fasten.WithVariant("authorized"))
	rev := fastenEvent(t, fasten.TypeAuthorizationRevoked, t0, 6)
	for _, ids := range [][2]string{{"evt_a", "evt_b"}, {"evt_b", "evt_a"}} {
		auth.SourceEventId, rev.SourceEventId = ids[0], ids[1]
		want := revoked // the revocation's id is the greater
		if ids[0] > ids[1] {
			want = inProgress
		}
		for _, seqs := range [][2]int64{{5, 6}, {7, 6}} {
			auth.Sequence, rev.Sequence = seqs[0], seqs[1]
			if j := journeyOf(t0, auth, rev); j.GetStatus() != want {
				t.Errorf("ids %v, sequences %v: %v, want %v", ids, seqs, j.GetStatus(), want)
			}
		}
	}
}

func TestEventWithoutOccurredAtUsesReceivedAt(t *testing.T) {
	auth := fastenEvent(t, fasten.TypeConnectionSuccess, t0, 1, fasten.WithVariant("authorized"))
	rev := fastenEvent(t, fasten.TypeAuthorizationRevoked, t0, 2)
	rev.OccurredAt, rev.ReceivedAt = nil, timestamppb.New(t0.Add(-time.Hour))
	j := journeyOf(t0, auth, rev)
	if j.GetStatus() != inProgress || !j.GetFirstEventAt().AsTime().Equal(t0.Add(-time.Hour)) {
		t.Errorf("status %v first %v: the revocation was received an hour before the authorization", j.GetStatus(), j.GetFirstEventAt().AsTime())
	}
}

func TestDuplicatesCountOnce(t *testing.T) {
	a := up(t, oneup.SubtypeResourceIngestionResult, t0, 3, "0")
	b := up(t, oneup.SubtypeResourceIngestionResult, t0.Add(time.Second), 4, "0")
	again := proto.Clone(a).(*conneventsv1.ConnectionEvent)
	later := proto.Clone(b).(*conneventsv1.ConnectionEvent)
	later.Sequence = 90 // stored again after its first copy was pruned
	want := journeyOf(t0, a, b)
	got := journeyOf(t0, b, again, a, later, b)
	if !proto.Equal(got, want) {
		t.Errorf("with duplicates:\n got %v\nwant %v", got, want)
	}
	if got.GetEventCount() != 2 || got.GetResourcesIngested() != 2 || got.GetSequence() != 4 {
		t.Errorf("count %d resources %d sequence %d, want 2 2 4", got.GetEventCount(), got.GetResourcesIngested(), got.GetSequence())
	}
}

func TestIdentitiesAreTheLatestOfEachField(t *testing.T) {
	first := fastenEvent(t, fasten.TypeConnectionSuccess, t0, 1, fasten.WithVariant("authorized"),
		fasten.WithData("external_id", "ext-old"), fasten.WithData("platform_type", "cerner"))
	second := fastenEvent(t, fasten.TypeEHIExportSuccess, t0.Add(time.Hour), 2, fasten.WithData("external_id", "ext-new"))
	second.Connection.PlatformType = ""
	j := journeyOf(t0, second, first)
	if j.GetPatient().GetExternalId() != "ext-new" || j.GetConnection().GetPlatformType() != "cerner" {
		t.Errorf("external id %q platform %q, want the latest of each: ext-new cerner",
			j.GetPatient().GetExternalId(), j.GetConnection().GetPlatformType())
	}
	if j.GetConnection().GetConnectionStatus() != "authorized" || j.GetHealthSystem().GetOrgId() == "" || j.GetHealthSystem().GetBrandId() == "" {
		t.Errorf("fields only the earlier event carries are kept: %v %v", j.GetConnection(), j.GetHealthSystem())
	}
}

func TestEmptyState(t *testing.T) {
	var st State
	if !st.Empty() {
		t.Fatal("the zero State is not empty")
	}
	j := st.Journey("cnx_x", t0, DefaultThresholds())
	if j.GetEventCount() != 0 || j.GetFirstEventAt() != nil || j.GetStallAt() != nil {
		t.Errorf("empty journey: %v", j)
	}
}

// TestProgressNearTheLastTimestampNeverStalls: a step dated so late that
// its stall time is past what a Timestamp can hold does not stall, and the
// journey still encodes (such a stall time once broke every read of it).
func TestProgressNearTheLastTimestampNeverStalls(t *testing.T) {
	late := time.Date(9999, 12, 31, 20, 0, 0, 0, time.UTC)
	st := Fold([]*conneventsv1.ConnectionEvent{up(t, oneup.SubtypeMemberAuthorization, late, 1, "0")})
	if at, ok := st.StallAt(DefaultThresholds()); ok {
		t.Errorf("StallAt = %v, want none", at)
	}
	j := st.Journey("cnx_test", late, DefaultThresholds())
	if _, err := protojson.Marshal(j); err != nil {
		t.Fatalf("the journey does not encode: %v", err)
	}
	if j.GetStatus() != inProgress {
		t.Errorf("status %v, want IN_PROGRESS", j.GetStatus())
	}
}

// TestEventAtTheZeroTimeHasATime: an event dated 0001-01-01T00:00:00Z (Go's
// zero time, which the fold reads as "no time") still gives its journey a
// first and last event time and a step time (without them a store could
// not index the journey).
func TestEventAtTheZeroTimeHasATime(t *testing.T) {
	var zero time.Time
	auth := fastenEvent(t, fasten.TypeConnectionSuccess, zero, 1, fasten.WithVariant("authorized"))
	j := journeyOf(t0, auth)
	if j.GetFirstEventAt() == nil || j.GetLastEventAt() == nil || j.GetStepTimes().GetAuthorizedAt() == nil {
		t.Fatalf("first %v last %v authorized %v, want times near year 1", j.GetFirstEventAt(), j.GetLastEventAt(), j.GetStepTimes().GetAuthorizedAt())
	}
	if got := j.GetFirstEventAt().AsTime(); got.Sub(zero) != time.Nanosecond {
		t.Errorf("first event at %v, want a nanosecond after the zero time", got)
	}
}
