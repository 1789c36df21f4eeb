// Package apijson encodes the API's protobuf messages as the JSON its REST
// routes and streams answer with: protojson's canonical form with default
// values emitted (lowerCamelCase names, enums by name, 64-bit integers as
// strings, Timestamps in RFC 3339, empty lists and zero scalars present).
//
// It exists for speed: a page of 100 events is most of a REST read's CPU,
// and protojson sorts every message's fields and checks every option on
// the way. This encoder walks each message's fields in declaration order
// (protojson's key order) and appends to one buffer. What it does not
// specialise — well-known types other than Timestamp and Duration, proto2
// and editions messages, extensions — it hands to protojson, so every
// message encodes. Its output is protojson's, as JSON values: a
// differential test and a fuzz target hold it to that.
package apijson

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Protojson returns the protojson configuration this package reproduces,
// which also encodes what it hands on.
func Protojson() protojson.MarshalOptions {
	return protojson.MarshalOptions{EmitDefaultValues: true}
}

// Marshal returns m's JSON.
func Marshal(m proto.Message) ([]byte, error) {
	return Append(nil, m)
}

// Append appends m's JSON to b.
func Append(b []byte, m proto.Message) ([]byte, error) {
	if m == nil {
		return append(b, "{}"...), nil
	}
	return appendMessage(b, m.ProtoReflect())
}

