//go:build matprofile

package video_test

import (
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestNoMatLeaks writes I420 planes through the sink, with a size change
// (the frames converted to BGR and scaled), under gocv's Mat profiler
// (build tag matprofile): every Mat the sink made is closed by Close.
func TestNoMatLeaks(t *testing.T) {
	before := gocv.MatProfile.Count()
	for _, f := range writeI420(t, filepath.Join(t.TempDir(), "planes.mkv")) {
		f.Close()
	}
	if after := gocv.MatProfile.Count(); after != before {
		t.Errorf("%d Mats live before, %d after", before, after)
	}
}
