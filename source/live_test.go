package source_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/livecam/livecam/source"
)

func TestIsLive(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"0", "Wow!.mp4", "clip.mp4"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		spec string
		want bool
	}{
		{"1", true},
		{"rtsp://admin:pw@10.0.0.5/live", true},
		{"http://127.0.0.1:8080/cam.mjpg", true},
		{"videotestsrc ! videoconvert ! appsink", true},
		{"rtspsrc location=rtsp://cam/live ! decodebin ! appsink", true},
		{"0", false},        // a file named 0 here
		{"Wow!.mp4", false}, // a file, though it has a "!"
		{"clip.mp4", false},
		{".", false},                   // a folder: Open refuses it, nothing comes back
		{"missing.mp4", false},         // no such file: not a camera either
		{"-1", false},                  // not a camera index
		{"", false},                    //
		{"http://a b/cam.mjpg", false}, // not a URL Open takes
	} {
		if got := source.IsLive(tc.spec); got != tc.want {
			t.Errorf("IsLive(%q) = %v, want %v", tc.spec, got, tc.want)
		}
	}
}

// A multi-camera program tries again the sources that may come back.
func ExampleIsLive() {
	for _, spec := range []string{"0", "rtsp://10.0.0.5/live", "no-such-clip.mp4"} {
		fmt.Println(spec, source.IsLive(spec))
	}
	// Output:
	// 0 true
	// rtsp://10.0.0.5/live true
	// no-such-clip.mp4 false
}