func appendMessage(b []byte, m protoreflect.Message) ([]byte, error) {
	md := m.Descriptor()
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		return appendTimestamp(b, m)
	case "google.protobuf.Duration":
		return appendDuration(b, m)
	}
	if !plain(md) {
		return Protojson().MarshalAppend(b, m.Interface())
	}
	b = append(b, '{')
	first := true
	for _, f := range planOf(md) {
		if f.fd.HasPresence() && !m.Has(f.fd) {
			continue // unset messages, oneofs and optional scalars are left out
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		var err error
		if b, err = appendField(b, f.fd, m.Get(f.fd)); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// field is a message's field with its key written out: `"jsonName":`.
type field struct {
	fd  protoreflect.FieldDescriptor
	key []byte
}

// plans holds each message descriptor's fields in declaration order. It
// grows with the descriptors encoded: the generated ones, a fixed set (a
// caller building descriptors per request would make it grow without
// bound).
var plans sync.Map // protoreflect.MessageDescriptor → []field

func planOf(md protoreflect.MessageDescriptor) []field {
	if p, ok := plans.Load(md); ok {
		return p.([]field)
	}
	fields := md.Fields()
	p := make([]field, fields.Len())
	for i := range p {
		fd := fields.Get(i)
		p[i] = field{fd: fd, key: append(appendString(nil, fd.JSONName()), ':')}
	}
	plans.Store(md, p)
	return p
}

// plain reports whether md is a message this package encodes itself: a
// proto3 message that is not a well-known type and takes no extensions.
func plain(md protoreflect.MessageDescriptor) bool {
	return md.Syntax() == protoreflect.Proto3 && md.ParentFile().Package() != "google.protobuf" &&
		md.ExtensionRanges().Len() == 0
}

func appendField(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) ([]byte, error) {
	switch {
	case fd.IsList():
		return appendList(b, fd, v.List())
	case fd.IsMap():
		return appendMap(b, fd, v.Map())
	}
	return appendValue(b, fd, v)
}

func appendList(b []byte, fd protoreflect.FieldDescriptor, l protoreflect.List) ([]byte, error) {
	b = append(b, '[')
	for i := range l.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, fd, l.Get(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendMap writes a map's entries in key order, as protojson does.
func appendMap(b []byte, fd protoreflect.FieldDescriptor, mp protoreflect.Map) ([]byte, error) {
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.SortFunc(keys, compareKeys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendText(b, fd.MapKey(), k.String()); err != nil {
			return b, err
		}
		b = append(b, ':')
		if b, err = appendValue(b, fd.MapValue(), mp.Get(k)); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// compareKeys orders map keys of one kind: strings as bytes, numbers by
// value, false before true.
func compareKeys(x, y protoreflect.MapKey) int {
	switch v := x.Interface().(type) {
	case string:
		return compareOrdered(v, y.String())
	case bool:
		return compareOrdered(boolRank(v), boolRank(y.Bool()))
	case int32, int64:
		return compareOrdered(x.Int(), y.Int())
	default:
		return compareOrdered(x.Uint(), y.Uint())
	}
}

func boolRank(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

func compareOrdered[T int64 | uint64 | string](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func appendValue(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) ([]byte, error) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool()), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return append(strconv.AppendInt(append(b, '"'), v.Int(), 10), '"'), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return append(strconv.AppendUint(append(b, '"'), v.Uint(), 10), '"'), nil
	case protoreflect.FloatKind:
		return appendFloat(b, v.Float(), 32), nil
	case protoreflect.DoubleKind:
		return appendFloat(b, v.Float(), 64), nil
	case protoreflect.StringKind:
		return appendText(b, fd, v.String())
	case protoreflect.BytesKind:
		b = append(b, '"')
		return append(base64.StdEncoding.AppendEncode(b, v.Bytes()), '"'), nil
	case protoreflect.EnumKind:
		return appendEnum(b, fd.Enum(), v.Enum()), nil
	}
	return appendMessage(b, v.Message()) // MessageKind: GroupKind is proto2, never here
}

// appendEnum writes an enum value by name, or by number when it has none.
func appendEnum(b []byte, ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) []byte {
	if ed.FullName() == "google.protobuf.NullValue" {
		return append(b, "null"...)
	}
	if ev := ed.Values().ByNumber(n); ev != nil {
		return appendString(b, string(ev.Name()))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendFloat writes a number as protojson does: NaN and the infinities
// as strings, exponents only for very large and very small magnitudes.
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		small, large := abs < 1e-6, abs >= 1e21
		if bits == 32 {
			small, large = float32(abs) < 1e-6, float32(abs) >= 1e21
		}
		if small || large {
			format = 'e'
		}
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, bits)
	// 1e-07, not 1e-7: drop the exponent's leading zero as JSON encoders do.
	if n := len(b); format == 'e' && n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// appendText writes a string value or map key, refusing invalid UTF-8 as
// protojson does (the error names the field, never the text).
func appendText(b []byte, fd protoreflect.FieldDescriptor, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return b, fmt.Errorf("apijson: field %s holds invalid UTF-8", fd.FullName())
	}
	return appendString(b, s), nil
}

// appendString writes s, valid UTF-8, as a JSON string: quote, backslash
// and control characters escaped, everything else as is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// The bounds of protojson's Timestamp (years 1 to 9999) and Duration
// (about ±10,000 years).
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
	maxDurationSeconds  = 315576000000
)

// appendTimestamp writes a Timestamp in RFC 3339, UTC, with 0, 3, 6 or 9
// fractional digits.
func appendTimestamp(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsNanos(m)
	if secs < minTimestampSeconds || secs > maxTimestampSeconds || nanos < 0 || nanos >= 1e9 {
		return b, fmt.Errorf("apijson: %s out of range", m.Descriptor().FullName())
	}
	b = append(b, '"')
	b = time.Unix(secs, nanos).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000000")
	b = trimFraction(b)
	return append(b, 'Z', '"'), nil
}

// appendDuration writes a Duration as seconds with 0, 3, 6 or 9
// fractional digits and an `s`.
func appendDuration(b []byte, m protoreflect.Message) ([]byte, error) {
	secs, nanos := secondsNanos(m)
	if secs < -maxDurationSeconds || secs > maxDurationSeconds || nanos <= -1e9 || nanos >= 1e9 ||
		(secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
		return b, fmt.Errorf("apijson: %s out of range", m.Descriptor().FullName())
	}
	b = append(b, '"')
	if secs < 0 || nanos < 0 {
		b = append(b, '-')
		secs, nanos = -secs, -nanos
	}
	b = strconv.AppendInt(b, secs, 10)
	b = append(b, '.')
	var digits [10]byte
	frac := strconv.AppendInt(digits[:0], nanos+1e9, 10) // "1" and nine digits
	b = trimFraction(append(b, frac[1:]...))
	return append(b, 's', '"'), nil
}

// secondsNanos reads a Timestamp's or a Duration's two fields.
func secondsNanos(m protoreflect.Message) (int64, int64) {
	fields := m.Descriptor().Fields()
	return m.Get(fields.ByNumber(1)).Int(), m.Get(fields.ByNumber(2)).Int()
}

// trimFraction drops trailing groups of three zeros from the nine
// fractional digits that end b, and the point if none is left.
func trimFraction(b []byte) []byte {
	for range 3 {
		n := len(b)
		if string(b[n-3:]) != "000" {
			return b
		}
		b = b[:n-3]
	}
	return b[:len(b)-1] // the point
}
