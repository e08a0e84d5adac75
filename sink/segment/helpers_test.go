package segment_test

import (
	"crypto/sha256"
	"image"
	"image/color"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/segment"
)

// clock is a fake clock that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// needFFmpeg skips the test when ffmpeg and ffprobe are missing, or fails
// it under CI=true.
func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, p := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
}

// camera makes frames of a moving disc at 25 frames/s, and advances the
// clock by a frame's time before each.
type camera struct {
	o     *pipeline.Output
	clk   *clock
	n     int
	noise bool // a noisy corner, so that the segments have some size
}

func newCamera(clk *clock, w, h int) *camera {
	c := &camera{clk: clk}
	c.o = &pipeline.Output{Image: gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3), Result: &pipeline.Result{}, Source: pipeline.SourceInfo{Width: w, Height: h, FPS: 25}}
	return c
}

func (c *camera) resize(w, h int) {
	c.o.Image.Close()
	c.o.Image = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
}

func (c *camera) close() { c.o.Image.Close() }

// frame draws the next frame; the clock reads its time (the first frame
// at the clock's start).
func (c *camera) frame() *pipeline.Output {
	if c.n > 0 {
		c.clk.Add(40 * time.Millisecond)
	}
	c.o.Result.PTS = time.Duration(c.n) * 40 * time.Millisecond
	c.o.Result.Frame = int64(c.n)
	c.o.Image.SetTo(gocv.NewScalar(40, 80, 120, 0))
	w, h := c.o.Image.Cols(), c.o.Image.Rows()
	gocv.Circle(&c.o.Image, image.Pt(c.n%w, h/2), h/4, color.RGBA{255, 255, 255, 255}, -1)
	if c.noise {
		roi := c.o.Image.Region(image.Rect(0, 0, w/2, h/2))
		gocv.RandU(&roi, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
		roi.Close()
	}
	c.n++
	return c.o
}

// write writes n frames.
func (c *camera) write(t testing.TB, r *segment.Recorder, n int) {
	t.Helper()
	for range n {
		if err := r.Write(c.frame()); err != nil {
			t.Fatal(err)
		}
	}
}

// frames returns the number of frames ffprobe decodes in path, and its
// size.
func probe(t testing.TB, path string) (frames, w, h int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(f) != 3 {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	w, _ = strconv.Atoi(f[0])
	h, _ = strconv.Atoi(f[1])
	frames, err = strconv.Atoi(f[2])
	if err != nil {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return frames, w, h
}

// tree lists the files under dir, relative to it, sorted.
func tree(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// du returns the bytes of the files under dir.
func du(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func sum(t testing.TB, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func names(segs []segment.Segment, dir string) []string {
	var s []string
	for _, g := range segs {
		rel, _ := filepath.Rel(dir, g.Path)
		s = append(s, rel)
	}
	return s
}
