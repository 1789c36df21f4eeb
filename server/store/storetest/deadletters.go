package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// testDeadLetters: dead letters round-trip byte for byte (raw only from
// Get), list newest first by source and page by id, count failed retries,
// and are deleted exactly once; they are not part of the log.
func testDeadLetters(t *testing.T, newStore NewStore) {
	s := newStore(t)
	ctx := t.Context()
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 123456789, time.UTC)
	var all []*conneventsv1.DeadLetter
	for i := range 5 {
		src := conneventsv1.Source_SOURCE_FASTEN
		if i%2 == 1 {
			src = conneventsv1.Source_SOURCE_ONEUP
		}
		d := &conneventsv1.DeadLetter{
			Id: uuid.Must(uuid.NewV7()).String(), Source: src, Reason: string(reason.MissingID), Message: "no id",
			ReceivedAt: timestamppb.New(t0.Add(time.Duration(i) * time.Second)),
			Raw:        []byte("{\"bytes\":\"\x00\xff\"," + string(rune('a'+i)) + "}"),
		}
		all = append(all, d)
	}
	kept, err := s.AddDeadLetters(ctx, all[:1])
	if err != nil || len(kept) != 1 || !kept[0].Added || kept[0].DeadLetter.GetId() != all[0].GetId() {
		t.Fatalf("AddDeadLetters(one) = %v, %v", kept, err)
	}
	kept, err = s.AddDeadLetters(ctx, all[1:])
	if err != nil || len(kept) != 4 {
		t.Fatalf("AddDeadLetters(four) = %v, %v", kept, err)
	}
	for i, k := range kept {
		if !k.Added || k.DeadLetter.GetId() != all[i+1].GetId() {
			t.Errorf("AddDeadLetters(four)[%d] = %v", i, k)
		}
	}
	// The same bytes of the same source again (a poll re-reading its
	// overlap): kept once, the first one returned. Of another source: new.
	// Within one batch too.
	again := proto.Clone(all[0]).(*conneventsv1.DeadLetter)
	again.Id, again.Reason = uuid.Must(uuid.NewV7()).String(), string(reason.MalformedJSON)
	fresh := proto.Clone(all[0]).(*conneventsv1.DeadLetter)
	fresh.Id, fresh.Raw = uuid.Must(uuid.NewV7()).String(), []byte("fresh")
	twice := proto.Clone(fresh).(*conneventsv1.DeadLetter)
	twice.Id = uuid.Must(uuid.NewV7()).String()
	kept, err = s.AddDeadLetters(ctx, []*conneventsv1.DeadLetter{again, fresh, twice})
	if err != nil || len(kept) != 3 {
		t.Fatalf("AddDeadLetters(same bytes) = %v, %v", kept, err)
	}
	if k := kept[0]; k.Added || k.DeadLetter.GetId() != all[0].GetId() || k.DeadLetter.GetReason() != all[0].GetReason() {
		t.Errorf("the same bytes again: %v, want the first, not added", k)
	}
	if !kept[1].Added || kept[2].Added || kept[2].DeadLetter.GetId() != fresh.GetId() {
		t.Errorf("the same bytes twice in a batch: %v, %v; want the first added, the second its duplicate", kept[1], kept[2])
	}
	if err := s.DeleteDeadLetter(ctx, fresh.GetId()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDeadLetters(ctx, []*conneventsv1.DeadLetter{again, {Id: "x"}}); !errors.Is(err, store.ErrInvalidEvent) {
		t.Errorf("AddDeadLetters(incomplete) = %v, want ErrInvalidEvent", err)
	}
	got, err := s.GetDeadLetter(ctx, all[2].GetId())
	if err != nil || !proto.Equal(got, all[2]) {
		t.Errorf("GetDeadLetter = %v, %v; want %v", got, err, all[2])
	}
	if _, err := s.GetDeadLetter(ctx, uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetDeadLetter(unknown) = %v, want ErrNotFound", err)
	}

	// Newest first, without raw; by source; paged.
	list := mustListDeadLetters(t, s, store.DeadLetterQuery{Limit: 10})
	assertDeadLetterIDs(t, "all", list, all[4], all[3], all[2], all[1], all[0])
	for _, d := range list {
		if d.GetRaw() != nil {
			t.Errorf("ListDeadLetters returned raw for %s", d.GetId())
		}
	}
	oneup := mustListDeadLetters(t, s, store.DeadLetterQuery{Source: conneventsv1.Source_SOURCE_ONEUP, Limit: 10})
	assertDeadLetterIDs(t, "oneup", oneup, all[3], all[1])
	page := mustListDeadLetters(t, s, store.DeadLetterQuery{Limit: 2, Before: all[3].GetId()})
	assertDeadLetterIDs(t, "page", page, all[2], all[1])
	if _, err := s.ListDeadLetters(ctx, store.DeadLetterQuery{}); err == nil {
		t.Error("ListDeadLetters without a limit succeeded")
	}

	// A failed retry counts and replaces the reason.
	if err := s.DeadLetterRetried(ctx, all[1].GetId(), string(reason.MalformedJSON), "still bad"); err != nil {
		t.Fatalf("DeadLetterRetried: %v", err)
	}
	got, _ = s.GetDeadLetter(ctx, all[1].GetId())
	if got.GetRetries() != 1 || got.GetReason() != string(reason.MalformedJSON) || got.GetMessage() != "still bad" || string(got.GetRaw()) != string(all[1].GetRaw()) {
		t.Errorf("after a retry: %v", got)
	}
	if err := s.DeadLetterRetried(ctx, uuid.NewString(), "X", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeadLetterRetried(unknown) = %v, want ErrNotFound", err)
	}

	other := proto.Clone(all[0]).(*conneventsv1.DeadLetter)
	other.Id, other.Source = uuid.Must(uuid.NewV7()).String(), conneventsv1.Source_SOURCE_ONEUP
	if kept, err := s.AddDeadLetters(ctx, []*conneventsv1.DeadLetter{other}); err != nil || !kept[0].Added {
		t.Errorf("AddDeadLetters(same bytes, other source) = %v, %v; want added", kept, err)
	}
	if err := s.DeleteDeadLetter(ctx, other.GetId()); err != nil {
		t.Fatal(err)
	}

	// Deleted once.
	if err := s.DeleteDeadLetter(ctx, all[0].GetId()); err != nil {
		t.Fatalf("DeleteDeadLetter: %v", err)
	}
	if err := s.DeleteDeadLetter(ctx, all[0].GetId()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteDeadLetter = %v, want ErrNotFound", err)
	}
	assertDeadLetterIDs(t, "after delete", mustListDeadLetters(t, s, store.DeadLetterQuery{Limit: 10}), all[4], all[3], all[2], all[1])

	// Not part of the log.
	if b := mustBounds(t, s); b.Head != 0 {
		t.Errorf("dead letters moved the log head to %d", b.Head)
	}
}

func mustListDeadLetters(t *testing.T, s store.Store, q store.DeadLetterQuery) []*conneventsv1.DeadLetter {
	t.Helper()
	got, err := s.ListDeadLetters(t.Context(), q)
	if err != nil {
		t.Fatalf("ListDeadLetters: %v", err)
	}
	return got
}

func assertDeadLetterIDs(t *testing.T, what string, got []*conneventsv1.DeadLetter, want ...*conneventsv1.DeadLetter) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d dead letters, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if got[i].GetId() != want[i].GetId() {
			t.Errorf("%s[%d] = %s, want %s", what, i, got[i].GetId(), want[i].GetId())
		}
	}
}
