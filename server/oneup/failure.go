package oneup

import (
	"strings"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// failureOf builds Failure. The three failure subtypes always carry their
// reason; any other event carries FAILURE_REASON_OTHER when it failed (a
// failure outcome, or a declined authorization) and says why. Detail is
// failureText.
func failureOf(ae *auditEvent, row mapping, known bool, ev *conneventsv1.ConnectionEvent) *conneventsv1.Failure {
	text := failureText(ae)
	if known && row.failure != conneventsv1.FailureReason_FAILURE_REASON_UNSPECIFIED {
		return &conneventsv1.Failure{Reason: row.failure, Detail: text}
	}
	failed := isFailure(ev.GetOutcome()) || ev.GetType() == conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED
	if failed && text != "" {
		return &conneventsv1.Failure{Reason: conneventsv1.FailureReason_FAILURE_REASON_OTHER, Detail: text}
	}
	return nil
}

// failureText joins outcomeDesc and every entity detail whose key mentions
// status, error, message or reason ("key: value"), with "; ", cut to
// maxFailureDetail bytes on a rune boundary.
func failureText(ae *auditEvent) string {
	var parts []string
	if d := strings.TrimSpace(ae.OutcomeDesc); d != "" {
		parts = append(parts, d)
	}
	for _, kv := range detailsOf(ae) {
		v := strings.TrimSpace(kv.value)
		if v != "" && containsAny(kv.key, "status", "error", "message", "reason") {
			parts = append(parts, kv.key+": "+v)
		}
	}
	return truncate(strings.Join(parts, "; "), maxFailureDetail)
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	return strings.ToValidUTF8(s, "")
}
