package cvlog

import (
	"fmt"
	"os"
	"testing"
)

func TestSetAndGet(t *testing.T) {
	old := Get()
	defer Set(old)
	for _, l := range []Level{Silent, Error, Warning} {
		Set(l)
		if got := Get(); got != l {
			t.Errorf("Set(%d): Get() = %d", l, got)
		}
	}
}

// TestQuiet: Quiet silences OpenCV and gives FFmpeg (through OpenCV) and
// GStreamer their quiet levels, keeping a variable the user has set.
func TestQuiet(t *testing.T) {
	old := Get()
	defer Set(old)
	Set(Warning)
	t.Setenv("OPENCV_FFMPEG_LOGLEVEL", "")
	os.Unsetenv("OPENCV_FFMPEG_LOGLEVEL")
	t.Setenv("GST_DEBUG", "3")
	Quiet()
	if got := Get(); got != Silent {
		t.Errorf("OpenCV's level %d after Quiet, want Silent", got)
	}
	if got := os.Getenv("OPENCV_FFMPEG_LOGLEVEL"); got != FFmpegQuiet {
		t.Errorf("OPENCV_FFMPEG_LOGLEVEL=%q after Quiet, want %q", got, FFmpegQuiet)
	}
	if got := os.Getenv("GST_DEBUG"); got != "3" {
		t.Errorf("GST_DEBUG=%q after Quiet, want the user's 3 kept", got)
	}
}

// At the start of a run without -v: OpenCV silent, and FFmpeg's level
// (through OpenCV) quiet unless the user set one.
func ExampleQuiet() {
	os.Unsetenv("OPENCV_FFMPEG_LOGLEVEL")
	Quiet()
	fmt.Println(Get() == Silent, os.Getenv("OPENCV_FFMPEG_LOGLEVEL"))
	// Output:
	// true -8
}
