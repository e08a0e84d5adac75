package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
)

// TestLabelsEscaped: labels with quotes, backslashes, control characters
// and invalid UTF-8 still make valid JSON that decodes to the label (with
// U+FFFD for the invalid bytes).
func TestLabelsEscaped(t *testing.T) {
	for _, label := range []string{`say "cheese"`, `back\slash`, "tab\there\nnewline\x00nul\x1f", "caf\xe9 au lait", "ok ünïcödé ☕", "\xff\xfe"} {
		var res pipeline.Result
		res.SetTop([]classify.Prediction{{Class: 1, Label: label, Score: 0.5}})
		line := AppendResult(nil, &res)
		var got struct {
			Top []struct{ Label string } `json:"top"`
		}
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("label %q: invalid JSON %s: %v", label, line, err)
		}
		if want := validUTF8(label); got.Top[0].Label != want {
			t.Errorf("label %q came back as %q", label, got.Top[0].Label)
		}
		if !utf8.Valid(line) || bytes.Count(line, []byte("\n")) != 1 {
			t.Errorf("label %q: line %q is not one valid UTF-8 line", label, line)
		}
	}
}

func TestResultLine(t *testing.T) {
	var res pipeline.Result
	res.Frame, res.PTS, res.Inferred, res.Latency, res.Dropped = 12, 400*time.Millisecond, true, 9830*time.Microsecond, 3
	res.Time = time.Date(2026, 11, 27, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))
	res.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}, {Class: 2, Label: "x", Score: float32(math.NaN())}})
	got := string(AppendResult(nil, &res))
	want := `{"frame":12,"pts_ms":400.0,"time":"2026-11-27T08:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700},{"class":2,"label":"x","score":null}],"inferred":true,"latency_ms":9.8,"dropped":3}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	res.Width, res.Height = 640, 360
	if got := string(AppendResult(nil, &res)); !strings.HasSuffix(got, `,"size":[640,360]}`+"\n") {
		t.Errorf("a frame of another size: %s", got)
	}
}

func TestEventLines(t *testing.T) {
	e := events.Event{Type: events.Enter, Class: 466, Label: "bullet train, bullet", Start: 1200 * time.Millisecond, PeakScore: 0.97, MeanScore: 0.91, Frames: 12}
	if got, want := string(AppendEvent(nil, e)), `{"type":"enter","class":466,"label":"bullet train","start_ms":1200.0,"peak_score":0.9700,"mean_score":0.9100,"frames":12}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	e.Type, e.End, e.Frames = events.Leave, 4800*time.Millisecond, 108
	if got, want := string(AppendEvent(nil, e)), `{"type":"leave","class":466,"label":"bullet train","start_ms":1200.0,"end_ms":4800.0,"peak_score":0.9700,"mean_score":0.9100,"frames":108}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAppendAllocatesNothing(t *testing.T) {
	var res pipeline.Result
	res.Time = time.Now()
	res.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}})
	buf := make([]byte, 0, 512)
	if a := testing.AllocsPerRun(100, func() { buf = AppendResult(buf[:0], &res) }); a != 0 {
		t.Errorf("%v allocations per result line", a)
	}
}

// validUTF8 replaces each invalid byte by U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // an invalid byte ranges as utf8.RuneError
	}
	return b.String()
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
