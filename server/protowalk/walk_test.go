package protowalk

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// TestWalk: every string is visited with its path of field names (lists'
// elements and maps' keys included), every non-empty list and map is
// counted, and the first error stops the walk.
func TestWalk(t *testing.T) {
	ev := &conneventsv1.ConnectionEvent{
		SourceEventId: "id-1",
		Patient:       &conneventsv1.Patient{ExternalId: "p-1"},
		Export: &conneventsv1.Export{
			DownloadLinks:   []*conneventsv1.DownloadLink{{Url: "u-1"}, {Url: "u-2"}},
			ResourcesByType: map[string]int64{"Observation": 3},
		},
	}
	var texts, lists []string
	err := Walk(ev.ProtoReflect(), Visitor{
		Text: func(p Path, s string) error { texts = append(texts, p.String()+"="+s); return nil },
		List: func(p Path, n int) error { lists = append(lists, p.String()+":"+string(rune('0'+n))); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(texts)
	want := []string{"export.download_links.url=u-1", "export.download_links.url=u-2",
		"export.resources_by_type=Observation", "patient.external_id=p-1", "source_event_id=id-1"}
	if !slices.Equal(texts, want) {
		t.Errorf("texts %q, want %q", texts, want)
	}
	slices.Sort(lists)
	if want := []string{"export.download_links:2", "export.resources_by_type:1"}; !slices.Equal(lists, want) {
		t.Errorf("lists %q, want %q", lists, want)
	}
	stop := errors.New("stop")
	n := 0
	err = Walk(ev.ProtoReflect(), Visitor{Text: func(Path, string) error { n++; return stop }})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Walk = %v after %d texts, want stop after 1", err, n)
	}
}

// TestWalkEnums: every enum value set is visited with its enum, list
// elements included; unset (zero) values are not.
func TestWalkEnums(t *testing.T) {
	f := &conneventsv1.EventFilter{
		Types:   []conneventsv1.EventType{conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED, 99},
		ApiMode: conneventsv1.ApiMode_API_MODE_TEST,
	}
	var got []string
	err := Walk(f.ProtoReflect(), Visitor{Enum: func(p Path, e protoreflect.EnumDescriptor, n protoreflect.EnumNumber) error {
		got = append(got, fmt.Sprintf("%s %s %d", p, e.Name(), n))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{fmt.Sprintf("api_mode ApiMode %d", conneventsv1.ApiMode_API_MODE_TEST), "types EventType 99",
		fmt.Sprintf("types EventType %d", conneventsv1.EventType_EVENT_TYPE_CONNECTION_FAILED)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("enums %q, want %q", got, want)
	}
}
