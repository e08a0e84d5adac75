//go:build unix

package video

import (
	"os"
	"syscall"
)

// spaceChecker asks for the size of a file and the free space of its
// filesystem, reusing its buffers: it runs every few frames and allocates
// nothing.
type spaceChecker struct {
	st syscall.Stat_t
	fs syscall.Statfs_t
}

// check returns the file's size and the space available to unprivileged
// users on its filesystem; ok is false for anything but a regular file,
// or when the system cannot tell.
func (c *spaceChecker) check(f *os.File) (size, free int64, ok bool) {
	fd := int(f.Fd())
	if syscall.Fstat(fd, &c.st) != nil || c.st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return 0, 0, false
	}
	if syscall.Fstatfs(fd, &c.fs) != nil {
		return 0, 0, false
	}
	return c.st.Size, int64(c.fs.Bavail) * int64(c.fs.Bsize), true
}
