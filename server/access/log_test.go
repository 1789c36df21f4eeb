package access_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connevents/connevents/server/access"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
	"github.com/connevents/connevents/server/store/storetest"
)

// counting counts the transactions a Log commits.
type counting struct {
	store.Store
	commits atomic.Int64
}

func (c *counting) AppendAccessRecords(ctx context.Context, recs []store.AccessRecord) error {
	c.commits.Add(1)
	return c.Store.AppendAccessRecords(ctx, recs)
}

// TestConcurrentRecordsAreStoredTogether: records of concurrent readers are
// all stored, each returning once durable, in fewer transactions than
// records; after Close, Record refuses.
func TestConcurrentRecordsAreStoredTogether(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"))
	s := &counting{Store: storetest.Opened(t, st, err)}
	l := access.New(s, access.WithMaxBatch(64))
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := store.AccessRecord{Time: time.Now(), KeyName: "k", Method: "/m", Count: int64(i), Outcome: "OK"}
			if err := l.Record(t.Context(), r); err != nil {
				t.Errorf("Record: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.ListAccessRecords(t.Context(), store.AccessQuery{Limit: 1000})
	if err != nil || len(got) != n {
		t.Fatalf("stored %d records (%v), want %d", len(got), err, n)
	}
	if c := s.commits.Load(); c >= n {
		t.Errorf("%d transactions for %d concurrent records: no group commit", c, n)
	}
	l.Close()
	if err := l.Record(t.Context(), store.AccessRecord{}); !errors.Is(err, access.ErrUnavailable) {
		t.Errorf("Record after Close: %v, want ErrUnavailable", err)
	}
}

// refusing fails every transaction that holds a record with the marked
// key name, as a store does on a value it cannot hold.
type refusing struct {
	store.Store
	mark string
}

func (r refusing) AppendAccessRecords(ctx context.Context, recs []store.AccessRecord) error {
	for _, rec := range recs {
		if rec.KeyName == r.mark {
			return errors.New("ERROR: invalid byte sequence (SQLSTATE 22021)")
		}
	}
	return r.Store.AppendAccessRecords(ctx, recs)
}

// TestBadRecordFailsAlone: a record the store refuses fails its own read
// (ErrUnavailable), never the reads whose records shared its transaction.
func TestBadRecordFailsAlone(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"))
	s := refusing{Store: storetest.Opened(t, st, err), mark: "bad"}
	l := access.New(s, access.WithMaxBatch(64))
	defer l.Close()
	const n = 100
	var wg sync.WaitGroup
	var good, bad atomic.Int64
	for i := range n {
		wg.Go(func() {
			key := "good"
			if i%10 == 0 {
				key = "bad"
			}
			err := l.Record(t.Context(), store.AccessRecord{Time: time.Now(), KeyName: key, Method: "/m", Outcome: "OK"})
			switch {
			case key == "good" && err != nil:
				t.Errorf("a good record failed: %v", err)
			case key == "good":
				good.Add(1)
			case errors.Is(err, access.ErrUnavailable):
				bad.Add(1)
			default:
				t.Errorf("a refused record: %v, want ErrUnavailable", err)
			}
		})
	}
	wg.Wait()
	if good.Load() != n-n/10 || bad.Load() != n/10 {
		t.Errorf("%d good and %d refused records answered, want %d and %d", good.Load(), bad.Load(), n-n/10, n/10)
	}
}
