package segment_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/segment"
)

// TestDateFolderLinkRefused: a date folder of the camera that is a
// symbolic link (to a folder outside the recordings) is not written
// through: the segment would land outside DIR/NAME, where retention never
// looks, and fill that disk. Write says so, naming the folder; nothing is
// written in the link's target.
func TestDateFolderLinkRefused(t *testing.T) {
	needFFmpeg(t)
	root := t.TempDir()
	dir, outside := filepath.Join(root, "rec"), filepath.Join(root, "outside")
	for _, d := range []string{filepath.Join(dir, "cam"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "cam", "2026-12-01")); err != nil {
		t.Fatal(err)
	}
	clk := newClock(time.Date(2026, 12, 1, 15, 30, 0, 0, time.Local))
	r, err := segment.New(segment.Options{Dir: dir, Camera: "cam", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := newCamera(clk, 64, 48)
	defer c.close()
	werr := r.Write(c.frame())
	r.Close()
	if werr == nil || !strings.Contains(werr.Error(), filepath.Join(dir, "cam", "2026-12-01")) {
		t.Errorf("Write: %v, want an error naming the linked date folder", werr)
	}
	if got := tree(t, outside); len(got) != 0 {
		t.Errorf("written through the link: %q", got)
	}
}
