package apijson_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/apijson"
	"github.com/connevents/connevents/server/store/storetest"
)

// apiMessages is every message of the API's package.
func apiMessages(t testing.TB) []protoreflect.MessageType {
	_ = conneventsv1.File_connevents_v1_service_proto // registers the package
	var out []protoreflect.MessageType
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if mt.Descriptor().ParentFile().Package() == "connevents.v1" {
			out = append(out, mt)
		}
		return true
	})
	if len(out) < 20 {
		t.Fatalf("found %d API messages; the registry lookup is wrong", len(out))
	}
	return out
}

// sameAsProtojson fails unless m encodes to protojson's bytes (both
// compacted: protojson adds whitespace at random) or both refuse it. It
// reports whether m encoded.
func sameAsProtojson(t *testing.T, m proto.Message) bool {
	t.Helper()
	got, err := apijson.Marshal(m)
	want, wantErr := apijson.Protojson().Marshal(m)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%T: error %v, protojson's %v", m, err, wantErr)
	}
	if err != nil {
		return false
	}
	var g, w bytes.Buffer
	if err := json.Compact(&g, got); err != nil {
		t.Fatalf("%T: not JSON: %v\n%s", m, err, got)
	}
	if err := json.Compact(&w, want); err != nil {
		t.Fatal(err)
	}
	if g.String() != w.String() {
		t.Fatalf("%T:\n got %s\nwant %s", m, g.String(), w.String())
	}
	return true
}

func TestRandomAPIMessagesMatchProtojson(t *testing.T) {
	for _, mt := range apiMessages(t) {
		t.Run(string(mt.Descriptor().Name()), func(t *testing.T) {
			matchesRandomFills(t, mt)
		})
	}
}

// matchesRandomFills checks mt at its defaults and 200 random fills, of
// which most must encode: a run that only compared refusals would prove
// nothing.
func matchesRandomFills(t *testing.T, mt protoreflect.MessageType) {
	t.Helper()
	sameAsProtojson(t, mt.New().Interface()) // every field at its default
	sameAsProtojson(t, mt.Zero().Interface())
	r := rand.New(rand.NewPCG(1, uint64(len(mt.Descriptor().FullName()))))
	encoded := 0
	for range 200 {
		m := mt.New()
		fill(r, m, 3)
		if sameAsProtojson(t, m.Interface()) {
			encoded++
		}
	}
	if encoded < 100 {
		t.Errorf("only %d of 200 random %s encoded", encoded, mt.Descriptor().FullName())
	}
}

func TestEdgeValuesMatchProtojson(t *testing.T) {
	texts := []string{"", "plain", `quote " and \ backslash`, "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<&>", "é 日本 😀", "\u2028\u2029", "\ufffd"}
	for _, s := range texts {
		sameAsProtojson(t, &conneventsv1.ConnectionEvent{Id: s, Patient: &conneventsv1.Patient{ExternalId: s}})
	}
	times := []*timestamppb.Timestamp{
		{}, {Seconds: -62135596800}, {Seconds: 253402300799, Nanos: 999999999}, {Seconds: 1, Nanos: 1000},
		{Seconds: 1, Nanos: 1000000}, {Seconds: 1, Nanos: 1}, {Seconds: -1, Nanos: 5},
		{Seconds: 253402300800}, {Seconds: -62135596801}, {Nanos: -1}, {Nanos: 1e9},
	}
	for _, ts := range times {
		sameAsProtojson(t, &conneventsv1.ConnectionEvent{OccurredAt: ts})
	}
	for _, n := range []float64{0, 1, -1, 0.1, 1e-6, 1e-7, 1.5e-300, 1e20, 1e21, 1e300, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		sameAsProtojson(t, wrapperspb.Double(n))
		sameAsProtojson(t, wrapperspb.Float(float32(n)))
		sameAsProtojson(t, dynamicDouble(t, n))
	}
	sameAsProtojson(t, (*conneventsv1.ConnectionEvent)(nil))
	sameAsProtojson(t, &conneventsv1.ConnectionEvent{Type: 9999}) // an enum number without a name
}

func TestDurationsMatchProtojson(t *testing.T) {
	durations := []*durationpb.Duration{
		{}, {Seconds: 1}, {Seconds: -1}, {Nanos: 1}, {Nanos: -1}, {Seconds: 3, Nanos: 5e8}, {Seconds: -3, Nanos: -5e8},
		{Seconds: 315576000000, Nanos: 999999999}, {Seconds: 315576000001}, {Seconds: 1, Nanos: -1}, {Nanos: 1e9},
	}
	for _, d := range durations {
		m := &conneventsv1.FunnelConversion{P50: d, P90: d}
		sameAsProtojson(t, m)
	}
}

