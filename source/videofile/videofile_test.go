package videofile

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestFramesMatchFFmpegBGR decodes generated clips with the source and
// compares every frame with ffmpeg's own BGR conversion of the file: the
// clips whose YUV planes come over the pipe (BT.601, limited range, even
// size) and the ones ffmpeg still converts (BT.709, full range, odd
// size), each through the path Open chose for it.
func TestFramesMatchFFmpegBGR(t *testing.T) {
	if !Installed() {
		t.Skip("no ffmpeg")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		size   string
		tags   []string // encoder and options: the stream's colour matrix and range
		planes bool     // whether the YUV planes path is the one to take
	}{
		{"bt601", "320x240", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "smpte170m", "-color_range", "tv"}, true},
		{"untagged", "320x240", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}, true},
		{"bt709", "320x240", []string{"-c:v", "libx264", "-vf", "scale=out_color_matrix=bt709", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_range", "tv"}, false},
		{"fullrange", "320x240", []string{"-c:v", "libx264", "-pix_fmt", "yuvj420p"}, false},
		// yuv420p but tagged full range (FFV1 keeps the pixel format).
		{"fullrangetag", "320x240", []string{"-c:v", "ffv1", "-vf", "scale=out_range=full", "-pix_fmt", "yuv420p", "-color_range", "pc"}, false},
		// yuv420p of odd size, whose chroma planes are rounded up.
		{"oddsize", "321x241", []string{"-c:v", "ffv1", "-vf", "scale=321:241", "-pix_fmt", "yuv420p"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".mkv")
			args := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=1"}, tc.tags...)
			if out, err := exec.Command("ffmpeg", append(args, "-y", path)...).CombinedOutput(); err != nil {
				t.Fatalf("making %s: %v\n%s", path, err, out)
			}
			want, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1").Output()
			if err != nil {
				t.Fatal(err)
			}
			src, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.yuv != tc.planes {
				t.Errorf("YUV planes path %v, want %v", src.yuv, tc.planes)
			}
			var w, h int
			fmt.Sscanf(tc.size, "%dx%d", &w, &h)
			mat := gocv.NewMat()
			defer mat.Close()
			frames := 0
			for ; ; frames++ {
				if _, err := src.Read(&mat); err != nil {
					break
				}
				got, _ := mat.DataPtrUint8()
				ref := want[frames*w*h*3 : (frames+1)*w*h*3]
				if mean, worst := diff(got, ref); mean > 1 || worst > 12 {
					t.Fatalf("frame %d: mean difference %.2f, largest %d from ffmpeg's BGR", frames, mean, worst)
				}
			}
			if frames != 10 || len(want) != 10*w*h*3 {
				t.Errorf("%d frames read, ffmpeg gave %d", frames, len(want)/(w*h*3))
			}
		})
	}
}

// diff returns the mean and largest absolute difference of two images'
// bytes.
func diff(a, b []byte) (float64, int) {
	if len(a) != len(b) || bytes.Equal(a, b) {
		if len(a) != len(b) {
			return 255, 255
		}
		return 0, 0
	}
	sum, worst := 0, 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		worst = max(worst, d)
	}
	return float64(sum) / float64(len(a)), worst
}
