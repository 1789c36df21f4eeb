package stream

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
)

// encoded is a stream item marshalled once and sent as is on every
// subscription that delivers it: with many subscribers, an event is encoded
// once per view instead of once per subscriber.
type encoded []byte

// codec is the protobuf codec that also sends encoded items unchanged.
type codec struct{ encoding.CodecV2 }

func (c codec) Marshal(v any) (mem.BufferSlice, error) {
	if e, ok := v.(encoded); ok {
		return mem.BufferSlice{mem.SliceBuffer(e)}, nil
	}
	return c.CodecV2.Marshal(v)
}

// ServerOption installs the codec on a gRPC server. Every server that
// serves Hub.Subscribe must have it.
func ServerOption() grpc.ServerOption {
	return grpc.ForceServerCodecV2(codec{encoding.GetCodecV2(proto.Name)})
}