// allMessage is testdata/all.textproto's message: floats, proto3
// optional, a oneof, maps with non-string keys, a custom JSON name, an
// aliased enum, well-known types nested in a plain message.
func allMessage(t *testing.T) protoreflect.MessageType {
	t.Helper()
	text, err := os.ReadFile("testdata/all.textproto")
	if err != nil {
		t.Fatal(err)
	}
	var fdp descriptorpb.FileDescriptorProto
	if err := prototext.Unmarshal(text, &fdp); err != nil {
		t.Fatal(err)
	}
	// The well-known types' files are registered by their packages,
	// imported here.
	fd, err := protodesc.NewFile(&fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return dynamicpb.NewMessageType(fd.Messages().ByName("All"))
}

func TestRandomFeaturesMatchProtojson(t *testing.T) {
	matchesRandomFills(t, allMessage(t))
}

func TestFeatureEdgesMatchProtojson(t *testing.T) {
	mt := allMessage(t)
	fields := mt.Descriptor().Fields()
	set := func(name string, v protoreflect.Value) proto.Message {
		m := mt.New()
		m.Set(fields.ByName(protoreflect.Name(name)), v)
		return m.Interface()
	}
	message := func(name string, sub proto.Message) proto.Message {
		return set(name, protoreflect.ValueOfMessage(sub.ProtoReflect()))
	}
	for _, f := range []float32{0, 1e-7, 1e-6, 1e21, 1e20, math.MaxFloat32, math.SmallestNonzeroFloat32, 16777217, float32(math.NaN()), float32(math.Inf(-1))} {
		sameAsProtojson(t, set("f32", protoreflect.ValueOfFloat32(f)))
	}
	sameAsProtojson(t, set("opt_int", protoreflect.ValueOfInt32(0)))       // present though zero
	sameAsProtojson(t, set("choice_text", protoreflect.ValueOfString(""))) // a oneof set to its default
	sameAsProtojson(t, set("choice_kind", protoreflect.ValueOfEnum(0)))
	sameAsProtojson(t, set("nothing", protoreflect.ValueOfEnum(0)))
	sameAsProtojson(t, set("renamed", protoreflect.ValueOfInt64(-7)))
	anyTime, err := anypb.New(timestamppb.New(time.Unix(1, 5)))
	if err != nil {
		t.Fatal(err)
	}
	value, err := structpb.NewValue(map[string]any{"n": 1.5, "l": []any{"x", nil, true}})
	if err != nil {
		t.Fatal(err)
	}
	for name, sub := range map[string]proto.Message{
		"any": anyTime, "val": value, "st": value.GetStructValue(), "wrapped": wrapperspb.Int64(-3),
		"mask": &fieldmaskpb.FieldMask{Paths: []string{"a.b", "c_d"}}, "empty": &emptypb.Empty{},
	} {
		sameAsProtojson(t, message(name, sub))
	}
	// Refused alike: an Any of no known type, a mask protojson cannot name,
	// a map key that is not UTF-8.
	sameAsProtojson(t, message("any", &anypb.Any{TypeUrl: "example.com/unknown", Value: []byte{1}}))
	sameAsProtojson(t, message("mask", &fieldmaskpb.FieldMask{Paths: []string{"Upper"}}))
	bad := mt.New()
	bad.Mutable(fields.ByName("by_int")).Map().Set(protoreflect.ValueOfInt32(1).MapKey(), protoreflect.ValueOfString("\xff"))
	if sameAsProtojson(t, bad.Interface()) {
		t.Error("a map value of invalid UTF-8 encoded")
	}
}

// TestWellKnownTypesHandedOn: a message that is not a plain proto3 one is
// protojson's to encode.
func TestWellKnownTypesHandedOn(t *testing.T) {
	st, err := structpb.NewStruct(map[string]any{"a": 1.5, "b": []any{"x", nil, true}})
	if err != nil {
		t.Fatal(err)
	}
	sameAsProtojson(t, st)
	sameAsProtojson(t, wrapperspb.String("text"))
}

func TestInvalidUTF8Refused(t *testing.T) {
	_, err := apijson.Marshal(&conneventsv1.ConnectionEvent{Id: "bad \xff id"})
	if err == nil || strings.Contains(err.Error(), "bad") {
		t.Fatalf("error %v: want a refusal that does not quote the text", err)
	}
}

// FuzzMatchesProtojson: any wire bytes that decode as an event, a journey
// or a funnel encode as protojson encodes them.
func FuzzMatchesProtojson(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, m := range []proto.Message{&conneventsv1.ConnectionEvent{}, &conneventsv1.ConnectionJourney{}, &conneventsv1.GetFunnelResponse{}} {
		fill(r, m.ProtoReflect(), 3)
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []proto.Message{&conneventsv1.ConnectionEvent{}, &conneventsv1.ConnectionJourney{}, &conneventsv1.GetFunnelResponse{}} {
			if proto.Unmarshal(data, m) == nil {
				sameAsProtojson(t, m)
			}
		}
	})
}

