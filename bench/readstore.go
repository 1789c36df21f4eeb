package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
)

// readStoreVersion changes when the cached store must be rebuilt.
const readStoreVersion = 1

// readStore returns the path of a store of b.cfg.Rows events, built with
// batched appends straight into SQLite (cached under CacheDir), and a
// sample of its event ids.
func (b *Bench) readStore(ctx context.Context) (string, []string, error) {
	dir := b.cfg.CacheDir
	if dir == "" {
		dir = b.tmp
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("connevents-bench-%d-v%d.db", b.cfg.Rows, readStoreVersion))
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return "", nil, err
	}
	defer st.Close()
	if err := b.fill(ctx, st); err != nil {
		return "", nil, err
	}
	ids, err := sampleIDs(ctx, st, 4096)
	return path, ids, err
}

// fill appends events until the store holds b.cfg.Rows.
func (b *Bench) fill(ctx context.Context, st store.Store) error {
	bounds, err := st.Bounds(ctx)
	if err != nil {
		return err
	}
	var count atomic.Int64
	count.Store(bounds.Head)
	stop := b.progress.start(fmt.Sprintf("building the Get/List store of %d events", b.cfg.Rows), &count)
	defer stop()
	for count.Load() < int64(b.cfg.Rows) {
		events, err := normalizedEvents(min(10000, b.cfg.Rows-int(count.Load())))
		if err != nil {
			return err
		}
		for i := 0; i < len(events); i += 1000 {
			if _, err := st.Append(ctx, events[i:min(i+1000, len(events))]); err != nil {
				return err
			}
		}
		count.Add(int64(len(events)))
	}
	return nil
}

// sampleIDs returns n ids of events spread over the store.
func sampleIDs(ctx context.Context, st store.Store, n int) ([]string, error) {
	bounds, err := st.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for range n {
		after := bounds.Oldest - 1 + rand.Int64N(max(1, bounds.Head-bounds.Oldest+1))
		page, err := st.List(ctx, store.Query{Order: store.Ascending, After: after, Limit: 1})
		if err != nil {
			return nil, err
		}
		for _, ev := range page {
			ids = append(ids, ev.GetId())
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("bench: the Get/List store is empty")
	}
	return ids, nil
}

// stubFor returns an empty service whose answers are the same size as the
// real ones.
func stubFor(ctx context.Context, client conneventsv1.ConnectionEventServiceClient, id string) (*stub, error) {
	get, err := client.GetEvent(ctx, &conneventsv1.GetEventRequest{Id: id})
	if err != nil {
		return nil, err
	}
	list, err := client.ListEvents(ctx, &conneventsv1.ListEventsRequest{PageSize: listPageSize})
	if err != nil {
		return nil, err
	}
	return &stub{get: get, list: list}, nil
}
