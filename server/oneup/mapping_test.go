package oneup

import (
	"os"
	"path/filepath"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// TestMappingTable states the mapping of each fixture explicitly, so that a
// wrong golden cannot be accepted by -update unnoticed.
func TestMappingTable(t *testing.T) {
	type (
		et = conneventsv1.EventType
		st = conneventsv1.Stage
		oc = conneventsv1.Outcome
		fr = conneventsv1.FailureReason
	)
	const (
		disc, auth, xfer, done, other = conneventsv1.Stage_STAGE_DISCOVERY, conneventsv1.Stage_STAGE_AUTHORIZATION,
			conneventsv1.Stage_STAGE_TRANSFER, conneventsv1.Stage_STAGE_COMPLETION, conneventsv1.Stage_STAGE_OTHER
		none, ok, minor, serious, major = conneventsv1.Outcome_OUTCOME_UNSPECIFIED, conneventsv1.Outcome_OUTCOME_SUCCESS,
			conneventsv1.Outcome_OUTCOME_MINOR_FAILURE, conneventsv1.Outcome_OUTCOME_SERIOUS_FAILURE,
			conneventsv1.Outcome_OUTCOME_MAJOR_FAILURE
		noFail = conneventsv1.FailureReason_FAILURE_REASON_UNSPECIFIED
	)
	tests := []struct {
		fixture string
		typ     et
		stage   st
		outcome oc
		reason  fr
	}{
		{"system-search-results", conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, disc, ok, noFail},
		{"system-search-results-zero-base64", conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, disc, minor, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"system-selected", conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, disc, ok, noFail},
		{"member-authorization-success", conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, auth, ok, noFail},
		{"member-authorization-failure-outcome", conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, auth, minor, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"member-authorization-declined-details", conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, auth, none, noFail},
		{"member-authorization-access-denied-success-outcome", conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, auth, ok, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"member-authorization-no-outcome", conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, auth, none, noFail},
		{"payer-connection-not-established", conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, auth, serious, conneventsv1.FailureReason_FAILURE_REASON_CONNECTION_NOT_ESTABLISHED},
		{"payer-connection-not-established-no-outcome", conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, auth, serious, conneventsv1.FailureReason_FAILURE_REASON_CONNECTION_NOT_ESTABLISHED},
		{"payer-connection-not-established-major", conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, auth, major, conneventsv1.FailureReason_FAILURE_REASON_CONNECTION_NOT_ESTABLISHED},
		{"data-transfer-initiated", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, xfer, ok, noFail},
		{"data-transfer-initiated-failure", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, xfer, serious, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"resource-retrieval-failure", conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED, xfer, minor, conneventsv1.FailureReason_FAILURE_REASON_RETRIEVAL_FAILED},
		{"resource-retrieval-failure-serious", conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED, xfer, serious, conneventsv1.FailureReason_FAILURE_REASON_RETRIEVAL_FAILED},
		{"resource-ingestion-result", conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED, xfer, ok, noFail},
		{"resource-ingestion-result-minor", conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED, xfer, minor, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"member-data-ingestion-completed", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, done, ok, noFail},
		{"member-data-ingestion-completed-serious", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, done, serious, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"member-data-ingestion-timeout", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, done, serious, conneventsv1.FailureReason_FAILURE_REASON_TIMEOUT},
		{"member-data-ingestion-timeout-minor", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, done, minor, conneventsv1.FailureReason_FAILURE_REASON_TIMEOUT},
		{"unknown-subtype", conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, major, conneventsv1.FailureReason_FAILURE_REASON_OTHER},
		{"no-subtype-odd-types", conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, ok, noFail},
		{"patient-from-agent-who", conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, disc, none, noFail},
		{"subtype-known-after-unknown", conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, done, ok, noFail},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev := normalizeFixture(t, tt.fixture)
			if ev.GetType() != tt.typ || ev.GetStage() != tt.stage || ev.GetOutcome() != tt.outcome {
				t.Errorf("got %v/%v/%v, want %v/%v/%v", ev.GetType(), ev.GetStage(), ev.GetOutcome(), tt.typ, tt.stage, tt.outcome)
			}
			if got := ev.GetFailure().GetReason(); got != tt.reason {
				t.Errorf("failure reason %v, want %v", got, tt.reason)
			}
			if ev.GetSource() != conneventsv1.Source_SOURCE_ONEUP || ev.GetId() != "" || ev.GetSequence() != 0 || ev.GetReceivedAt() != nil {
				t.Errorf("source/id/sequence/received_at wrong: %v", ev)
			}
		})
	}
}

func normalizeFixture(t *testing.T, name string) *conneventsv1.ConnectionEvent {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Normalize(raw)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	return ev
}
