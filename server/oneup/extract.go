package oneup

import (
	"strings"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

const (
	userAgentPrefix  = "1up-user-"
	patientRefPrefix = "Patient/"
	custodianCode    = "CST"
	maxFailureDetail = 2048 // bytes of Failure.detail kept
)

// patientOf collects the member's 1up user id (agent named 1up-user-<id>)
// and a Patient reference (entity.what first, then agent.who).
func patientOf(ae *auditEvent) *conneventsv1.Patient {
	p := &conneventsv1.Patient{}
	for _, a := range ae.Agent {
		if id, ok := strings.CutPrefix(a.Name, userAgentPrefix); ok && id != "" && p.OneupUserId == "" {
			p.OneupUserId = id
		}
	}
	for _, e := range ae.Entity {
		p.FhirPatientReference = firstPatientRef(p.FhirPatientReference, e.What.Reference)
	}
	for _, a := range ae.Agent {
		p.FhirPatientReference = firstPatientRef(p.FhirPatientReference, a.Who.Reference)
	}
	if p.OneupUserId == "" && p.FhirPatientReference == "" {
		return nil
	}
	return p
}

// firstPatientRef keeps have, or takes ref if it is a Patient reference
// (relative `Patient/<id>` or an absolute URL ending in one).
func firstPatientRef(have, ref string) string {
	if have != "" {
		return have
	}
	if strings.HasPrefix(ref, patientRefPrefix) || strings.Contains(ref, "/"+patientRefPrefix) {
		return ref
	}
	return ""
}

// healthSystemOf reads the custodian agent: any type coding with code CST.
func healthSystemOf(ae *auditEvent) *conneventsv1.HealthSystem {
	for _, a := range ae.Agent {
		if isCustodian(a) && (a.Name != "" || a.AltID != "") {
			return &conneventsv1.HealthSystem{Name: a.Name, OneupSystemId: a.AltID}
		}
	}
	return nil
}

func isCustodian(a agent) bool {
	for _, c := range a.Type.Coding {
		if strings.EqualFold(strings.TrimSpace(c.Code), custodianCode) {
			return true
		}
	}
	return false
}

// searchOf reads the result count of a system search: the first entity
// detail whose key mentions "result" or "count" and whose value is a
// non-negative integer.
func searchOf(ae *auditEvent) *conneventsv1.Search {
	for _, kv := range detailsOf(ae) {
		if !containsAny(kv.key, "result", "count") {
			continue
		}
		if n, ok := parseCount(kv.value); ok {
			return &conneventsv1.Search{ResultCount: n}
		}
	}
	return nil
}

// authorizationType decides member-authorization: declined when the
// outcome is a failure or the event says so (see saysDeclined).
func authorizationType(ae *auditEvent, o conneventsv1.Outcome) conneventsv1.EventType {
	if isFailure(o) || saysDeclined(ae) {
		return conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED
	}
	return conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED
}

// saysDeclined reports whether outcomeDesc or any entity detail value
// contains "declin", "denied", "deny", "reject" or "refus" (any case).
func saysDeclined(ae *auditEvent) bool {
	words := []string{"declin", "denied", "deny", "reject", "refus"}
	if containsAny(ae.OutcomeDesc, words...) {
		return true
	}
	for _, kv := range detailsOf(ae) {
		if containsAny(kv.value, words...) {
			return true
		}
	}
	return false
}
