package clips_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/clips"
	"github.com/livecam/livecam/sink/segment"
	"github.com/livecam/livecam/track"
)

// The frames are 160x120 at 10 frames/s; frame n shows n in binary as
// ten white (1) or black (0) stripes, which survive compression, so
// that a clip's frames say which frames of the source they are.
const (
	fw, fh = 160, 120
	fps    = 10
	step   = time.Second / fps
	bits   = 10 // stripes: frames 0 to 1023
)

// needFFmpeg skips the test when ffmpeg is missing, or fails it under
// CI=true.
func needFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ffmpeg is not installed")
		}
		t.Skip("ffmpeg is not installed")
	}
}

// rig is a camera recorded in segments through a Clipper, on a fake
// clock that the frames' times drive.
type rig struct {
	t     *testing.T
	root  string
	start time.Time
	now   time.Time // the clock: the last frame's capture time
	c     *clips.Clipper
	o     *pipeline.Output
	n     int // the next frame's number
	done  chan result

	mu   sync.Mutex
	logs []string
}

type result struct {
	clip string
	err  error
}

func newRig(t *testing.T, length, keep, flush time.Duration) *rig {
	t.Helper()
	needFFmpeg(t)
	r := &rig{t: t, root: t.TempDir(), start: time.Date(2026, 12, 2, 15, 42, 0, 0, time.Local), done: make(chan result, 16)}
	r.now = r.start
	rec, err := segment.New(segment.Options{Dir: r.root, Camera: "porch", Length: length, Keep: keep, Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.c, err = clips.New(clips.Options{Recorder: rec, Root: r.root, Around: time.Second, FlushDelay: flush, Now: r.clock,
		Logf: r.logf, Done: func(clip string, err error) { r.done <- result{clip, err} }})
	if err != nil {
		t.Fatal(err)
	}
	r.o = &pipeline.Output{Image: gocv.NewMatWithSize(fh, fw, gocv.MatTypeCV8UC3), Result: &pipeline.Result{}, Source: pipeline.SourceInfo{Width: fw, Height: fh, FPS: fps}}
	t.Cleanup(func() { r.o.Image.Close() })
	return r
}

func (r *rig) clock() time.Time { return r.now }

func (r *rig) logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// until writes the frames up to PTS end (excluded), one every step from
// PTS from, numbered on.
func (r *rig) until(from, end time.Duration) {
	r.t.Helper()
	for pts := from; pts < end; pts += step {
		r.now = r.start.Add(pts)
		r.o.Result.PTS, r.o.Result.Time, r.o.Result.Frame = pts, r.now, int64(r.n)
		r.o.Image.SetTo(gocv.NewScalar(0, 0, 0, 0))
		for bit := range bits {
			if r.n>>bit&1 == 1 {
				gocv.Rectangle(&r.o.Image, image.Rect(bit*fw/bits, 0, (bit+1)*fw/bits, fh), color.RGBA{255, 255, 255, 255}, -1)
			}
		}
		r.n++
		if err := r.c.Write(r.o); err != nil {
			r.t.Fatal(err)
		}
	}
}

// wait returns the next clip the cutter is done with.
func (r *rig) wait() result {
	r.t.Helper()
	select {
	case res := <-r.done:
		return res
	case <-time.After(time.Minute):
		r.t.Fatal("no clip was cut within a minute")
		return result{}
	}
}

// numbers decodes every frame of a clip and returns the frame numbers
// they show; ffmpeg must decode it without an error.
func numbers(t *testing.T, path string) []int {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-")
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("%s does not play: %v: %s", path, err, stderr.String())
	}
	var ns []int
	for f := 0; f+fw*fh <= len(raw); f += fw * fh {
		n := 0
		for bit := range bits {
			if raw[f+fh/2*fw+bit*fw/bits+fw/bits/2] > 128 {
				n |= 1 << bit
			}
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		t.Fatalf("%s has no frame", path)
	}
	return ns
}

// checkSpan checks that the clip's first frame is at most a second (the
// clip's margin) before frame from, and at most a key frame interval (2 s)
// more, and that its last frame is at or after frame to, by less than
// two frames.
func checkSpan(t *testing.T, path string, from, to int) {
	t.Helper()
	ns := numbers(t, path)
	first, last := ns[0], ns[len(ns)-1]
	t.Logf("%s: frames %d to %d (%d frames); want from at most %d, to at least %d", filepath.Base(path), first, last, len(ns), from, to)
	if first > from || first < from-2*fps {
		t.Errorf("the clip starts at frame %d; want at most %d (the stay's start less the margin), by at most a key frame interval", first, from)
	}
	if last < to || last > to+2 {
		t.Errorf("the clip ends at frame %d; want %d (the stay's end and the margin)", last, to)
	}
	for i := 1; i < len(ns); i++ {
		if ns[i] != ns[i-1]+1 {
			t.Errorf("frame %d follows frame %d in the clip", ns[i], ns[i-1])
			break
		}
	}
}

// checkSnapshot checks that path is a JPEG of frame n.
func checkSnapshot(t *testing.T, path string, n int) {
	t.Helper()
	head := make([]byte, 3)
	if f, err := os.Open(path); err != nil {
		t.Fatalf("no snapshot: %v", err)
	} else {
		f.Read(head)
		f.Close()
	}
	if !bytes.Equal(head, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("%s is not a JPEG: it starts % x", path, head)
	}
	if ns := numbers(t, path); len(ns) != 1 || ns[0] != n {
		t.Errorf("%s shows frames %v; want frame %d (the stay's best)", filepath.Base(path), ns, n)
	}
}

// An object's stay across a segment boundary gets one clip, cut while
// the camera runs, from a second before its start to a second after its
// end, named in the leave event after the object and its start.
func TestClipSpansSegments(t *testing.T) {
	r := newRig(t, 3*time.Second, 0, 0)
	r.until(0, 3800*time.Millisecond)
	enter := r.c.ObjectEvent(track.Event{Type: track.Enter, ID: 3, Label: "dog", Start: 2500 * time.Millisecond})
	leave := r.c.ObjectEvent(track.Event{Type: track.Leave, ID: 3, Label: "dog", Start: 2500 * time.Millisecond, End: 3700 * time.Millisecond,
		PeakTime: 3600 * time.Millisecond, Snapshot: "snapshots/porch-3.dog.jpg"})
	zone := r.c.ObjectEvent(track.Event{Type: track.Leave, ID: 3, Label: "dog", Zone: "yard", Start: 2500 * time.Millisecond, End: 3700 * time.Millisecond})
	if enter.Clip != "" || zone.Clip != "" {
		t.Errorf("an enter and a zone's leave name clips %q, %q; want none", enter.Clip, zone.Clip)
	}
	want := filepath.Join("porch", "clips", "2026-12-02", "15-42-02.dog-3.mp4")
	if leave.Clip != want {
		t.Fatalf("the leave event names clip %q; want %q", leave.Clip, want)
	}
	// Due at 3.7 + 1 + 3 s: cut in the background while frames go on.
	r.until(3800*time.Millisecond, 9*time.Second)
	res := r.wait()
	if res.clip != want || res.err != nil {
		t.Fatalf("cut %q: %v", res.clip, res.err)
	}
	checkSpan(t, filepath.Join(r.root, want), 15, 47)
	if snap := strings.TrimSuffix(want, ".mp4") + ".jpg"; leave.Snapshot != snap {
		t.Errorf("the leave event names snapshot %q; want %q (beside the clip, in place of -snapshots' one)", leave.Snapshot, snap)
	}
	checkSnapshot(t, filepath.Join(r.root, leave.Snapshot), 36)
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
	if len(r.logs) > 0 {
		t.Errorf("warnings: %q", r.logs)
	}
	if matches, _ := filepath.Glob(filepath.Join(r.root, "porch", "clips", "*", "*partial*")); len(matches) > 0 {
		t.Errorf("partial files left: %q", matches)
	}
}

// A label's stay in the segment being written is cut from its partial
// file; a second stay of the same label and second gets the next name;
// a stay still due at Close is cut after the recording is finished.
func TestClipFromSegmentBeingWritten(t *testing.T) {
	r := newRig(t, time.Minute, 0, 0)
	r.until(0, 5*time.Second)
	ev := r.c.Event(events.Event{Type: events.Leave, Label: "bullet train", Start: 2 * time.Second, End: 4 * time.Second, PeakTime: 2300 * time.Millisecond})
	again := r.c.Event(events.Event{Type: events.Leave, Label: "bullet train", Start: 2050 * time.Millisecond, End: 4500 * time.Millisecond})
	want := filepath.Join("porch", "clips", "2026-12-02", "15-42-02.bullet_train.mp4")
	if ev.Clip != want || again.Clip != strings.TrimSuffix(want, ".mp4")+"-2.mp4" {
		t.Fatalf("clips %q and %q; want %q and its -2", ev.Clip, again.Clip, want)
	}
	r.until(5*time.Second, 8500*time.Millisecond)
	if res := r.wait(); res.clip != ev.Clip || res.err != nil {
		t.Fatalf("cut %q: %v", res.clip, res.err)
	}
	checkSpan(t, filepath.Join(r.root, ev.Clip), 10, 50)
	if snap := strings.TrimSuffix(want, ".mp4") + ".jpg"; ev.Snapshot != snap {
		t.Errorf("the leave event names snapshot %q; want %q", ev.Snapshot, snap)
	}
	checkSnapshot(t, filepath.Join(r.root, ev.Snapshot), 23)
	// The second is due at 8.5 s: not yet; Close cuts it.
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
	if res := r.wait(); res.clip != again.Clip || res.err != nil {
		t.Fatalf("cut %q: %v", res.clip, res.err)
	}
	checkSpan(t, filepath.Join(r.root, again.Clip), 10, 55)
}

// A stay across an outage (the stream away for 15 s, the timestamps
// going on meanwhile) maps onto the recording, where the gap is cut out.
func TestClipAcrossOutage(t *testing.T) {
	r := newRig(t, time.Minute, 0, 0)
	r.until(0, 5*time.Second)               // frames 0 to 49
	r.until(20*time.Second, 30*time.Second) // frames 50 to 149, at 20 s to 29.9 s
	// A file of the snapshot's name (a user's) gives the clip the next name.
	mine := filepath.Join(r.root, "porch", "clips", "2026-12-02", "15-42-04.person-1.jpg")
	os.MkdirAll(filepath.Dir(mine), 0o755)
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev := r.c.ObjectEvent(track.Event{Type: track.Leave, ID: 1, Label: "person", Start: 4 * time.Second, End: 22 * time.Second})
	if want := filepath.Join("porch", "clips", "2026-12-02", "15-42-04.person-1-2"); ev.Clip != want+".mp4" || ev.Snapshot != want+".jpg" {
		t.Errorf("the event names %q and %q; want %s.mp4 and .jpg", ev.Clip, ev.Snapshot, want)
	}
	r.until(30*time.Second, 31*time.Second)
	if res := r.wait(); res.err != nil {
		t.Fatalf("cut %q: %v", res.clip, res.err)
	}
	// From 3 s (frame 30) to 23 s (frame 50 + 30).
	checkSpan(t, filepath.Join(r.root, ev.Clip), 30, 80)
	if b, err := os.ReadFile(mine); err != nil || string(b) != "mine" {
		t.Errorf("the user's %s was touched: %q, %v", mine, b, err)
	}
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
}

// A clip whose segment retention deleted before it was due is a warning
// naming the clip, the stay and the reason; the run goes on.
func TestClipOfDeletedSegment(t *testing.T) {
	r := newRig(t, 2*time.Second, 4*time.Second, 6*time.Second)
	r.until(0, 2*time.Second)
	ev := r.c.ObjectEvent(track.Event{Type: track.Leave, ID: 7, Label: "cat", Start: 500 * time.Millisecond, End: 1500 * time.Millisecond})
	r.until(2*time.Second, 9*time.Second) // due at 8.5 s; the first segment went at 8 s
	res := r.wait()
	if res.clip != ev.Clip || res.err == nil || !strings.Contains(res.err.Error(), "deleted by the retention rules") {
		t.Fatalf("cut %q: %v; want it refused, its segment deleted", res.clip, res.err)
	}
	r.until(9*time.Second, 10*time.Second)
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
	if len(r.logs) != 1 || !regexp.MustCompile(`^warning: clip porch/clips/2026-12-02/15-42-00\.cat-7\.mp4 \(cat 7, 0:00\.5 to 0:01\.5\) was not cut: its segment .*15-42-00\.mp4 is gone .*\(nor its snapshot 15-42-00\.cat-7\.jpg\)$`).MatchString(r.logs[0]) {
		t.Errorf("warnings %q; want one naming the clip, the stay and the segment", r.logs)
	}
	for _, name := range []string{ev.Clip, ev.Snapshot} {
		if _, err := os.Stat(filepath.Join(r.root, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
}

// A stay far into the segment being written, cut while the writer goes
// on, starts at most a key frame interval before its margin, not at the
// segment's start (ffmpeg's seek in a growing fragmented MP4 is not to
// be trusted), and ends at its margin. Its name has the label's short
// name, as the events' messages give it.
func TestClipFarIntoSegmentBeingWritten(t *testing.T) {
	r := newRig(t, 10*time.Minute, 0, 0)
	r.until(0, 40*time.Second)
	ev := r.c.Event(events.Event{Type: events.Leave, Label: "sports car, sport car", Start: 31 * time.Second, End: 33 * time.Second, PeakTime: 32500 * time.Millisecond})
	if want := filepath.Join("porch", "clips", "2026-12-02", "15-42-31.sports_car.mp4"); ev.Clip != want {
		t.Errorf("the leave event names clip %q; want %q", ev.Clip, want)
	}
	r.until(40*time.Second, 45*time.Second)
	if res := r.wait(); res.clip != ev.Clip || res.err != nil {
		t.Fatalf("cut %q: %v", res.clip, res.err)
	}
	if matches, _ := filepath.Glob(filepath.Join(r.root, "porch", "2026-12-02", "*partial*")); len(matches) != 1 {
		t.Fatalf("segment files being written: %q; want one", matches)
	}
	checkSpan(t, filepath.Join(r.root, ev.Clip), 300, 340)
	checkSnapshot(t, filepath.Join(r.root, ev.Snapshot), 325)
	r.until(45*time.Second, 46*time.Second)
	if err := r.c.Close(); err != nil {
		t.Fatal(err)
	}
}
