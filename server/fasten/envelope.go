package fasten

import (
	"bytes"
	"encoding/json"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// envelope is the validated outer object of a delivery.
type envelope struct {
	id      string
	typ     string
	apiMode conneventsv1.ApiMode
	date    *timestamppb.Timestamp // nil when the delivery has no date
	data    fields                 // empty when data is absent or null
}

// parseEnvelope validates the envelope. Only the envelope can refuse a
// delivery; everything inside data is read leniently.
func parseEnvelope(body []byte) (*envelope, error) {
	top, ok := object(bytes.TrimLeft(body, " \t\r\n"))
	if !ok || top == nil {
		return nil, reason.New(reason.MalformedJSON, "the body is not a JSON object")
	}
	env := &envelope{id: top.str("id"), typ: top.str("type"), apiMode: apiMode(top.str("api_mode"))}
	if !isString(top["id"]) || env.id == "" {
		return nil, missingID(top)
	}
	if !isString(top["type"]) || env.typ == "" {
		return nil, reason.New(reason.MissingType, "the envelope has no string type")
	}
	var err error
	if env.date, err = parseDate(top["date"]); err != nil {
		return nil, err
	}
	if env.data, err = parseData(top["data"]); err != nil {
		return nil, err
	}
	return env, nil
}

func missingID(top fields) error {
	if _, stitch := top["event_type"]; stitch {
		return reason.New(reason.MissingID,
			"the body has event_type but no id: a browser (Stitch) event, not a webhook")
	}
	return reason.New(reason.MissingID, "the envelope has no string id")
}

// parseDate: absent or null is nil; anything else must be RFC 3339.
func parseDate(raw json.RawMessage) (*timestamppb.Timestamp, error) {
	if isAbsent(raw) {
		return nil, nil
	}
	var s string
	if isString(raw) && json.Unmarshal(raw, &s) == nil {
		if ts, ok := parseTime(s); ok {
			return ts, nil
		}
	}
	return nil, reason.New(reason.InvalidDate, "the envelope date is not an RFC 3339 time")
}

// parseData: absent or null is an empty object.
func parseData(raw json.RawMessage) (fields, error) {
	if isAbsent(raw) {
		return fields{}, nil
	}
	data, ok := object(raw)
	if !ok {
		return nil, reason.New(reason.DataNotObject, "the envelope data is not a JSON object")
	}
	return data, nil
}

// DeclaredAPIMode is the api_mode a delivery's body says, read as
// Normalize reads it, from any body: API_MODE_UNSPECIFIED when it is not a
// JSON object or says neither test nor live. It lets a receiver hold a
// delivery that cannot be normalized (kept as a dead letter) to its
// signer's mode too.
func DeclaredAPIMode(body []byte) conneventsv1.ApiMode {
	top, ok := object(bytes.TrimLeft(body, " \t\r\n"))
	if !ok || top == nil {
		return conneventsv1.ApiMode_API_MODE_UNSPECIFIED
	}
	return apiMode(top.str("api_mode"))
}

func apiMode(s string) conneventsv1.ApiMode {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "test":
		return conneventsv1.ApiMode_API_MODE_TEST
	case "live":
		return conneventsv1.ApiMode_API_MODE_LIVE
	}
	return conneventsv1.ApiMode_API_MODE_UNSPECIFIED
}

func isString(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '"' }

func isAbsent(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }
