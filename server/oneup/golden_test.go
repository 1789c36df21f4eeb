package oneup

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestNormalizeGolden normalizes every testdata/events/*.json and compares
// the result (without Raw, which must equal the input) with
// testdata/golden/<name>.json. Run with -update to rewrite the goldens.
func TestNormalizeGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) { checkGolden(t, f, name) })
	}
}

func checkGolden(t *testing.T, fixture, name string) {
	t.Helper()
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Normalize(raw)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if !bytes.Equal(ev.Raw, raw) {
		t.Errorf("Raw is not the input bytes")
	}
	ev.Raw = nil
	golden := filepath.Join("testdata", "golden", name+".json")
	if *update {
		writeGolden(t, golden, ev)
		return
	}
	want := &conneventsv1.ConnectionEvent{}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if err := protojson.Unmarshal(b, want); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(ev, want) {
		t.Errorf("got\n%s\nwant\n%s", protojson.Format(ev), protojson.Format(want))
	}
}

func writeGolden(t *testing.T, path string, ev *conneventsv1.ConnectionEvent) {
	t.Helper()
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
