package capture

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
)

// TestColorAssumed: OpenCV decodes an H.264 file as BT.601 whatever it
// says, so its colour is assumed; Motion JPEG, from a file or an HTTP
// camera, is BT.601 by definition.
func TestColorAssumed(t *testing.T) {
	h264 := filepath.Join(t.TempDir(), "h264.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", h264).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	cam, err := mjpegtest.Start(320, 240, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Stop()
	for _, tc := range []struct {
		name string
		open func() (*Source, error)
		want bool
	}{
		{"H.264 file", func() (*Source, error) { return File(h264, FileOptions{}) }, true},
		{"Motion JPEG file", func() (*Source, error) { return File("../../testdata/videos/shapes_320x240.avi", FileOptions{}) }, false},
		{"Motion JPEG camera", func() (*Source, error) { return Stream(cam.URL(), "camera") }, false},
	} {
		s, err := tc.open()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := s.Info().ColorAssumed; got != tc.want {
			t.Errorf("%s: ColorAssumed %v, want %v", tc.name, got, tc.want)
		}
		s.Close()
	}
}
