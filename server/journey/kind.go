package journey

import (
	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// Kind is the step an event marks in a journey, from its unified type and
// outcome. Only step events (Kind != NoStep) decide the status.
type Kind int

// The steps, in the order of a connection's life.
const (
	// NoStep: resource events, support requests, tests, unmapped types.
	NoStep Kind = iota
	Searched
	Selected
	Requested
	Authorized
	Declined
	ConnectionFailed
	TransferStarted
	Completed
	// TransferFailed: DATA_TRANSFER_FAILED, or a transfer start or
	// completion whose outcome is a failure.
	TransferFailed
	Revoked
	numKinds
)

// KindOf returns the step ev marks.
func KindOf(ev *conneventsv1.ConnectionEvent) Kind {
	failed := isFailure(ev.GetOutcome())
	switch ev.GetType() {
	case conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED:
		return Searched
	case conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED:
		return Selected
	case conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED:
		return Requested
	case conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED:
		return Authorized
	case conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED:
		return Declined
	case conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED:
		return ConnectionFailed
	case conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED:
		return Revoked
	case conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_STARTED:
		if failed {
			return TransferFailed
		}
		return TransferStarted
	case conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED:
		if failed {
			return TransferFailed
		}
		return Completed
	case conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED:
		return TransferFailed
	}
	return NoStep
}

// isFailure reports whether o is one of the three failure outcomes.
func isFailure(o conneventsv1.Outcome) bool {
	return o >= conneventsv1.Outcome_OUTCOME_MINOR_FAILURE
}

// status is the status a journey whose latest step is k has (before the
// stall check).
func (k Kind) status() conneventsv1.ConnectionStatus {
	switch k {
	case Completed:
		return conneventsv1.ConnectionStatus_CONNECTION_STATUS_COMPLETED
	case Declined:
		return conneventsv1.ConnectionStatus_CONNECTION_STATUS_DECLINED
	case Revoked:
		return conneventsv1.ConnectionStatus_CONNECTION_STATUS_REVOKED
	case ConnectionFailed, TransferFailed:
		return conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED
	}
	return conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS
}

// Phase is the part of a connection's life whose stall threshold applies.
type Phase int

// The phases with a stall threshold.
const (
	// NoPhase: the journey cannot stall (no progress seen yet, or it ended).
	NoPhase Phase = iota
	// Discovery: the patient searched, selected or requested a system but
	// has not authorized.
	Discovery
	// AuthorizedPhase: authorized, but no transfer seen yet.
	AuthorizedPhase
	// Transfer: the transfer started (or resources are arriving) but has
	// not completed.
	Transfer
)

// phaseOf returns the phase an event moves its journey into, and false
// when the event is no progress (support requests, unmapped types).
func phaseOf(ev *conneventsv1.ConnectionEvent, k Kind) (Phase, bool) {
	switch k {
	case Searched, Selected, Requested:
		return Discovery, true
	case Authorized:
		return AuthorizedPhase, true
	case TransferStarted:
		return Transfer, true
	case NoStep:
		switch ev.GetType() {
		case conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED,
			conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED:
			return Transfer, true
		}
		return NoPhase, false
	}
	return NoPhase, true // a terminal step: progress, but nothing left to stall
}

// stageRank orders the stages a journey can reach; 0 for STAGE_OTHER and
// unset.
func stageRank(s conneventsv1.Stage) int {
	switch s {
	case conneventsv1.Stage_STAGE_DISCOVERY:
		return 1
	case conneventsv1.Stage_STAGE_AUTHORIZATION:
		return 2
	case conneventsv1.Stage_STAGE_TRANSFER:
		return 3
	case conneventsv1.Stage_STAGE_COMPLETION:
		return 4
	}
	return 0
}
