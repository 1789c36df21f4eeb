package durability

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/connevents/connevents/server/store"
)

// TestFullDisk: while commits fail, every caller is answered 503 /
// UNAVAILABLE and nothing is stored; once the fault clears the same
// deliveries are stored, once.
func TestFullDisk(t *testing.T) {
	rig := newFaultRig(t)
	rig.store.set(true, 0)
	keys := make([]string, 16)
	var wg sync.WaitGroup
	for i := range keys {
		keys[i] = uuid.NewString()
		wg.Go(func() {
			_, err := rig.webhook(t.Context(), keys[i])
			if err == nil || !strings.Contains(err.Error(), "status 503") {
				t.Errorf("webhook during a full disk: %v, want status 503", err)
			}
		})
	}
	wg.Wait()
	_, err := sendOneUp(t.Context(), rig.client, []string{"ae-" + keys[0]})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("gRPC ingest during a full disk: %v, want UNAVAILABLE", err)
	}
	assertStored(t, rig.store, 0, 0)

	rig.store.set(false, 0)
	for _, k := range keys {
		if _, err := rig.webhook(t.Context(), k); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	}
	if _, err := sendOneUp(t.Context(), rig.client, []string{"ae-" + keys[0]}); err != nil {
		t.Fatalf("gRPC after recovery: %v", err)
	}
	assertStored(t, rig.store, len(keys)+1, len(keys)+1)
}

// TestSlowDisk: a caller that gives up before its commit ends is never
// told 200; the commit itself completes, so a retry is a duplicate of the
// stored event, not a second copy.
func TestSlowDisk(t *testing.T) {
	rig := newFaultRig(t)
	rig.store.set(false, 300*time.Millisecond)
	key := uuid.NewString()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if a, err := rig.webhook(ctx, key); err == nil {
		t.Fatalf("acknowledged %+v before the commit ended", a)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := sendOneUp(ctx, rig.client, []string{"ae-" + key})
	if c := status.Code(err); c != codes.DeadlineExceeded {
		t.Errorf("gRPC ingest past its deadline: %v, want DEADLINE_EXCEEDED", err)
	}
	// Slow but within the caller's patience: answered after the commit.
	if _, err := rig.webhook(t.Context(), uuid.NewString()); err != nil {
		t.Fatalf("slow commit: %v", err)
	}
	rig.store.set(false, 0)
	if _, err := rig.webhook(t.Context(), key); err != nil {
		t.Fatalf("retry after the fault cleared: %v", err)
	}
	// key and the slow one; ae-key too if its request reached the server
	// before the deadline. Never a second copy of key.
	assertStored(t, rig.store, 2, 3)
}

func assertStored(t *testing.T, st store.Store, least, most int) {
	t.Helper()
	events, err := st.List(t.Context(), store.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) < least || len(events) > most {
		t.Errorf("%d events stored, want %d to %d", len(events), least, most)
	}
}
