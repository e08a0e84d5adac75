package video

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gocv.io/x/gocv"
	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
)

// TestOutOfSpaceOnlyFFmpegsOwnWords: ffmpeg's standard error is taken
// for a full disk only when one of ffmpeg's own messages says so, never
// because the output's name holds those words: at the end of a line, in
// a name with line breaks, or in a line cut by the tail's start.
func TestOutOfSpaceOnlyFFmpegsOwnWords(t *testing.T) {
	const path = "/o/no space left on device.partial-123.avi"
	const nl = "/o/a\nb: No space left on device\n.partial-9.avi"
	for _, c := range []struct {
		name, stderr string
		cut          bool
		names        []string
		want         syscall.Errno
	}{
		{"ffmpeg's own", "av_interleaved_write_frame(): No space left on device\nError writing trailer of " + path + ": No space left on device\n", false, []string{path}, syscall.ENOSPC},
		{"trailer only", "Error writing trailer of " + path + ": No space left on device\n", false, []string{path}, syscall.ENOSPC},
		{"quota", "Error closing file x.avi: Disk quota exceeded\n", false, []string{"x.avi"}, syscall.EDQUOT},
		{"name ends a line", "Error opening output " + path + "\n", false, []string{path}, 0},
		{"name ends the text", "[out#0/avi @ 0x5]: Error opening " + strings.TrimSuffix(path, ".partial-123.avi"), false, []string{strings.TrimSuffix(path, ".partial-123.avi")}, 0},
		{"name with line breaks", "Error writing trailer of " + nl + ": Broken pipe\n", false, []string{nl}, 0},
		{"base name only", "Error closing file " + filepath.Base(nl) + ": Broken pipe\n", false, []string{nl, filepath.Base(nl)}, 0},
		{"cut in a name", "b: No space left on device\n.partial-9.avi: Broken pipe\n", true, []string{nl}, 0},
		{"no message", "", false, []string{path}, 0},
	} {
		got, ok := outOfSpace(c.stderr, c.cut, c.names...)
		if got != c.want || ok != (c.want != 0) {
			t.Errorf("%s: got %v %v, want %v", c.name, got, ok, c.want)
		}
	}
}

// TestFFmpegDiskFullIsErrDiskFull: a video written to a full device (a
// character device like /dev/full, named x.avi: the test makes it; it
// needs root) fails with an error that is ErrDiskFull and ENOSPC, from
// ffmpeg's own message; one written to a device that takes everything
// (like /dev/null) and named "No space left on device.avi" does not fail.
func TestFFmpegDiskFullIsErrDiskFull(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "x.avi")
	if err := unix.Mknod(full, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		t.Skipf("cannot make a /dev/full device (needs root): %v", err)
	}
	err := writeFrames(t, full, 60)
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "No space left on device") {
		t.Errorf("the full device: %v", err)
	}
	t.Logf("%v", err)

	null := filepath.Join(dir, "No space left on device.avi")
	if err := unix.Mknod(null, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	if err := writeFrames(t, null, 10); err != nil {
		t.Errorf("the null device: %v", err)
	}
}

// writeFrames writes n frames to path and closes the sink, and returns
// the first error.
func writeFrames(t *testing.T, path string, n int) error {
	t.Helper()
	s, err := Create(path, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3), Source: pipeline.SourceInfo{Width: 320, Height: 240, FPS: 25}}
	defer o.Image.Close()
	o.Result = &pipeline.Result{}
	for i := range n {
		o.Result.PTS = time.Duration(i) * 40 * time.Millisecond
		gocv.Circle(&o.Image, imagePt(20+i*4%280, 120), 20, colorWhite, -1)
		if err := s.Write(o); err != nil {
			s.Close()
			return err
		}
	}
	return s.Close()
}
