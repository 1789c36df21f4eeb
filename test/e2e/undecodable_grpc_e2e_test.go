package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/test/testserver"
)

// TestUndecodableGRPCRequests: a gRPC request that is not valid protobuf (a
// string field holding invalid UTF-8, which no generated client sends, or
// bytes that are not protobuf at all) is INVALID_ARGUMENT with reason
// INVALID_REQUEST, unary or streaming, read or ingest, as the same text is
// through REST; grpc-go alone answers INTERNAL. The connection keeps
// serving valid calls.
func TestUndecodableGRPCRequests(t *testing.T) {
	s := testserver.Start(t, nil)
	ctx := context.Background()
	badPatient := func(m proto.Message) []byte {
		filter := fieldNumber(m, "filter")
		patient := fieldNumber(&conneventsv1.EventFilter{}, "patient")
		inner := protowire.AppendString(protowire.AppendTag(nil, patient, protowire.BytesType), "patient-\xff")
		return protowire.AppendBytes(protowire.AppendTag(nil, filter, protowire.BytesType), inner)
	}
	garbage := []byte{0xff, 0xff, 0xff} // a tag whose varint never ends
	const svc = "/connevents.v1.ConnectionEventService/"
	tests := []struct {
		name, method string
		body         []byte
		stream       bool
		why          string
	}{
		{"ListEvents, invalid UTF-8 in filter.patient", "ListEvents", badPatient(&conneventsv1.ListEventsRequest{}), false, "invalid UTF-8"},
		{"GetEvent, not protobuf", "GetEvent", garbage, false, "not valid protobuf"},
		{"IngestFastenWebhook, not protobuf", "IngestFastenWebhook", garbage, false, "not valid protobuf"},
		{"SubscribeEvents, invalid UTF-8 in filter.patient", "SubscribeEvents", badPatient(&conneventsv1.SubscribeEventsRequest{}), true, "invalid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.stream {
				err = rawStream(ctx, s.Conn, svc+tc.method, tc.body)
			} else {
				var out rawMessage
				err = s.Conn.Invoke(ctx, svc+tc.method, rawMessage(tc.body), &out, grpc.ForceCodecV2(rawCodec{}))
			}
			info := api.ErrorInfoOf(err)
			if status.Code(err) != codes.InvalidArgument || info.GetReason() != string(reason.InvalidRequest) {
				t.Fatalf("got %v (%v), want INVALID_ARGUMENT / INVALID_REQUEST", err, info)
			}
			if msg := status.Convert(err).Message(); !strings.Contains(msg, tc.why) || strings.Contains(msg, "patient-") {
				t.Errorf("message %q: want %q and no value", msg, tc.why)
			}
		})
	}
	if _, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{}); err != nil {
		t.Fatalf("a valid call on the same connection: %v", err)
	}
}

func fieldNumber(m proto.Message, name protoreflect.Name) protowire.Number {
	fd := m.ProtoReflect().Descriptor().Fields().ByName(name)
	if fd == nil {
		panic(fmt.Sprintf("%T has no field %s", m, name))
	}
	return fd.Number()
}

// rawStream opens a server stream with body as its request and returns the
// error of its first receive.
func rawStream(ctx context.Context, conn *grpc.ClientConn, method string, body []byte) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		return err
	}
	if err := cs.SendMsg(rawMessage(body)); err != nil {
		return err
	}
	if err := cs.CloseSend(); err != nil {
		return err
	}
	var out rawMessage
	return cs.RecvMsg(&out)
}

// rawMessage is a message in wire form, sent and received as is by rawCodec.
type rawMessage []byte

type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.(rawMessage))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*rawMessage) = data.Materialize()
	return nil
}

// TestUndefinedEnumNumbersOverGRPC: an enum number its enum does not
// define is INVALID_REQUEST over gRPC too (protobuf decodes any number),
// unary or streaming, naming the field.
func TestUndefinedEnumNumbersOverGRPC(t *testing.T) {
	s := testserver.Start(t, nil)
	ctx := context.Background()
	check := func(name, field string, err error) {
		t.Helper()
		if api.ReasonOf(err) != reason.InvalidRequest || !strings.Contains(status.Convert(err).Message(), field) {
			t.Errorf("%s: %v, want INVALID_REQUEST naming %s", name, err, field)
		}
	}
	_, err := s.Client.ListEvents(ctx, &conneventsv1.ListEventsRequest{Filter: &conneventsv1.EventFilter{Types: []conneventsv1.EventType{99}}})
	check("ListEvents", "filter.types", err)
	_, err = s.Client.GetFunnel(ctx, &conneventsv1.GetFunnelRequest{GroupBy: 55})
	check("GetFunnel", "group_by", err)
	sub, err := s.Client.SubscribeEvents(ctx, &conneventsv1.SubscribeEventsRequest{Start: &conneventsv1.SubscribeEventsRequest_StartPosition{StartPosition: 9}})
	if err == nil {
		_, err = sub.Recv()
	}
	check("SubscribeEvents", "start_position", err)
}
