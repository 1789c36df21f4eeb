package gateway

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/apijson"
)

// TestMarshalerUsesAPIJSON: messages, stream chunks and the encoder all
// write apijson's JSON.
func TestMarshalerUsesAPIJSON(t *testing.T) {
	m := &conneventsv1.ConnectionEvent{Id: "evt-1", OccurredAt: timestamppb.New(timestamppb.Now().AsTime())}
	want, err := apijson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	j := jsonMarshaler()
	got, err := j.Marshal(m)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Marshal: %s, %v; want %s", got, err, want)
	}
	chunk, err := j.Marshal(map[string]any{"result": m})
	if wantChunk := `{"result":` + string(want) + `}`; err != nil || string(chunk) != wantChunk {
		t.Errorf("stream chunk: %s, %v; want %s", chunk, err, wantChunk)
	}
	var buf bytes.Buffer
	if err := j.NewEncoder(&buf).Encode(m); err != nil || buf.String() != string(want)+"\n" {
		t.Errorf("NewEncoder: %q, %v; want %q", buf.String(), err, string(want)+"\n")
	}
	other, err := j.Marshal(map[string]int{"n": 1})
	if err != nil || string(other) != `{"n":1}` {
		t.Errorf("a non-message value: %s, %v", other, err)
	}
}
