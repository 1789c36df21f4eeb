package oneup

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/connevents/connevents/server/reason"
)

// auditEvent holds the AuditEvent elements the mapping reads. Everything
// else in the resource is ignored here and kept in the raw bytes.
type auditEvent struct {
	ResourceType string          `json:"resourceType"`
	ID           string          `json:"id"`
	Subtype      []coding        `json:"subtype"`
	Recorded     string          `json:"recorded"`
	Outcome      json.RawMessage `json:"outcome"` // "0" in R4; a number is accepted too
	OutcomeDesc  string          `json:"outcomeDesc"`
	Agent        []agent         `json:"agent"`
	Entity       []entity        `json:"entity"`
}

type coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

type codeableConcept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text"`
}

type reference struct {
	Reference string `json:"reference"`
}

type agent struct {
	Type  codeableConcept `json:"type"`
	Who   reference       `json:"who"`
	AltID string          `json:"altId"`
	Name  string          `json:"name"`
}

type entity struct {
	What   reference `json:"what"`
	Detail []detail  `json:"detail"`
}

// detail is an AuditEvent.entity.detail. Type is a string in R4 and a
// CodeableConcept in R5; both are read (see detailKey).
type detail struct {
	Type              json.RawMessage `json:"type"`
	ValueString       *string         `json:"valueString"`
	ValueBase64Binary string          `json:"valueBase64Binary"`
	ValueInteger      json.RawMessage `json:"valueInteger"`
	ValueQuantity     struct {
		Value json.RawMessage `json:"value"`
	} `json:"valueQuantity"`
}

// decodeAuditEvent decodes raw leniently: a JSON syntax error or a value
// that is not an object is MALFORMED_JSON, but an element of an unexpected
// type is skipped (encoding/json keeps decoding the rest and reports only a
// *json.UnmarshalTypeError, which is ignored).
func decodeAuditEvent(raw []byte) (*auditEvent, error) {
	if !isJSONObject(raw) {
		return nil, reason.New(reason.MalformedJSON, "the resource is not a JSON object")
	}
	var ae auditEvent
	if err := json.Unmarshal(raw, &ae); err != nil && !isTypeError(err) {
		return nil, reason.New(reason.MalformedJSON, "the resource is not valid JSON")
	}
	switch {
	case ae.ResourceType != "AuditEvent":
		return nil, reason.New(reason.NotAnAuditEvent, "resourceType is not AuditEvent")
	case ae.ID == "":
		return nil, reason.New(reason.MissingID, "the AuditEvent has no id")
	}
	return &ae, nil
}

// isJSONObject reports whether b is one valid JSON value that is an object.
func isJSONObject(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}

func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}
