package store

import (
	"math"
	"testing"
	"time"
)

// TestUnixNanosKeepsOrder: inside the int64 range it is UnixNano; outside
// it saturates instead of wrapping, so later times never compare earlier.
func TestUnixNanosKeepsOrder(t *testing.T) {
	times := []time.Time{
		{}, // year 1
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, math.MinInt64+1),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Now(),
		time.Unix(0, math.MaxInt64-1),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	for i, tm := range times {
		n := UnixNanos(tm)
		if y := tm.Year(); y > 1678 && y < 2262 && n != tm.UnixNano() {
			t.Errorf("UnixNanos(%v) = %d, want UnixNano %d", tm, n, tm.UnixNano())
		}
		if i > 0 && n < UnixNanos(times[i-1]) {
			t.Errorf("UnixNanos(%v) = %d is below UnixNanos(%v) = %d", tm, n, times[i-1], UnixNanos(times[i-1]))
		}
	}
	if UnixNanos(times[0]) != math.MinInt64 || UnixNanos(times[len(times)-1]) != math.MaxInt64 {
		t.Errorf("extremes: %d, %d; want the int64 bounds", UnixNanos(times[0]), UnixNanos(times[len(times)-1]))
	}
}
