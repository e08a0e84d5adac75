package filekind

import (
	"fmt"
	"io/fs"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		m    fs.FileMode
		want string
	}{
		{0o644, "a regular file"},
		{fs.ModeDir | 0o755, "a folder"},
		{fs.ModeSymlink, "a symbolic link"},
		{fs.ModeNamedPipe, "a FIFO"},
		{fs.ModeDevice | fs.ModeCharDevice, "a character device"},
		{fs.ModeDevice, "a block device"},
		{fs.ModeSocket, "a socket"},
		{fs.ModeIrregular, "a special file"},
	} {
		if got := Of(tc.m); got != tc.want {
			t.Errorf("Of(%v) = %q, want %q", tc.m, got, tc.want)
		}
	}
}

func ExampleOf() {
	fmt.Println(Of(fs.ModeNamedPipe) + ", not a regular file")
	// Output: a FIFO, not a regular file
}
