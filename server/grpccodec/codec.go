// Package grpccodec is the gRPC server's codec: protobuf, with two
// differences. A stream item already encoded (Encoded: an event encoded
// once for every subscriber that receives it) is sent as it is. And a
// request that is not valid protobuf, such as a string field holding
// invalid UTF-8, is not an error here: grpc-go would answer any codec error
// with INTERNAL, before an interceptor can see the call. The request
// reaches the handlers empty and marked instead (Undecodable), and the
// request check (server/api) refuses it as INVALID_ARGUMENT with a reason,
// as it refuses such text arriving through REST.
package grpccodec

import (
	"bytes"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	gproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Encoded is a message already in protobuf's wire form, sent unchanged.
type Encoded []byte

// codec is grpc-go's protobuf codec with Encoded and the undecodable mark.
type codec struct{ encoding.CodecV2 }

func (c codec) Marshal(v any) (mem.BufferSlice, error) {
	if e, ok := v.(Encoded); ok {
		return mem.BufferSlice{mem.SliceBuffer(e)}, nil
	}
	return c.CodecV2.Marshal(v)
}

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	if err == nil || !ok {
		return err
	}
	mk := notProtobuf
	if strings.Contains(err.Error(), "invalid UTF-8") {
		mk = notUTF8
	}
	proto.Reset(m)
	m.ProtoReflect().SetUnknown(mk.wire)
	return nil
}

// The marks of an undecodable request, by why it is: an unknown field of
// the highest field number, whose value says why.
var (
	notUTF8     = newMark("a string field holds invalid UTF-8")
	notProtobuf = newMark("the message is not valid protobuf")
)

type mark struct {
	why  string
	wire []byte
}

func newMark(why string) mark {
	b := protowire.AppendTag(nil, protowire.MaxValidNumber, protowire.BytesType)
	return mark{why, protowire.AppendString(b, why)}
}

// Undecodable reports whether m is a request the codec could not decode,
// and why (words safe for an error message: they name no value).
func Undecodable(m proto.Message) (why string, ok bool) {
	unknown := m.ProtoReflect().GetUnknown()
	for _, mk := range []mark{notUTF8, notProtobuf} {
		if bytes.Equal(unknown, mk.wire) {
			return mk.why, true
		}
	}
	return "", false
}

// ServerOption installs the codec on a gRPC server. Every server of the
// API must have it: for stream subscriptions, and for the request check.
func ServerOption() grpc.ServerOption {
	return grpc.ForceServerCodecV2(codec{encoding.GetCodecV2(gproto.Name)})
}
