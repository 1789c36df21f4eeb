package gateway

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// strictQuery parses query parameters as grpc-gateway does, after checking
// that each names a field of the request (by its proto or JSON name, dotted
// into nested messages): grpc-gateway ignores an unknown one, so that a
// misspelt filter (filter.patiant) would widen a read to every event. An
// unknown name is INVALID_REQUEST, as an unknown field of a JSON body is.
type strictQuery struct{ runtime.DefaultQueryParser }

func (q strictQuery) Parse(msg proto.Message, values url.Values, filter *utilities.DoubleArray) error {
	for key := range values {
		if !isField(msg.ProtoReflect().Descriptor(), key) {
			// The text server/api turns into the answer's message (the
			// name, if it is one, never the value).
			return fmt.Errorf("unknown query parameter %q", key)
		}
	}
	return q.DefaultQueryParser.Parse(msg, values, filter)
}

// isField reports whether the dotted path names a field of md.
func isField(md protoreflect.MessageDescriptor, path string) bool {
	parts := strings.Split(path, ".")
	for i, name := range parts {
		fields := md.Fields()
		fd := fields.ByTextName(name)
		if fd == nil {
			fd = fields.ByJSONName(name)
		}
		switch {
		case fd == nil:
			return false
		case i == len(parts)-1:
			return true
		case fd.Message() == nil || fd.IsList() || fd.IsMap():
			return false
		}
		md = fd.Message()
	}
	return false
}
