package postgres

import (
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/server/store/storetest"
)

// TestCommitHints: an append by one store wakes the listener of another
// store on the same schema; the listener's own connect wakes it once too.
func TestCommitHints(t *testing.T) {
	url := pgtest.Schema(t)
	a, b := openURL(t, url), openURL(t, url)
	hints := a.CommitHints(t.Context())
	await := func(what string) {
		t.Helper()
		select {
		case <-hints:
		case <-time.After(10 * time.Second):
			t.Fatalf("no hint %s", what)
		}
	}
	await("after listening")
	if _, err := b.Append(t.Context(), []*conneventsv1.ConnectionEvent{storetest.SampleEvent(1)}); err != nil {
		t.Fatal(err)
	}
	await("after another store's append")
}
