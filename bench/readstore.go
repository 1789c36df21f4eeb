package bench

import (
	"context"
	"fmt"
	"math/rand/v2"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/sqlite"
)

// readStoreVersion changes when the cached stores must be rebuilt (2:
// real-looking traffic instead of one patient's).
const readStoreVersion = 2

// readStore returns the path of a store of b.cfg.Rows events of
// real-looking traffic (traffic.go), built with batched appends straight
// into SQLite (cached under CacheDir), and a sample of its event ids.
func (b *Bench) readStore(ctx context.Context) (string, []string, error) {
	path, err := b.sqliteStorePath(b.cfg.Rows)
	if err != nil {
		return "", nil, err
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return "", nil, err
	}
	defer st.Close()
	if err := b.fill(ctx, st, b.cfg.Rows); err != nil {
		return "", nil, err
	}
	if err := b.warmFiles(path, path+"-wal"); err != nil {
		return "", nil, err
	}
	ids, err := sampleIDs(ctx, st, 4096)
	return path, ids, err
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
