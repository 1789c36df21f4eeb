package docs

import (
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// TestEveryEnumValueDocumented: each value of each enum declared in
// event.proto appears in docs/model.md by its full JSON name, in backticks.
func TestEveryEnumValueDocumented(t *testing.T) {
	model := readRepoFile(t, "docs/model.md")
	enums := conneventsv1.File_connevents_v1_event_proto.Enums()
	if enums.Len() == 0 {
		t.Fatal("event.proto declares no enums")
	}
	for i := range enums.Len() {
		values := enums.Get(i).Values()
		for j := range values.Len() {
			name := string(values.Get(j).Name())
			if !strings.Contains(model, "`"+name+"`") {
				t.Errorf("docs/model.md does not document %s.%s", enums.Get(i).Name(), name)
			}
		}
	}
}

// TestEveryFieldDocumented: each field of ConnectionEvent, and of the
// messages it holds, appears in docs/model.md in backticks, alone or under a
// path such as `patient.external_state` or `export.download_links[].url`.
func TestEveryFieldDocumented(t *testing.T) {
	model := readRepoFile(t, "docs/model.md")
	seen := map[protoreflect.FullName]bool{}
	var walk func(protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] || md.ParentFile() != conneventsv1.File_connevents_v1_event_proto {
			return
		}
		seen[md.FullName()] = true
		fields := md.Fields()
		for i := range fields.Len() {
			f := fields.Get(i)
			pattern := "`(?:[a-z_]+(?:\\[\\])?\\.)*" + string(f.Name()) + "(?:\\[\\]|\\.[a-z_.*]+)?`"
			if !regexp.MustCompile(pattern).MatchString(model) {
				t.Errorf("docs/model.md does not document %s", f.FullName())
			}
			if m := f.Message(); m != nil && !f.IsMap() {
				walk(m)
			}
		}
	}
	walk((&conneventsv1.ConnectionEvent{}).ProtoReflect().Descriptor())
	if len(seen) < 5 {
		t.Fatalf("walked only %d messages", len(seen))
	}
}

// TestProtoMembersCommented: in event.proto every enum value and every
// field has a comment of its own on the line above (the proto comments are
// the other half of the reference).
func TestProtoMembersCommented(t *testing.T) {
	lines := strings.Split(readRepoFile(t, "proto/connevents/v1/event.proto"), "\n")
	member := regexp.MustCompile(`^\s+(?:repeated\s+|map<[^>]+>\s+)?[A-Za-z_.0-9]+(?:\s+[a-z_0-9]+)?\s*=\s*\d+;`)
	count := 0
	for i, line := range lines {
		if !member.MatchString(line) {
			continue
		}
		count++
		if i == 0 || !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "//") {
			t.Errorf("event.proto:%d has no comment: %s", i+1, strings.TrimSpace(line))
		}
	}
	if count < 50 {
		t.Fatalf("matched only %d fields and enum values; the pattern is broken", count)
	}
}
