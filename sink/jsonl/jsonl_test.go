package jsonl

import (
	"bytes"
	"errors"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
)

// TestResultsLines: the Results sink writes each frame's result as
// wire.AppendResult's message and a newline, a classifier's and a
// detector's, through its Writer.
func TestResultsLines(t *testing.T) {
	var out bytes.Buffer
	r := NewResults(NewWriter(&out, "test"))
	var res pipeline.Result
	res.Frame, res.PTS, res.Inferred, res.Latency, res.Dropped = 12, 400*time.Millisecond, true, 9830*time.Microsecond, 3
	res.Time = time.Date(2026, 11, 27, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))
	res.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}, {Class: 2, Label: "x", Score: float32(math.NaN())}})
	if err := r.Write(&pipeline.Output{Result: &res}); err != nil {
		t.Fatal(err)
	}
	var det pipeline.Result
	det.Frame, det.PTS, det.Inferred, det.Latency = 7, 280*time.Millisecond, true, 41200*time.Microsecond
	det.SetObjects([]detect.Object{{ID: 3, Class: 17, Label: "dog", Score: 0.79296875, Box: image.Rect(120, 49, 249, 295)}})
	if err := r.Write(&pipeline.Output{Result: &det}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	want := `{"frame":12,"pts_ms":400.0,"time":"2026-11-27T08:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700},{"class":2,"label":"x","score":null}],"inferred":true,"latency_ms":9.8,"dropped":3}` + "\n" +
		`{"frame":7,"pts_ms":280.0,"objects":[{"id":3,"class":17,"label":"dog","score":0.79296875,"box":[120,49,129,246]}],"inferred":true,"latency_ms":41.2,"dropped":0}` + "\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

// TestResultsAllocateNothing: once started, the Results sink writes a
// frame's line without allocating.
func TestResultsAllocateNothing(t *testing.T) {
	r := NewResults(NewWriter(io.Discard, "test"))
	defer r.Close()
	var res pipeline.Result
	res.Time = time.Now()
	res.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}})
	o := &pipeline.Output{Result: &res}
	r.Write(o) // starts the Writer's goroutine
	if a := testing.AllocsPerRun(100, func() {
		if err := r.Write(o); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per result line", a)
	}
}

// TestStallAtCloseReported: a FIFO whose reader opened it but takes
// nothing, with the run ending before the stall timeout. Close gives the
// reader CloseTimeout, then must say that lines were lost (an error
// wrapping pipeline.ErrOutputEnded), not return nil as if all were
// delivered.
func TestStallAtCloseReported(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "f")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := Create(fifo, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	line := append(bytes.Repeat([]byte("x"), 299), '\n')
	for range 1000 { // 300 KB: more than a pipe holds
		if err := w.WriteLine(line); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	err = w.Close()
	if !errors.Is(err, pipeline.ErrOutputEnded) || !strings.Contains(err.Error(), "the reader took nothing") {
		t.Errorf("Close = %v; want the stall reported", err)
	}
	if d := time.Since(start); d > CloseTimeout+time.Second {
		t.Errorf("Close took %v", d)
	}
}

// TestFullDiskIsENOSPC: a results file on a full disk (a character device
// like /dev/full, named r.jsonl: the test makes it; it needs root) fails
// with an error that is syscall.ENOSPC, so that a caller tells a full
// disk by the error's identity, never by its text.
func TestFullDiskIsENOSPC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|7); err != nil {
		t.Skipf("cannot make a /dev/full device (needs root): %v", err)
	}
	w, err := Create(path, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	werr := w.WriteLine([]byte("{}\n"))
	err = errors.Join(werr, w.Close())
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("got %v, want an error that is ENOSPC", err)
	}
}
