package bench

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// slowNode is a loopback file whose fsync (and fdatasync) takes delay
// longer than the disk under it: a disk like cloud block storage, where a
// flush costs milliseconds.
type slowNode struct {
	*fs.LoopbackNode
	delay time.Duration
}

var _ fs.NodeFsyncer = (*slowNode)(nil)

func (n *slowNode) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	time.Sleep(n.delay)
	if s, ok := f.(fs.FileFsyncer); ok {
		return s.Fsync(ctx, flags)
	}
	return fs.OK
}

// mountSlowFsync mounts at mnt a loopback of dir whose fsync takes delay
// longer, and returns the unmount. It fails where FUSE is unavailable (no
// /dev/fuse, no permission to mount).
func mountSlowFsync(dir, mnt string, delay time.Duration) (func(), error) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return nil, errors.New("no /dev/fuse")
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return nil, err
	}
	root := &fs.LoopbackRoot{Path: dir, Dev: uint64(st.Dev)}
	root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &slowNode{LoopbackNode: &fs.LoopbackNode{RootData: r}, delay: delay}
	}
	root.RootNode = root.NewNode(root, nil, "", &st)
	// Reads and writes pass through to the file under the mount in the
	// kernel (FUSE passthrough); only fsync comes up to this process. Without
	// DisableXAttrs the kernel asks for the file's security.capability on
	// every write, a round trip here that made each 4 KiB write cost ~35 µs
	// instead of ~2 µs, so the slow disk was slow at writing, not flushing.
	server, err := fs.Mount(mnt, root.RootNode, &fs.Options{MountOptions: fuse.MountOptions{
		DisableXAttrs: true, DirectMount: true, FsName: "connevents-bench-slowfsync", Name: "slowfsync"}})
	if err != nil {
		return nil, err
	}
	return func() { _ = server.Unmount(); server.Wait() }, nil
}
