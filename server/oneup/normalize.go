package oneup

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Normalize turns one AuditEvent (its exact JSON bytes) into a
// ConnectionEvent with Source SOURCE_ONEUP. It sets every field it can
// derive and Raw (a copy of raw); it never sets Id, Sequence or ReceivedAt,
// which belong to the ingest path.
//
// It returns a *reason.Error when raw is not a JSON object
// (MALFORMED_JSON), not an AuditEvent (NOT_AN_AUDIT_EVENT), or lacks an id
// (MISSING_ID) or a usable `recorded` (MISSING_RECORDED, INVALID_RECORDED).
// Anything else unexpected is tolerated.
func Normalize(raw []byte) (*conneventsv1.ConnectionEvent, error) {
	ae, err := decodeAuditEvent(raw)
	if err != nil {
		return nil, err
	}
	at, err := parseRecorded(ae.Recorded)
	if err != nil {
		return nil, err
	}
	code, row, known := classify(ae.Subtype)
	ev := &conneventsv1.ConnectionEvent{
		Source:          conneventsv1.Source_SOURCE_ONEUP,
		SourceEventId:   ae.ID,
		SourceEventType: code,
		Type:            row.eventType,
		Stage:           row.stage,
		Outcome:         outcomeOr(ae.Outcome, row.defaultOutcome),
		OccurredAt:      timestamppb.New(at),
		Patient:         patientOf(ae),
		HealthSystem:    healthSystemOf(ae),
		Raw:             bytes.Clone(raw),
	}
	if code == SubtypeMemberAuthorization {
		ev.Type = authorizationType(ae, ev.Outcome)
	}
	if code == SubtypeSystemSearchResults {
		ev.Search = searchOf(ae)
	}
	ev.Failure = failureOf(ae, row, known, ev)
	return ev, nil
}

// classify picks the subtype code that drives the mapping: the first known
// code among subtype[], else the first non-empty code, else "".
func classify(subtypes []coding) (string, mapping, bool) {
	first := ""
	for _, c := range subtypes {
		if row, ok := lookupSubtype(c.Code); ok {
			return c.Code, row, true
		}
		if first == "" {
			first = c.Code
		}
	}
	row, _ := lookupSubtype(first)
	return first, row, false
}

// outcomeOr maps the FHIR outcome code ("0", "4", "8", "12"; a JSON number
// is accepted too). A missing or unknown code yields def: the vendor's
// explicit outcome always wins over the table's default.
func outcomeOr(raw json.RawMessage, def conneventsv1.Outcome) conneventsv1.Outcome {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	switch strings.TrimSpace(s) {
	case "0":
		return conneventsv1.Outcome_OUTCOME_SUCCESS
	case "4":
		return conneventsv1.Outcome_OUTCOME_MINOR_FAILURE
	case "8":
		return conneventsv1.Outcome_OUTCOME_SERIOUS_FAILURE
	case "12":
		return conneventsv1.Outcome_OUTCOME_MAJOR_FAILURE
	}
	return def
}

// parseRecorded reads a FHIR instant. Accepted: RFC 3339 with or without
// fractional seconds and with Z or an offset; leniently also a date-time
// without a zone (taken as UTC).
func parseRecorded(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, reason.New(reason.MissingRecorded, "the AuditEvent has no recorded time")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			if timestamppb.New(t).CheckValid() == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, reason.New(reason.InvalidRecorded, "recorded is not a FHIR instant")
}

// isFailure reports whether o is one of the three failure outcomes.
func isFailure(o conneventsv1.Outcome) bool {
	return o >= conneventsv1.Outcome_OUTCOME_MINOR_FAILURE
}

// parseCount reads a non-negative integer such as "12" or "12.0".
func parseCount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1<<53 || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}
