// Package safefile reads the files a model is made of without being fooled
// by what they are: only regular files, and only up to a bound.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// OpenRegular opens path for reading only if it is a regular file: a FIFO
// (which would block) or a device (/dev/zero, endless) is refused. The
// file is opened without blocking and then checked, so a FIFO cannot hang
// the open either.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	return f, nil
}

// ErrTooLarge reports a file over its reader's bound.
var ErrTooLarge = errors.New("file too large")

// ReadBounded reads a whole regular file of at most limit bytes.
func ReadBounded(path string, limit int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d MiB", ErrTooLarge, limit>>20)
	}
	return data, nil
}
