package main

import (
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup"
)

// demoStep is one thing that happens in the demo: a Fasten delivery, or a
// 1upHealth AuditEvent written to the fake FHIR API (the poller picks it
// up), or an AuditEvent pushed to connevents directly. beats is the pause
// before it, in units of the script's pace.
type demoStep struct {
	beats  int
	fasten *demoDelivery
	oneup  *demoAuditEvent
}

// demoDelivery is a Fasten delivery built with fasten.Sample.
type demoDelivery struct {
	eventType, variant string
	patient            demoFastenPatient
	// retryOf resends the delivery of this earlier step (same envelope id,
	// new date and signature), as Fasten does when it did not get a 200.
	retryOf string
	// key names the delivery so that a later step can resend it.
	key string
}

// demoFastenPatient is a patient connecting through Fasten Connect.
type demoFastenPatient struct {
	externalID, externalState, orgConnectionID, endpointID, platform string
}

// demoAuditEvent is a 1upHealth AuditEvent.
type demoAuditEvent struct {
	subtype, outcome, outcomeDesc string
	member                        demoMember
	// resultCount, when not nil, is the number of systems a search found.
	resultCount *int
	// push sends the AuditEvent written by the step with the same key to
	// POST /v1/oneup/audit-events as well: it is stored once, and one of
	// the two reads is a duplicate.
	push bool
	// key names the AuditEvent for a later push.
	key string
}

// demoMember is a 1upHealth app user connecting a health plan.
type demoMember struct {
	userID, patientID, system, systemID string
}

// The demo's people and health systems. All of it is made up.
var (
	pAlvarez = demoFastenPatient{"demo-patient-0001", "signup-7f2c91", "6a1f0c3e-5b2d-4c8e-9f10-2a3b4c5d6e01", "8e2bd4a1-6f0c-4b7e-9d3a-2c5f1e0b7a94", "epic"}
	pBrooks  = demoFastenPatient{"demo-patient-0002", "", "6a1f0c3e-5b2d-4c8e-9f10-2a3b4c5d6e02", "3c9a7e51-0d2f-4a6b-8c1e-5f7a9b2d4c60", "cerner"}
	pChen    = demoFastenPatient{"demo-patient-0003", "", "6a1f0c3e-5b2d-4c8e-9f10-2a3b4c5d6e03", "8e2bd4a1-6f0c-4b7e-9d3a-2c5f1e0b7a94", "epic"}
	pDiallo  = demoFastenPatient{"demo-patient-0004", "", "", "", ""}
	pEriksen = demoFastenPatient{"demo-patient-0005", "clinic-intake-42", "6a1f0c3e-5b2d-4c8e-9f10-2a3b4c5d6e05", "", "tefca"}

	mFarah  = demoMember{"10017", "demo-1up-patient-17", "Acme Health Plan", "acme-health-plan"}
	mGarcia = demoMember{"10018", "demo-1up-patient-18", "Summit Medicare Advantage", "summit-medicare"}
	mHughes = demoMember{"10019", "demo-1up-patient-19", "Northwind Blue", "northwind-blue"}
)

func count(n int) *int { return &n }

func fastenStep(beats int, eventType, variant string, p demoFastenPatient) demoStep {
	return demoStep{beats: beats, fasten: &demoDelivery{eventType: eventType, variant: variant, patient: p}}
}

func oneupStep(beats int, subtype, outcome string, m demoMember) demoStep {
	return demoStep{beats: beats, oneup: &demoAuditEvent{subtype: subtype, outcome: outcome, member: m}}
}

// demoScript is the demo: three Fasten patients who connect and export
// (one export fails, one connection is later revoked), one who declines,
// one who asks for a missing system and then for support, a TEFCA
// connection with no documents, three 1upHealth members (one complete
// transfer with a failed resource, one plan that cannot be reached, one
// declined then authorized transfer that times out), a Fasten retry and a
// pushed AuditEvent the poller also reads (both stored once).
func demoScript() []demoStep {
	search := func(beats int, m demoMember, found int) demoStep {
		s := oneupStep(beats, oneup.SubtypeSystemSearchResults, "0", m)
		s.oneup.resultCount = count(found)
		return s
	}
	connected := fastenStep(2, fasten.TypeConnectionSuccess, "authorized", pAlvarez)
	connected.fasten.key = "alvarez-connected"
	retry := demoStep{beats: 1, fasten: &demoDelivery{retryOf: "alvarez-connected"}}
	completed := oneupStep(2, oneup.SubtypeMemberDataIngestionCompleted, "0", mFarah)
	completed.oneup.key = "farah-completed"
	pushed := oneupStep(2, oneup.SubtypeMemberDataIngestionCompleted, "0", mFarah)
	pushed.oneup.push, pushed.oneup.key = true, "farah-completed"
	notEstablished := oneupStep(2, oneup.SubtypePayerConnectionNotEstablished, "8", mGarcia)
	notEstablished.oneup.outcomeDesc = "Unable to connect to payer: the plan's FHIR endpoint answered 502"
	timeout := oneupStep(3, oneup.SubtypeMemberDataIngestionTimeout, "8", mHughes)
	timeout.oneup.outcomeDesc = "Import did not finish within 60 minutes"
	return []demoStep{
		fastenStep(0, fasten.TypeWebhookTest, "", demoFastenPatient{}),
		search(1, mFarah, 3),
		oneupStep(1, oneup.SubtypeSystemSelected, "0", mFarah),
		connected,
		oneupStep(1, oneup.SubtypeMemberAuthorization, "0", mFarah),
		retry,
		fastenStep(1, fasten.TypeConnectionSuccess, "rejected", pBrooks),
		oneupStep(1, oneup.SubtypeDataTransferInitiated, "0", mFarah),
		oneupStep(0, oneup.SubtypeResourceIngestionResult, "0", mFarah),
		oneupStep(0, oneup.SubtypeResourceIngestionResult, "0", mFarah),
		oneupStep(0, oneup.SubtypeResourceRetrievalFailure, "4", mFarah),
		oneupStep(0, oneup.SubtypeResourceIngestionResult, "0", mFarah),
		search(2, mGarcia, 0),
		fastenStep(1, fasten.TypeRequestHealthSystem, "", pDiallo),
		search(1, mGarcia, 2),
		fastenStep(1, fasten.TypeConnectionSuccess, "authorized", pChen),
		completed,
		fastenStep(1, fasten.TypeEHIExportSuccess, "download_links", pAlvarez),
		oneupStep(1, oneup.SubtypeSystemSelected, "0", mGarcia),
		notEstablished,
		search(1, mHughes, 1),
		oneupStep(1, oneup.SubtypeSystemSelected, "0", mHughes),
		fastenStep(1, fasten.TypeEHIExportFailed, "token_refresh_failure", pChen),
		oneupStep(1, oneup.SubtypeMemberAuthorization, "4", mHughes),
		pushed,
		fastenStep(1, fasten.TypeConnectionSuccess, "tefca", pEriksen),
		oneupStep(2, oneup.SubtypeMemberAuthorization, "0", mHughes),
		fastenStep(1, fasten.TypeRequestSupport, "", pDiallo),
		oneupStep(1, oneup.SubtypeDataTransferInitiated, "0", mHughes),
		fastenStep(1, fasten.TypeEHIExportFailed, "tefca_no_documents_found", pEriksen),
		oneupStep(0, oneup.SubtypeResourceIngestionResult, "0", mHughes),
		fastenStep(2, fasten.TypeAuthorizationRevoked, "", pChen),
		timeout,
	}
}
