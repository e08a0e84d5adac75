package report

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/livecam/livecam/timeline"
)

// TestNoThumbnailForNoSignal: a no-signal segment gets no thumbnail: no
// frame was seen then, and the video's frame at that time (a recording
// has none of the outage) would pass for one; the segments around it get
// theirs.
func TestNoThumbnailForNoSignal(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ffmpeg is not installed")
		}
		t.Skip("ffmpeg is not installed")
	}
	video := filepath.Join(t.TempDir(), "porch.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25",
		"-t", "4", "-pix_fmt", "yuv420p", video).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	segs := []timeline.Segment{
		{Start: 0, End: time.Second, Class: 144, Label: "pelican"},
		{Start: time.Second, End: 3 * time.Second, Class: timeline.NoSignal},
		{Start: 3 * time.Second, End: 4 * time.Second, Class: 144, Label: "pelican"},
	}
	thumbs, err := Thumbnails(video, segs, 24)
	if err != nil {
		t.Fatal(err)
	}
	if len(thumbs) != 3 || thumbs[0] == nil || thumbs[1] != nil || thumbs[2] == nil {
		t.Errorf("thumbnails present: %v %v %v, want yes no yes", thumbs[0] != nil, len(thumbs) > 1 && thumbs[1] != nil, len(thumbs) > 2 && thumbs[2] != nil)
	}
}
