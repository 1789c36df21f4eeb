package bench

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSlowFsync: a file written through the mount lands in the directory
// under it, and fsync through the mount takes at least the delay (a lower
// bound: what the mount promises, not a performance figure).
func TestSlowFsync(t *testing.T) {
	under, mnt := t.TempDir(), t.TempDir()
	unmount, err := mountSlowFsync(under, mnt, 20*time.Millisecond)
	if err != nil {
		t.Skipf("FUSE unavailable here: %v", err)
	}
	defer unmount()
	f, err := os.Create(filepath.Join(mnt, "x"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("fsync took %v, want at least the 20ms delay", d)
	}
	if b, err := os.ReadFile(filepath.Join(under, "x")); err != nil || string(b) != "hello" {
		t.Errorf("file under the mount: %q, %v", b, err)
	}
}
