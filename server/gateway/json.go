package gateway

import (
	"io"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/connevents/connevents/server/apijson"
)

// apiJSON writes the API's JSON (server/apijson: canonical protojson,
// lowerCamelCase names, enums as strings, empty lists and zero scalars
// included so that clients see every field of the schema). It reads
// request bodies strictly with protojson: an unknown field or enum value
// is INVALID_REQUEST, never ignored (a misspelt filter would otherwise
// widen to every event).
type apiJSON struct{ *runtime.JSONPb }

func jsonMarshaler() apiJSON {
	return apiJSON{&runtime.JSONPb{
		MarshalOptions:   apijson.Protojson(),
		UnmarshalOptions: protojson.UnmarshalOptions{},
	}}
}

// Marshal encodes messages, and the gateway's stream chunks
// ({"result": message}), with apijson; anything else as JSONPb does.
func (m apiJSON) Marshal(v any) ([]byte, error) {
	switch v := v.(type) {
	case proto.Message:
		return apijson.Marshal(v)
	case map[string]any:
		if item, ok := v["result"].(proto.Message); ok && len(v) == 1 {
			b, err := apijson.Append([]byte(`{"result":`), item)
			return append(b, '}'), err
		}
	}
	return m.JSONPb.Marshal(v)
}

// NewEncoder writes what Marshal writes, then the delimiter, as JSONPb's
// does (JSONPb's own would not call this Marshal). ndjson and sse inherit
// it with apiJSON's Marshal; grpc-gateway writes streams through Marshal.
func (m apiJSON) NewEncoder(w io.Writer) runtime.Encoder {
	return runtime.EncoderFunc(func(v any) error {
		b, err := m.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, m.Delimiter()...))
		return err
	})
}
