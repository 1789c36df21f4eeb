package journey

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// Short names for the tests.
const (
	inProgress = conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS
	completed  = conneventsv1.ConnectionStatus_CONNECTION_STATUS_COMPLETED
	failed     = conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED
	declined   = conneventsv1.ConnectionStatus_CONNECTION_STATUS_DECLINED
	revoked    = conneventsv1.ConnectionStatus_CONNECTION_STATUS_REVOKED
	stalled    = conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED
)

// TestMappingRows folds one event of every row of model.md's mapping table,
// normalized from a real vendor payload, into a journey of its own.
func TestMappingRows(t *testing.T) {
	at := t0
	up := func(subtype, outcome string) func(testing.TB) *conneventsv1.ConnectionEvent {
		return func(tb testing.TB) *conneventsv1.ConnectionEvent {
			return oneupEvent(tb, oneuptest.Event{Subtype: subtype, Recorded: at, Outcome: outcome, PatientID: "p1"}, 7)
		}
	}
	fa := func(typ string, opts ...fasten.SampleOption) func(testing.TB) *conneventsv1.ConnectionEvent {
		return func(tb testing.TB) *conneventsv1.ConnectionEvent { return fastenEvent(tb, typ, at, 7, opts...) }
	}
	variant := fasten.WithVariant
	type want struct {
		inJourney bool
		kind      Kind
		status    conneventsv1.ConnectionStatus
		step      conneventsv1.EventType
		stage     conneventsv1.Stage
		reason    conneventsv1.FailureReason
		resources int64
		failures  int64
		stallAt   time.Duration // 0: no stall_at
	}
	const (
		discovery = conneventsv1.Stage_STAGE_DISCOVERY
		authz     = conneventsv1.Stage_STAGE_AUTHORIZATION
		transfer  = conneventsv1.Stage_STAGE_TRANSFER
		complete  = conneventsv1.Stage_STAGE_COMPLETION
		other     = conneventsv1.Stage_STAGE_OTHER
	)
	th := DefaultThresholds()
	tests := []struct {
		name  string
		event func(testing.TB) *conneventsv1.ConnectionEvent
		want  want
	}{
		{"1up system-search-results", up(oneup.SubtypeSystemSearchResults, "0"),
			want{true, Searched, inProgress, conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, discovery, 0, 0, 0, th.Discovery}},
		{"1up system-selected", up(oneup.SubtypeSystemSelected, "0"),
			want{true, Selected, inProgress, conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, discovery, 0, 0, 0, th.Discovery}},
		{"fasten request_health_system (names no connection)", fa(fasten.TypeRequestHealthSystem),
			want{false, Requested, inProgress, conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED, discovery, 0, 0, 0, th.Discovery}},
		{"fasten connection_success authorized", fa(fasten.TypeConnectionSuccess, variant("authorized")),
			want{true, Authorized, inProgress, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authz, 0, 0, 0, th.Authorized}},
		{"fasten connection_success rejected", fa(fasten.TypeConnectionSuccess, variant("rejected")),
			want{true, Declined, declined, conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, authz, 0, 0, 0, 0}},
		{"fasten connection_success revoked", fa(fasten.TypeConnectionSuccess, variant("revoked")),
			want{true, Revoked, revoked, conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED, authz, 0, 0, 0, 0}},
		{"fasten connection_success other status", fa(fasten.TypeConnectionSuccess, fasten.WithData("connection_status", "pending")),
			want{true, Authorized, inProgress, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authz, 0, 0, 0, th.Authorized}},
		{"fasten connection_success missing status", fa(fasten.TypeConnectionSuccess, fasten.WithData("connection_status", nil)),
			want{true, Authorized, inProgress, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authz, 0, 0, 0, th.Authorized}},
		{"1up member-authorization success", up(oneup.SubtypeMemberAuthorization, "0"),
			want{true, Authorized, inProgress, conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authz, 0, 0, 0, th.Authorized}},
		{"1up member-authorization failure", up(oneup.SubtypeMemberAuthorization, "4"),
			want{true, Declined, declined, conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, authz, 0, 0, 0, 0}},
		{"1up payer-connection-not-established", up(oneup.SubtypePayerConnectionNotEstablished, ""),
			want{true, ConnectionFailed, failed, conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, authz,
				conneventsv1.FailureReason_FAILURE_REASON_CONNECTION_NOT_ESTABLISHED, 0, 0, 0}},
		{"fasten authorization_revoked", fa(fasten.TypeAuthorizationRevoked),
			want{true, Revoked, revoked, conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED, authz, 0, 0, 0, 0}},
		{"1up data-transfer-initiated", up(oneup.SubtypeDataTransferInitiated, "0"),
			want{true, TransferStarted, inProgress, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, transfer, 0, 0, 0, th.Transfer}},
		{"1up data-transfer-initiated failed", up(oneup.SubtypeDataTransferInitiated, "8"),
			want{true, TransferFailed, failed, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, transfer, 0, 0, 0, 0}},
		{"1up resource-retrieval-failure (counted, not a failure)", up(oneup.SubtypeResourceRetrievalFailure, ""),
			want{true, NoStep, inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, transfer, 0, 0, 1, th.Transfer}},
		{"1up resource-ingestion-result", up(oneup.SubtypeResourceIngestionResult, "0"),
			want{true, NoStep, inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, transfer, 0, 1, 0, th.Transfer}},
		{"1up member-data-ingestion-completed", up(oneup.SubtypeMemberDataIngestionCompleted, ""),
			want{true, Completed, completed, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, complete, 0, 0, 0, 0}},
		{"1up member-data-ingestion-completed serious failure", up(oneup.SubtypeMemberDataIngestionCompleted, "8"),
			want{true, TransferFailed, failed, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, complete, 0, 0, 0, 0}},
		{"fasten ehi_export_success", fa(fasten.TypeEHIExportSuccess),
			want{true, Completed, completed, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, complete, 0, 0, 0, 0}},
		{"1up member-data-ingestion-timeout", up(oneup.SubtypeMemberDataIngestionTimeout, ""),
			want{true, TransferFailed, failed, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, complete,
				conneventsv1.FailureReason_FAILURE_REASON_TIMEOUT, 0, 0, 0}},
		{"fasten ehi_export_failed", fa(fasten.TypeEHIExportFailed, variant("token_refresh_failure")),
			want{true, TransferFailed, failed, conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, complete,
				conneventsv1.FailureReason_FAILURE_REASON_TOKEN_REFRESH_FAILED, 0, 0, 0}},
		{"fasten request_support (names no connection)", fa(fasten.TypeRequestSupport),
			want{false, NoStep, inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, 0, 0, 0, 0}},
		{"fasten webhook.test (never a journey)", fa(fasten.TypeWebhookTest, fasten.WithData("org_connection_id", "oc-1")),
			want{false, NoStep, inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, 0, 0, 0, 0}},
		{"fasten unknown type", func(tb testing.TB) *conneventsv1.ConnectionEvent {
			body := `{"id":"u-1","type":"patient.records_updated","api_mode":"live","date":"` + at.Format(time.RFC3339) +
				`","data":{"org_connection_id":"oc-9","external_id":"patient-000123"}}`
			ev, err := fasten.Normalize([]byte(body))
			if err != nil {
				tb.Fatal(err)
			}
			ev.Sequence = 7
			return ev
		},
			want{true, NoStep, inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, 0, 0, 0, 0}},
		{"1up unknown subtype", up("brand-new-subtype", "0"),
			want{true, NoStep, inProgress, conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.event(t)
			_, in := KeyOf(ev)
			if in != tc.want.inJourney {
				t.Fatalf("KeyOf: in a journey = %v, want %v", in, tc.want.inJourney)
			}
			if k := KindOf(ev); k != tc.want.kind {
				t.Errorf("KindOf = %v, want %v", k, tc.want.kind)
			}
			j := journeyOf(at, ev)
			if j.GetStatus() != tc.want.status || j.GetCurrentStep() != tc.want.step || j.GetStage() != tc.want.stage {
				t.Errorf("status/step/stage = %v/%v/%v, want %v/%v/%v", j.GetStatus(), j.GetCurrentStep(), j.GetStage(),
					tc.want.status, tc.want.step, tc.want.stage)
			}
			if j.GetFailureReason() != tc.want.reason {
				t.Errorf("failure_reason = %v, want %v", j.GetFailureReason(), tc.want.reason)
			}
			if j.GetResourcesIngested() != tc.want.resources || j.GetResourceRetrievalFailures() != tc.want.failures {
				t.Errorf("resources/failures = %d/%d, want %d/%d", j.GetResourcesIngested(), j.GetResourceRetrievalFailures(),
					tc.want.resources, tc.want.failures)
			}
			if got := TimesOf(j.GetStepTimes()); tc.want.kind != NoStep && !got[tc.want.kind].Equal(at) {
				t.Errorf("step time of %v = %v, want %v", tc.want.kind, got[tc.want.kind], at)
			}
			if tc.want.stallAt == 0 && j.GetStallAt() != nil {
				t.Errorf("stall_at = %v, want none", j.GetStallAt().AsTime())
			}
			if tc.want.stallAt != 0 && !j.GetStallAt().AsTime().Equal(at.Add(tc.want.stallAt)) {
				t.Errorf("stall_at = %v, want %v", j.GetStallAt().AsTime(), at.Add(tc.want.stallAt))
			}
			if j.GetEventCount() != 1 || j.GetSequence() != 7 || !j.GetFirstEventAt().AsTime().Equal(at) || !j.GetLastEventAt().AsTime().Equal(at) {
				t.Errorf("count/sequence/first/last = %d/%d/%v/%v", j.GetEventCount(), j.GetSequence(), j.GetFirstEventAt(), j.GetLastEventAt())
			}
			if !proto.Equal(j.GetPatient(), ev.GetPatient()) {
				t.Errorf("patient = %v, want %v", j.GetPatient(), ev.GetPatient())
			}
			if !proto.Equal(j.GetHealthSystem(), ev.GetHealthSystem()) {
				t.Errorf("health system = %v, want %v", j.GetHealthSystem(), ev.GetHealthSystem())
			}
			if ev.GetExport() != nil && !proto.Equal(j.GetLatestExport(), ev.GetExport()) {
				t.Errorf("latest export = %v, want %v", j.GetLatestExport(), ev.GetExport())
			}
			if j.GetApiMode() != ev.GetApiMode() || j.GetSource() != ev.GetSource() {
				t.Errorf("api_mode/source = %v/%v, want %v/%v", j.GetApiMode(), j.GetSource(), ev.GetApiMode(), ev.GetSource())
			}
		})
	}
}
