package video_test

import (
	"image"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
)

// planesFrame returns the I420 planes of a w×h BGR frame with a pattern
// that moves with n.
func planesFrame(w, h, n int) gocv.Mat {
	bgr := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	defer bgr.Close()
	pix, _ := bgr.DataPtrUint8()
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			pix[i], pix[i+1], pix[i+2] = uint8(4*x+8*n), uint8(5*y), uint8(2*(x+y)+16*n)
		}
	}
	planes := gocv.NewMat()
	gocv.CvtColor(bgr, &planes, gocv.ColorBGRToYUVI420)
	return planes
}

// writeI420 writes 10 frames as Outputs holding I420 planes only (Image
// left the zero Mat, as a caller's own Output may): five of 64×48, then
// five of 32×24 (a size change, scaled to fit through BGR). It returns
// the planes it wrote, the caller's to close.
func writeI420(t *testing.T, path string) []gocv.Mat {
	t.Helper()
	s, err := video.Create(path, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var frames []gocv.Mat
	for n := range 10 {
		w, h := 64, 48
		if n >= 5 {
			w, h = 32, 24
		}
		planes := planesFrame(w, h, n)
		frames = append(frames, planes)
		res := pipeline.Result{Frame: int64(n), PTS: time.Duration(n) * 100 * time.Millisecond}
		o := pipeline.Output{Result: &res, I420: planes, Source: pipeline.SourceInfo{FPS: 10}}
		if !o.HasI420() {
			t.Fatal("HasI420 false for an Output with planes")
		}
		if err := s.Write(&o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return frames
}

// TestI420FramesAsTheyAre writes planes through the sink and decodes the
// file: frames of the output's size come back as written (within
// H.264's loss), smaller ones scaled up to fill it.
func TestI420FramesAsTheyAre(t *testing.T) {
	path := filepath.Join(t.TempDir(), "planes.mkv")
	frames := writeI420(t, path)
	defer func() {
		for _, f := range frames {
			f.Close()
		}
	}()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 * 48 * 3 / 2
	if len(out) != 10*size {
		t.Fatalf("decoded %d bytes, want 10 frames of %d", len(out), size)
	}
	for n, f := range frames {
		want := f
		if n >= 5 { // the 32×24 planes, scaled to 64×48 as the sink does
			bgr, big := gocv.NewMat(), gocv.NewMat()
			gocv.CvtColor(f, &bgr, gocv.ColorYUVToBGRIYUV)
			gocv.Resize(bgr, &bgr, image.Pt(64, 48), 0, 0, gocv.InterpolationArea)
			gocv.CvtColor(bgr, &big, gocv.ColorBGRToYUVI420)
			bgr.Close()
			defer big.Close()
			want = big
		}
		pix, _ := want.DataPtrUint8()
		got := out[n*size : (n+1)*size]
		sum := 0
		for i := range got {
			d := int(got[i]) - int(pix[i])
			sum += max(d, -d)
		}
		if mean := float64(sum) / size; mean > 3 {
			t.Errorf("frame %d: decoded %.2f levels from what was written on average", n, mean)
		}
	}
}
