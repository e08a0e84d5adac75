package videofile

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestReadI420 reads a BT.601 clip's planes (ReadI420): the same bytes
// as ffmpeg's yuv420p decoding of the file, frame by frame, through a
// loop (the second pass the same as the first) and mixed with Read
// (BGR) on the same source; a clip that comes as BGR says so (I420
// false) and refuses ReadI420 with an error naming the file.
func TestReadI420(t *testing.T) {
	if !Installed() {
		t.Skip("no ffmpeg")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "planes.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=322x242:rate=10:duration=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", path).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", path, err, out)
	}
	want, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1").Output()
	if err != nil {
		t.Fatal(err)
	}
	const size = 322 * 242 * 3 / 2
	src, err := Open(path, Options{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if !src.I420() {
		t.Fatal("a BT.601 yuv420p clip does not come as planes")
	}
	mat := gocv.NewMat()
	defer mat.Close()
	for n := range 25 { // two passes and a half
		if n == 13 { // a BGR frame between planes
			if _, err := src.Read(&mat); err != nil || mat.Type() != gocv.MatTypeCV8UC3 || mat.Rows() != 242 {
				t.Fatalf("frame %d through Read: %v, type %v, %d rows", n, err, mat.Type(), mat.Rows())
			}
			continue
		}
		if _, err := src.ReadI420(&mat); err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		if mat.Type() != gocv.MatTypeCV8UC1 || mat.Cols() != 322 || mat.Rows() != 242*3/2 {
			t.Fatalf("frame %d: type %v, %dx%d", n, mat.Type(), mat.Cols(), mat.Rows())
		}
		got, _ := mat.DataPtrUint8()
		if i := n % 10; !bytes.Equal(got, want[i*size:(i+1)*size]) {
			t.Fatalf("frame %d: planes differ from ffmpeg's frame %d", n, i)
		}
	}

	bgrPath := filepath.Join(dir, "bt709.mkv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-y", bgrPath).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", bgrPath, err, out)
	}
	other, err := Open(bgrPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.I420() {
		t.Error("a BT.709 clip comes as planes")
	}
	if _, err := other.ReadI420(&mat); err == nil || !strings.Contains(err.Error(), bgrPath) {
		t.Errorf("ReadI420 of a BGR source: %v, want an error naming the file", err)
	}
}
