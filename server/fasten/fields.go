package fasten

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// fields is a JSON object whose members are read leniently: a member of an
// unexpected JSON type reads as absent instead of failing the delivery.
// The whole body was validated as JSON before, so members are well formed.
type fields map[string]json.RawMessage

// object decodes raw as an object; ok is false for any other JSON value.
func object(raw json.RawMessage) (f fields, ok bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	return f, json.Unmarshal(raw, &f) == nil
}

// str reads a string member. A number reads as its JSON text (ids sent as
// numbers stay usable); any other type reads as "".
func (f fields) str(key string) string {
	raw := f[key]
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		return unquote(raw)
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw)
	}
	return ""
}

// unquote decodes a JSON string. One without escapes and with valid UTF-8
// is its own content, which spares a decoder run for the common case.
func unquote(raw json.RawMessage) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// integer reads an integer member, sent as a JSON number or a numeric
// string. Fractions, out-of-range values and other types read as absent.
func (f fields) integer(key string) (int64, bool) {
	return parseInteger(f[key])
}

func parseInteger(raw json.RawMessage) (int64, bool) {
	text := string(raw)
	if isString(raw) {
		text = unquote(raw)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) >= math.MaxInt64 {
		return 0, false
	}
	return int64(x), true
}

// object reads an object member.
func (f fields) object(key string) (fields, bool) {
	return object(f[key])
}

// array reads an array member; any other type reads as empty.
func (f fields) array(key string) []json.RawMessage {
	raw := f[key]
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var items []json.RawMessage
	_ = json.Unmarshal(raw, &items)
	return items
}

// timestamp reads an RFC 3339 string member; anything else, or a time out
// of the protobuf Timestamp range, reads as nil.
func (f fields) timestamp(key string) *timestamppb.Timestamp {
	ts, _ := parseTime(f.str(key))
	return ts
}

// parseTime parses an RFC 3339 time that fits a protobuf Timestamp.
func parseTime(s string) (*timestamppb.Timestamp, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, false
	}
	ts := timestamppb.New(t)
	if ts.CheckValid() != nil {
		return nil, false
	}
	return ts, true
}
