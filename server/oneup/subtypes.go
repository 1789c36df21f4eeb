package oneup

import conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"

// The AuditEvent subtype codes 1upHealth Patient Connect records.
const (
	SubtypeSystemSearchResults           = "system-search-results"
	SubtypeSystemSelected                = "system-selected"
	SubtypeMemberAuthorization           = "member-authorization"
	SubtypePayerConnectionNotEstablished = "payer-connection-not-established"
	SubtypeDataTransferInitiated         = "data-transfer-initiated"
	SubtypeResourceRetrievalFailure      = "resource-retrieval-failure"
	SubtypeResourceIngestionResult       = "resource-ingestion-result"
	SubtypeMemberDataIngestionCompleted  = "member-data-ingestion-completed"
	SubtypeMemberDataIngestionTimeout    = "member-data-ingestion-timeout"
)

// AllSubtypes returns the nine known subtype codes, in the order of a
// connection's life. The slice is new on every call.
func AllSubtypes() []string {
	return []string{
		SubtypeSystemSearchResults,
		SubtypeSystemSelected,
		SubtypeMemberAuthorization,
		SubtypePayerConnectionNotEstablished,
		SubtypeDataTransferInitiated,
		SubtypeResourceRetrievalFailure,
		SubtypeResourceIngestionResult,
		SubtypeMemberDataIngestionCompleted,
		SubtypeMemberDataIngestionTimeout,
	}
}

// mapping is one row of model.md's mapping table.
type mapping struct {
	eventType      conneventsv1.EventType
	stage          conneventsv1.Stage
	defaultOutcome conneventsv1.Outcome
	failure        conneventsv1.FailureReason
}

// lookupSubtype returns the row for a subtype code, and false for an
// unknown code (which maps to EVENT_TYPE_UNSPECIFIED / STAGE_OTHER).
func lookupSubtype(code string) (mapping, bool) {
	const (
		discovery     = conneventsv1.Stage_STAGE_DISCOVERY
		authorization = conneventsv1.Stage_STAGE_AUTHORIZATION
		transfer      = conneventsv1.Stage_STAGE_TRANSFER
		completion    = conneventsv1.Stage_STAGE_COMPLETION
		none          = conneventsv1.Outcome_OUTCOME_UNSPECIFIED
		success       = conneventsv1.Outcome_OUTCOME_SUCCESS
		minor         = conneventsv1.Outcome_OUTCOME_MINOR_FAILURE
		serious       = conneventsv1.Outcome_OUTCOME_SERIOUS_FAILURE
		noReason      = conneventsv1.FailureReason_FAILURE_REASON_UNSPECIFIED
	)
	switch code {
	case SubtypeSystemSearchResults:
		return mapping{conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED, discovery, none, noReason}, true
	case SubtypeSystemSelected:
		return mapping{conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED, discovery, none, noReason}, true
	case SubtypeMemberAuthorization:
		return mapping{conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authorization, none, noReason}, true
	case SubtypePayerConnectionNotEstablished:
		return mapping{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, authorization, serious,
			conneventsv1.FailureReason_FAILURE_REASON_CONNECTION_NOT_ESTABLISHED}, true
	case SubtypeDataTransferInitiated:
		return mapping{conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED, transfer, none, noReason}, true
	case SubtypeResourceRetrievalFailure:
		return mapping{conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED, transfer, minor,
			conneventsv1.FailureReason_FAILURE_REASON_RETRIEVAL_FAILED}, true
	case SubtypeResourceIngestionResult:
		return mapping{conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED, transfer, none, noReason}, true
	case SubtypeMemberDataIngestionCompleted:
		return mapping{conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, completion, success, noReason}, true
	case SubtypeMemberDataIngestionTimeout:
		return mapping{conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, completion, serious,
			conneventsv1.FailureReason_FAILURE_REASON_TIMEOUT}, true
	}
	return mapping{conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, conneventsv1.Stage_STAGE_OTHER, none, noReason}, false
}
