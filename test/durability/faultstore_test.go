package durability

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/test/testserver"
)

// faultyStore is a real SQLite store whose commits can be made to fail
// (a full disk) or to take long (a slow disk).
type faultyStore struct {
	store.Store
	mu    sync.Mutex
	fail  bool
	delay time.Duration
}

func (f *faultyStore) set(fail bool, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.delay = fail, delay
}

func (f *faultyStore) Append(ctx context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	f.mu.Lock()
	fail, delay := f.fail, f.delay
	f.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("sqlite: append: commit: %w", syscall.ENOSPC)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.Store.Append(ctx, events)
}

// PutCheckpoint fails like Append on a full disk: every write does.
func (f *faultyStore) PutCheckpoint(ctx context.Context, key, value string) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("sqlite: put checkpoint: %w", syscall.ENOSPC)
	}
	return f.Store.PutCheckpoint(ctx, key, value)
}

// faultRig is a real server (test/testserver) on a faulty store.
type faultRig struct {
	store   *faultyStore
	baseURL string
	client  conneventsv1.ConnectionEventServiceClient
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	var fs *faultyStore
	srv := testserver.Start(t, nil, server.WithStoreWrapper(func(st store.Store) store.Store {
		fs = &faultyStore{Store: st}
		return fs
	}))
	return &faultRig{store: fs, baseURL: srv.BaseURL, client: srv.Client}
}

func (r *faultRig) webhook(ctx context.Context, key string) (ack, error) {
	return sendFasten(ctx, http.DefaultClient, r.baseURL, key)
}

// AppendAccessRecords fails like Append on a full disk.
func (f *faultyStore) AppendAccessRecords(ctx context.Context, records []store.AccessRecord) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("sqlite: append access records: %w", syscall.ENOSPC)
	}
	return f.Store.AppendAccessRecords(ctx, records)
}
