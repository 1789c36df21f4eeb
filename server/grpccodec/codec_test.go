package grpccodec

import (
	"testing"

	"google.golang.org/grpc/encoding"
	gproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

func newCodec() codec { return codec{encoding.GetCodecV2(gproto.Name)} }

func TestEncodedSentAsIs(t *testing.T) {
	want := Encoded{1, 2, 3}
	got, err := newCodec().Marshal(want)
	if err != nil || string(got.Materialize()) != string(want) {
		t.Fatalf("Marshal(Encoded) = %v, %v", got.Materialize(), err)
	}
}

func TestUndecodableRequestsMarked(t *testing.T) {
	valid, _ := proto.Marshal(&conneventsv1.GetEventRequest{Id: "evt-1"})
	badText := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "evt-\xff")
	tests := []struct {
		name string
		wire []byte
		why  string // "" : decoded
	}{
		{"valid", valid, ""},
		{"invalid UTF-8 in a string field", badText, "a string field holds invalid UTF-8"},
		{"not protobuf", []byte{0xff, 0xff, 0xff}, "the message is not valid protobuf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &conneventsv1.GetEventRequest{}
			if err := newCodec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(tc.wire)}, m); err != nil {
				t.Fatalf("Unmarshal: %v (the codec marks, it does not fail)", err)
			}
			why, bad := Undecodable(m)
			if why != tc.why || bad != (tc.why != "") {
				t.Fatalf("Undecodable = %q, %v; want %q", why, bad, tc.why)
			}
			if bad && m.GetId() != "" {
				t.Errorf("a marked request keeps the id %q", m.GetId())
			}
			if !bad && m.GetId() != "evt-1" {
				t.Errorf("decoded id %q", m.GetId())
			}
		})
	}
}
