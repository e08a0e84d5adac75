//go:build matprofile

package videofile

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestNoMatLeaks reads a clip whose YUV planes come over the pipe with
// gocv's Mat profiler (build tag matprofile): after Close, every Mat the
// source made is closed.
func TestNoMatLeaks(t *testing.T) {
	if !Installed() {
		t.Skip("no ffmpeg")
	}
	path := filepath.Join(t.TempDir(), "bt601.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "smpte170m", "-y", path).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	before := gocv.MatProfile.Count()
	src, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !src.yuv {
		t.Fatal("the clip's planes do not come over the pipe")
	}
	mat := gocv.NewMat()
	for {
		if _, err := src.Read(&mat); err != nil {
			break
		}
	}
	src.Close()
	if _, err := src.Read(&mat); err == nil {
		t.Error("a Read after Close gave a frame")
	}
	mat.Close()
	if n := gocv.MatProfile.Count() - before; n != 0 {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats left open:\n%s", n, b.String())
	}
}
