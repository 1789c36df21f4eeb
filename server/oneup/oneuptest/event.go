package oneuptest

import (
	"encoding/json"
	"time"
)

// Event describes an AuditEvent for AuditEvent to render.
type Event struct {
	// ID is the AuditEvent id.
	ID string
	// Subtype is the subtype code, such as "member-authorization".
	Subtype string
	// Recorded is the event time.
	Recorded time.Time
	// LastUpdated is meta.lastUpdated, when 1upHealth wrote the resource;
	// zero means Recorded (written as it happened).
	LastUpdated time.Time
	// Outcome is the FHIR outcome code ("0", "4", "8", "12"); "" omits it.
	Outcome string
	// UserID is the 1up user id (agent `1up-user-<id>`); "" omits it.
	UserID string
	// PatientID makes entity.what `Patient/<id>`; "" omits it.
	PatientID string
	// SystemName and SystemID describe the custodian agent; "" omits it.
	SystemName, SystemID string
}

// AuditEvent renders e as compact AuditEvent JSON shaped like 1upHealth's.
func AuditEvent(e Event) []byte {
	ae := map[string]any{
		"resourceType": "AuditEvent",
		"id":           e.ID,
		"meta":         map[string]any{"lastUpdated": e.lastUpdated().UTC().Format(time.RFC3339Nano)},
		"type":         map[string]any{"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
		"subtype":      []any{map[string]any{"code": e.Subtype, "display": e.Subtype}},
		"action":       "E",
		"recorded":     e.Recorded.UTC().Format(time.RFC3339Nano),
		"agent":        agents(e),
		"source":       map[string]any{"observer": map[string]any{"display": "1upHealth"}},
	}
	if e.Outcome != "" {
		ae["outcome"] = e.Outcome
	}
	if e.PatientID != "" {
		ae["entity"] = []any{map[string]any{"what": map[string]any{"reference": "Patient/" + e.PatientID}}}
	}
	b, err := json.Marshal(ae)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

func agents(e Event) []any {
	out := []any{}
	if e.UserID != "" {
		out = append(out, map[string]any{"name": "1up-user-" + e.UserID, "requestor": true})
	}
	if e.SystemName != "" || e.SystemID != "" {
		out = append(out, map[string]any{
			"type":  map[string]any{"coding": []any{map[string]any{"code": "CST"}}},
			"name":  e.SystemName,
			"altId": e.SystemID,
		})
	}
	return out
}

func (e Event) lastUpdated() time.Time {
	if e.LastUpdated.IsZero() {
		return e.Recorded
	}
	return e.LastUpdated
}
