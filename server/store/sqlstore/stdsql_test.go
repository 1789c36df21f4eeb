package sqlstore

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"

	_ "modernc.org/sqlite"
)

// TestStmtCache: a query shape is prepared once and reused, concurrent
// first uses agree, and past maxCachedStmts new shapes still run
// (unprepared) with the right answers.
func TestStmtCache(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/c.db")
	if err != nil {
		t.Fatal(err)
	}
	d := SQL(db).(*sqlDB)
	defer d.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range maxCachedStmts + 100 {
				var got int
				q := fmt.Sprintf("SELECT ? + %d", i)
				if err := d.QueryRow(t.Context(), q, g).Scan(&got); err != nil || got != g+i {
					t.Errorf("%s with %d = %d, %v; want %d", q, g, got, err, g+i)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := d.cache.n.Load(); n < maxCachedStmts || n > maxCachedStmts+8 {
		t.Errorf("cached %d statements, want %d (plus at most one per racing caller)", n, maxCachedStmts)
	}
	if _, ok := d.cache.stmts.Load("SELECT ? + 0"); !ok {
		t.Error("the first shape was not kept")
	}
	if _, ok := d.cache.stmts.Load(fmt.Sprintf("SELECT ? + %d", maxCachedStmts+99)); ok {
		t.Error("a shape past the bound was cached")
	}
}
