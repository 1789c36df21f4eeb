package fasten

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from Normalize's output")

// TestGolden normalizes every testdata/<name>.json and compares the whole
// event with testdata/<name>.golden.json. The golden leaves out raw, which
// must equal the fixture's bytes exactly.
func TestGolden(t *testing.T) {
	for _, fixture := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(fixture), ".json")
		t.Run(name, func(t *testing.T) {
			body := readFile(t, fixture)
			got, err := Normalize(body)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if !bytes.Equal(got.Raw, body) {
				t.Errorf("Raw is not the exact body")
			}
			got = proto.CloneOf(got)
			got.Raw = nil
			compareGolden(t, strings.TrimSuffix(fixture, ".json")+".golden.json", got)
		})
	}
}

func fixtures(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if !strings.HasSuffix(f, ".golden.json") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatal("no fixtures")
	}
	return out
}

func compareGolden(t *testing.T, path string, got *conneventsv1.ConnectionEvent) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, marshalStable(t, got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := &conneventsv1.ConnectionEvent{}
	if err := protojson.Unmarshal(readFile(t, path), want); err != nil {
		t.Fatalf("golden %s: %v", path, err)
	}
	if !proto.Equal(got, want) {
		t.Errorf("%s differs\n got: %s\nwant: %s", path, marshalStable(t, got), marshalStable(t, want))
	}
}

// marshalStable is protojson re-indented by encoding/json, whose output does
// not vary between builds as protojson's does.
func marshalStable(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	return append(out.Bytes(), '\n')
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