// fill sets a random subset of m's fields to random values, nesting
// messages to depth.
func fill(r *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if r.IntN(3) == 0 || (fd.Message() != nil && (depth == 0 || handedOn(fd.Message()))) {
			continue
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.IntN(4) {
				if fd.Message() != nil {
					e := l.NewElement()
					fill(r, e.Message(), depth-1)
					l.Append(e)
				} else {
					l.Append(randomScalar(r, fd))
				}
			}
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range r.IntN(4) {
				k := randomScalar(r, fd.MapKey()).MapKey()
				if fd.MapValue().Message() == nil {
					mp.Set(k, randomScalar(r, fd.MapValue()))
				} else if depth > 0 {
					v := mp.NewValue()
					fill(r, v.Message(), depth-1)
					mp.Set(k, v)
				}
			}
		case fd.Message() != nil:
			fill(r, m.Mutable(fd).Message(), depth-1)
		default:
			m.Set(fd, randomScalar(r, fd))
		}
	}
}

// handedOn reports whether apijson gives md to protojson: a well-known
// type other than Timestamp and Duration. Random ones (an Any of a random
// type, a mask of random paths) are nearly always refused, so fill leaves
// them to TestFeatureEdgesMatchProtojson.
func handedOn(md protoreflect.MessageDescriptor) bool {
	name := md.FullName()
	return md.ParentFile().Package() == "google.protobuf" &&
		name != "google.protobuf.Timestamp" && name != "google.protobuf.Duration"
}

func randomScalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if v, ok := timeField(r, fd); ok {
			return protoreflect.ValueOfInt32(int32(v))
		}
		return protoreflect.ValueOfInt32(int32(r.Uint32()) >> r.IntN(32))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(r.Uint32() >> r.IntN(32))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if v, ok := timeField(r, fd); ok {
			return protoreflect.ValueOfInt64(v)
		}
		return protoreflect.ValueOfInt64(int64(r.Uint64()) >> r.IntN(64))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(r.Uint64() >> r.IntN(64))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(randomFloat(r)))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(randomFloat(r))
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(randomText(r))
	case protoreflect.BytesKind:
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return protoreflect.ValueOfBytes(b)
	case protoreflect.EnumKind:
		values := fd.Enum().Values()
		if r.IntN(10) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(1000 + r.IntN(100)))
		}
		return protoreflect.ValueOfEnum(values.Get(r.IntN(values.Len())).Number())
	}
	panic("no random value for " + fd.Kind().String())
}

// timeField draws a Timestamp's or a Duration's field: in range (and a
// Duration's two fields of one sign, both positive) nine times in ten, so
// that most random messages encode rather than fail in both encoders; the
// tenth is anything, for the refusals.
func timeField(r *rand.Rand, fd protoreflect.FieldDescriptor) (int64, bool) {
	name := fd.ContainingMessage().FullName()
	if (name != "google.protobuf.Timestamp" && name != "google.protobuf.Duration") || r.IntN(10) == 0 {
		return 0, false
	}
	if fd.Number() == 2 { // nanos
		return r.Int64N(1e9), true
	}
	if name == "google.protobuf.Duration" {
		return r.Int64N(315576000000), true
	}
	return r.Int64N(400*365*24*3600) - 100*365*24*3600, true
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return float64(r.IntN(1000)) / 8
	case 2:
		return math.Float64frombits(r.Uint64())
	default:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	}
}

func randomText(r *rand.Rand) string {
	const alphabet = "ab Z09\"\\\n\t\x01é日😀<>&\u2028"
	runes := []rune(alphabet)
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

// dynamicDouble is a message of one double field built at run time, so
// that doubles are checked in a plain message, not only in the wrapper
// protojson encodes itself.
func dynamicDouble(t *testing.T, v float64) proto.Message {
	t.Helper()
	md := (&conneventsv1.FunnelConversion{}).ProtoReflect().Descriptor()
	m := dynamicpb.NewMessage(md)
	fields := md.Fields()
	for i := range fields.Len() {
		if fd := fields.Get(i); fd.Kind() == protoreflect.DoubleKind && !fd.IsList() {
			m.Set(fd, protoreflect.ValueOfFloat64(v))
			return m
		}
	}
	t.Fatal("FunnelConversion has no double field")
	return nil
}

// BenchmarkPage encodes a REST page of 100 events, as the gateway does,
// with this package and with protojson.
func BenchmarkPage(b *testing.B) {
	page := &conneventsv1.ListEventsResponse{NextPageToken: "next-page-token"}
	for i := range 100 {
		ev := storetest.SampleEvent(i)
		ev.Raw = nil // the basic view, as lists answer by default
		page.Events = append(page.Events, ev)
	}
	b.Run("apijson", func(b *testing.B) {
		for b.Loop() {
			if _, err := apijson.Marshal(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("protojson", func(b *testing.B) {
		for b.Loop() {
			if _, err := apijson.Protojson().Marshal(page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
