package fasten

import (
	"strings"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// mapping is how one Fasten event type (or connection status) becomes a
// unified type, stage and outcome, and which type-specific payload it
// carries.
type mapping struct {
	typ     conneventsv1.EventType
	stage   conneventsv1.Stage
	outcome conneventsv1.Outcome
	payload func(*conneventsv1.ConnectionEvent, fields) // may be nil
}

// Short names for the table below.
const (
	discovery     = conneventsv1.Stage_STAGE_DISCOVERY
	authorization = conneventsv1.Stage_STAGE_AUTHORIZATION
	completion    = conneventsv1.Stage_STAGE_COMPLETION
	other         = conneventsv1.Stage_STAGE_OTHER
	unspecified   = conneventsv1.Outcome_OUTCOME_UNSPECIFIED
	success       = conneventsv1.Outcome_OUTCOME_SUCCESS
	minorFailure  = conneventsv1.Outcome_OUTCOME_MINOR_FAILURE
	seriousFail   = conneventsv1.Outcome_OUTCOME_SERIOUS_FAILURE
)

// byType maps every known type except patient.connection_success, which
// depends on its connection_status (byStatus). Read-only.
var byType = map[string]mapping{
	TypeRequestHealthSystem:  {conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED, discovery, unspecified, setHealthSystemRequest},
	TypeAuthorizationRevoked: {conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED, authorization, success, nil},
	TypeEHIExportSuccess:     {conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_COMPLETED, completion, success, setExport},
	TypeEHIExportFailed:      {conneventsv1.EventType_EVENT_TYPE_DATA_TRANSFER_FAILED, completion, seriousFail, setFailure},
	TypeRequestSupport:       {conneventsv1.EventType_EVENT_TYPE_SUPPORT_REQUESTED, other, unspecified, setSupportRequest},
	TypeWebhookTest:          {conneventsv1.EventType_EVENT_TYPE_TEST, other, unspecified, nil},
}

// byStatus maps patient.connection_success by its connection_status
// (compared case-insensitively). Read-only.
var byStatus = map[string]mapping{
	"authorized": {conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authorization, success, nil},
	"rejected":   {conneventsv1.EventType_EVENT_TYPE_CONNECTION_DECLINED, authorization, minorFailure, nil},
	"revoked":    {conneventsv1.EventType_EVENT_TYPE_CONNECTION_REVOKED, authorization, success, nil},
}

// otherStatus is patient.connection_success with a missing or unknown status.
var otherStatus = mapping{conneventsv1.EventType_EVENT_TYPE_CONNECTION_AUTHORIZED, authorization, unspecified, nil}

// unknownType is any type not in the tables: still an event.
var unknownType = mapping{conneventsv1.EventType_EVENT_TYPE_UNSPECIFIED, other, unspecified, nil}

// classify returns the mapping of a delivery.
func classify(typ string, d fields) mapping {
	if typ == TypeConnectionSuccess {
		if m, ok := byStatus[normalizeCode(d.str("connection_status"))]; ok {
			return m
		}
		return otherStatus
	}
	if m, ok := byType[typ]; ok {
		return m
	}
	return unknownType
}

// apply sets the classification and the type-specific payload.
func (m mapping) apply(ev *conneventsv1.ConnectionEvent, d fields) {
	ev.Type, ev.Stage, ev.Outcome = m.typ, m.stage, m.outcome
	if m.payload != nil {
		m.payload(ev, d)
	}
}

// normalizeCode is how vendor codes are compared: trimmed, lower case.
func normalizeCode(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
