package mainjob

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/cliflag"
)

// TestClipsNeedARecording: -clips is refused, naming what is missing,
// for a source that has no recording in segments to cut clips from.
func TestClipsNeedARecording(t *testing.T) {
	const cam = "http://127.0.0.1:8090/cam.mjpg"
	for _, tc := range []struct {
		name   string
		j      Job
		outDir string
		clips  time.Duration
		want   string // "" accepted
	}{
		{"porch", Job{Source: cam}, "rec", time.Second, ""},
		{"", Job{Source: "clip.mp4"}, "", 0, ""},
		{"", Job{Source: "clip.mp4", Out: "rec/clip.mp4"}, "rec", time.Second, ""},
		{"yard", Job{Source: "yard.mp4", Out: "rec/yard.mp4"}, "rec", time.Second, ""},
		{"", Job{Source: "clip.mp4"}, "", time.Second, "-clips: clip.mp4 writes no annotated video to cut clips from: give -out FILE or -out-dir DIR"},
		{"", Job{Source: cam, Out: "cam.mp4"}, "", time.Second, "-clips: " + cam + " has no recording to cut clips from"},
		{"", Job{Source: cam}, "rec", time.Second, "-clips: " + cam + " has no recording to cut clips from"},
		{"yard", Job{Source: "yard.mp4"}, "rec", time.Second, "camera yard is a file, not a live camera"},
		{"porch", Job{Source: cam, Out: "porch.mp4"}, "rec", time.Second, "camera porch writes its video to porch.mp4"},
		{"porch", Job{Source: cam}, "", time.Second, "camera porch has no recording to cut clips from: -out-dir (or out_dir:) is missing"},
	} {
		f := Defaults()
		f.OutDir, f.Clips = tc.outDir, tc.clips
		err := clipsNeed(tc.name, tc.j, &f)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %+v: %v", tc.name, tc.j, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, cliflag.ErrUsage)):
			t.Errorf("%s %+v: %v; want a usage error saying %q", tc.name, tc.j, err, tc.want)
		}
	}
}
