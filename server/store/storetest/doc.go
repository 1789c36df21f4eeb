// Package storetest is the conformance suite every store.Store backend runs.
//
// A backend's test is one call:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunAll(t, newTestStore)
//	}
//
// where newTestStore returns a fresh, empty store and closes it in
// t.Cleanup. The subtests run in parallel, each on its own store. Every change
// to the store.Store contract adds a case here.
package storetest
