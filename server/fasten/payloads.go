package fasten

import (
	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// failureReasons maps Fasten's failure_reason (compared case-insensitively).
// Read-only.
var failureReasons = map[string]conneventsv1.FailureReason{
	"token_refresh_failure":     conneventsv1.FailureReason_FAILURE_REASON_TOKEN_REFRESH_FAILED,
	"scope_patient_missing":     conneventsv1.FailureReason_FAILURE_REASON_PATIENT_SCOPE_MISSING,
	"resource_patient_failure":  conneventsv1.FailureReason_FAILURE_REASON_PATIENT_RESOURCE_FAILED,
	"resource_invalid_content":  conneventsv1.FailureReason_FAILURE_REASON_INVALID_CONTENT,
	"tefca_no_documents_found":  conneventsv1.FailureReason_FAILURE_REASON_NO_DOCUMENTS_FOUND,
	"suppressed_please_contact": conneventsv1.FailureReason_FAILURE_REASON_SUPPRESSED,
}

// FailureReasons returns the failure_reason values Fasten documents, each
// mapped to its own unified FailureReason.
func FailureReasons() []string {
	return []string{
		"token_refresh_failure",
		"scope_patient_missing",
		"resource_patient_failure",
		"resource_invalid_content",
		"suppressed_please_contact",
		"tefca_no_documents_found",
	}
}

// setFailure maps failure_reason and always keeps its raw text. A missing
// reason leaves Failure nil (no reason given); an unknown one is OTHER.
func setFailure(ev *conneventsv1.ConnectionEvent, d fields) {
	raw := d.str("failure_reason")
	if raw == "" {
		return
	}
	reason, ok := failureReasons[normalizeCode(raw)]
	if !ok {
		reason = conneventsv1.FailureReason_FAILURE_REASON_OTHER
	}
	ev.Failure = &conneventsv1.Failure{Reason: reason, Detail: raw}
}

// setHealthSystemRequest keeps what the patient sent about the health
// system they could not find. Personal data.
func setHealthSystemRequest(ev *conneventsv1.ConnectionEvent, d fields) {
	ev.ContactRequest = nonEmpty(&conneventsv1.ContactRequest{
		Name:          d.str("name"),
		Email:         d.str("email"),
		Website:       d.str("website"),
		StreetAddress: d.str("street_address"),
	})
}

// setSupportRequest keeps a support request; body is free text that may
// contain health information.
func setSupportRequest(ev *conneventsv1.ConnectionEvent, d fields) {
	ev.ContactRequest = nonEmpty(&conneventsv1.ContactRequest{
		Name:    d.str("name"),
		Email:   d.str("email"),
		Message: d.str("body"),
	})
}
