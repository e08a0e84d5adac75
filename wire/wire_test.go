package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// TestGolden: every message kind, on inputs of every shape (see
// cases_test.go), is byte for byte what sink/jsonl wrote before the wire
// format moved here, and JSON.
func TestGolden(t *testing.T) {
	f, err := os.Open("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct{ kind, msg string }
	var want []line
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		kind, msg, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("testdata/golden.txt:%d: no tab", len(want)+1)
		}
		want = append(want, line{kind, msg})
	}
	var got []line
	var b []byte // reused, as the sinks do
	for _, r := range goldenResults() {
		b = AppendResult(b[:0], r)
		got = append(got, line{"result", string(b)})
	}
	for _, e := range goldenEvents() {
		b = AppendEvent(b[:0], e)
		got = append(got, line{"event", string(b)})
	}
	oes, cams := goldenObjectEvents()
	for i, e := range oes {
		b = AppendObjectEvent(b[:0], cams[i], e)
		got = append(got, line{"object", string(b)})
	}
	var tc TopChanges
	for _, r := range goldenTops() {
		msg := "-"
		if tc.Changed(r) {
			msg = string(AppendTop(b[:0], r))
		}
		got = append(got, line{"top", msg})
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, the golden file has %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("testdata/golden.txt:%d (%s):\ngot  %s\nwant %s", i+1, want[i].kind, got[i].msg, want[i].msg)
		}
		if m := got[i].msg; m != "-" && !json.Valid([]byte(m)) {
			t.Errorf("message %d is not JSON: %s", i+1, m)
		}
	}
}

// TestClassifierResult: a classifier's result, field by field; a frame
// of another size adds "size".
func TestClassifierResult(t *testing.T) {
	var res pipeline.Result
	res.Frame, res.PTS, res.Inferred, res.Latency, res.Dropped = 12, 400*time.Millisecond, true, 9830*time.Microsecond, 3
	res.Time = time.Date(2026, 11, 27, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))
	res.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}, {Class: 2, Label: "x", Score: float32(math.NaN())}})
	got := string(AppendResult(nil, &res))
	want := `{"frame":12,"pts_ms":400.0,"time":"2026-11-27T08:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700},{"class":2,"label":"x","score":null}],"inferred":true,"latency_ms":9.8,"dropped":3}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	res.Width, res.Height = 640, 360
	if got := string(AppendResult(nil, &res)); !strings.HasSuffix(got, `,"size":[640,360]}`) {
		t.Errorf("a frame of another size: %s", got)
	}
}

// TestDetectorResult: a detector's result has "objects" in place of
// "top": the id only when tracked, the score as the shortest float32
// decimal (null when not finite), the box as x, y, width, height; no
// objects is an empty list, and a label that needs escaping stays JSON.
func TestDetectorResult(t *testing.T) {
	var res pipeline.Result
	res.Frame, res.PTS, res.Inferred, res.Latency = 7, 280*time.Millisecond, true, 41200*time.Microsecond
	res.Time = time.Date(2026, 11, 27, 9, 30, 0, 123e6, time.UTC)
	res.SetTop([]classify.Prediction{{Class: 1, Label: "not printed", Score: 0.5}})
	res.SetObjects([]detect.Object{
		{ID: 3, Class: 17, Label: "dog", Score: 0.79296875, Box: image.Rect(120, 49, 249, 295)},
		{Class: 0, Label: `a "person"`, Score: 0.1, Box: image.Rect(0, 0, 10, 20)},
		{ID: 12, Class: 31, Label: "tie", Score: float32(math.NaN()), Box: image.Rect(5, 6, 5, 6)},
	})
	got := string(AppendResult(nil, &res))
	want := `{"frame":7,"pts_ms":280.0,"time":"2026-11-27T09:30:00.123Z","objects":[` +
		`{"id":3,"class":17,"label":"dog","score":0.79296875,"box":[120,49,129,246]},` +
		`{"class":0,"label":"a \"person\"","score":0.1,"box":[0,0,10,20]},` +
		`{"id":12,"class":31,"label":"tie","score":null,"box":[5,6,0,0]}` +
		`],"inferred":true,"latency_ms":41.2,"dropped":0}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Each score reads back as the same float32.
	for _, s := range []float32{0.5, 0.1, 0.83203125, 1.0 / 256, 0.99609375} {
		res.SetObjects([]detect.Object{{Score: s}})
		var l struct{ Objects []struct{ Score float64 } }
		if err := json.Unmarshal(AppendResult(nil, &res), &l); err != nil {
			t.Fatal(err)
		}
		if back := float32(l.Objects[0].Score); back != s {
			t.Errorf("score %v came back as %v", s, back)
		}
	}
	res.SetObjects(nil)
	if got := string(AppendResult(nil, &res)); got != `{"frame":7,"pts_ms":280.0,"time":"2026-11-27T09:30:00.123Z","objects":[],"inferred":true,"latency_ms":41.2,"dropped":0}` {
		t.Errorf("no objects: %s", got)
	}
}

// TestEvent: a classifier's enter and leave, with the label's display
// name.
func TestEvent(t *testing.T) {
	e := events.Event{Type: events.Enter, Class: 466, Label: "bullet train, bullet", Start: 1200 * time.Millisecond, PeakScore: 0.97, MeanScore: 0.91, Frames: 12}
	if got, want := string(AppendEvent(nil, e)), `{"type":"enter","class":466,"label":"bullet train","start_ms":1200.0,"peak_score":0.9700,"mean_score":0.9100,"frames":12}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	e.Type, e.End, e.Frames = events.Leave, 4800*time.Millisecond, 108
	if got, want := string(AppendEvent(nil, e)), `{"type":"leave","class":466,"label":"bullet train","start_ms":1200.0,"end_ms":4800.0,"peak_score":0.9700,"mean_score":0.9100,"frames":108}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A live camera's: the wall-clock time of the deciding frame, in
	// UTC to the millisecond, and the camera's name.
	e.Time, e.Camera = time.Date(2026, 12, 2, 16, 42, 7, 123456789, time.FixedZone("CET", 3600)), `porch "east"`
	if got, want := string(AppendEvent(nil, e)), `{"type":"leave","class":466,"label":"bullet train","start_ms":1200.0,"end_ms":4800.0,"peak_score":0.9700,"mean_score":0.9100,"frames":108,"time":"2026-12-02T15:42:07.123Z","camera":"porch \"east\""}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestObjectEvent: a tracked object's enter and leave.
func TestObjectEvent(t *testing.T) {
	e := track.Event{Type: track.Enter, ID: 3, Class: 17, Label: "dog", Zones: []string{}, Start: 0, Time: 80 * time.Millisecond,
		PeakScore: 0.91015625, PeakTime: 40 * time.Millisecond, PeakBox: track.Box{X: 412, Y: 96, W: 230, H: 301}, Frames: 3}
	if got, want := string(AppendObjectEvent(nil, "porch", e)), `{"type":"enter","camera":"porch","id":3,"class":17,"label":"dog","zones":[],"start_ms":0.0,"time_ms":80.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[412,96,230,301],"frames":3}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	e.Type, e.Zone, e.Zones, e.Start, e.End, e.Time, e.Frames = track.Leave, "drive\"way", []string{"porch", "lawn"}, 200*time.Millisecond, 4800*time.Millisecond, 4840*time.Millisecond, 96
	e.PeakBox = track.Box{X: 380.5, Y: math.NaN(), W: 260, H: 310}
	if got, want := string(AppendObjectEvent(nil, "", e)), `{"type":"leave","id":3,"class":17,"label":"dog","zone":"drive\"way","zones":["porch","lawn"],"start_ms":200.0,"end_ms":4800.0,"time_ms":4840.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[380.5,null,260,310],"frames":96}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The wall-clock time of the frame that decided it (e.Wall), in UTC
	// to the millisecond.
	e.Wall = time.Date(2026, 12, 2, 16, 42, 7, 123456789, time.FixedZone("CET", 3600))
	if got, want := string(AppendObjectEvent(nil, "porch", e)), `{"type":"leave","camera":"porch","id":3,"class":17,"label":"dog","zone":"drive\"way","zones":["porch","lawn"],"start_ms":200.0,"end_ms":4800.0,"time_ms":4840.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[380.5,null,260,310],"frames":96,"time":"2026-12-02T15:42:07.123Z"}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestTopChanges: a message on the first frame and on every change of
// the best class (to none too), none while it stays, whatever its
// score or the other classes do.
func TestTopChanges(t *testing.T) {
	var tc TopChanges
	frame := func(scores ...float32) *pipeline.Result {
		var r pipeline.Result
		for i, s := range scores {
			r.SetTop(append(r.Top(), classify.Prediction{Class: []int{281, 207, 5}[i], Label: "x", Score: s}))
		}
		return &r
	}
	for i, c := range []struct {
		res  *pipeline.Result
		want bool
	}{
		{frame(0.9), true},       // the first frame
		{nil, false},             // no frame
		{frame(0.5, 0.4), false}, // the same best class as before nil
		{frame(), true},          // none
		{frame(), false},
		{frame(0.7), true},
		{frame(0.7), false},
	} {
		if got := tc.Changed(c.res); got != c.want {
			t.Errorf("frame %d: changed %v, want %v", i, got, c.want)
		}
	}
	var r pipeline.Result
	r.PTS = 1240 * time.Millisecond
	if got, want := string(AppendTop(nil, &r)), `{"class":null,"label":null,"score":null,"pts_ms":1240.0}`; got != want {
		t.Errorf("no class: got %s, want %s", got, want)
	}
	r.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87312}})
	if got, want := string(AppendTop(nil, &r)), `{"class":281,"label":"tabby","score":0.8731,"pts_ms":1240.0}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestNilResult: a nil result is written as null after what b holds,
// not a panic.
func TestNilResult(t *testing.T) {
	for name, f := range map[string]func([]byte, *pipeline.Result) []byte{"AppendResult": AppendResult, "AppendTop": AppendTop} {
		if got := string(f([]byte("x "), nil)); got != "x null" {
			t.Errorf("%s(nil): %q, want %q", name, got, "x null")
		}
	}
}

// TestLabelsEscaped: labels with quotes, backslashes, control characters
// and invalid UTF-8 make valid JSON in every message kind that decodes
// to the label (with U+FFFD for the invalid bytes), on one line.
func TestLabelsEscaped(t *testing.T) {
	for _, label := range []string{`say "cheese"`, `back\slash`, "tab\there\nnewline\x00nul\x1f", "caf\xe9 au lait", "ok ünïcödé ☕", "\xff\xfe", "\u2028sep"} {
		var res pipeline.Result
		res.SetTop([]classify.Prediction{{Class: 1, Label: label, Score: 0.5}})
		var det pipeline.Result
		det.SetObjects([]detect.Object{{Label: label}})
		for _, msg := range [][]byte{
			AppendResult(nil, &res), AppendResult(nil, &det), AppendTop(nil, &res),
			AppendEvent(nil, events.Event{Type: events.Enter, Label: label}),
			AppendObjectEvent(nil, label, track.Event{Type: track.Enter, Label: label, Zone: label, Zones: []string{label}}),
		} {
			var got struct {
				Label   string
				Camera  string
				Zone    string
				Zones   []string
				Top     []struct{ Label string }
				Objects []struct{ Label string }
			}
			if err := json.Unmarshal(msg, &got); err != nil {
				t.Fatalf("label %q: invalid JSON %s: %v", label, msg, err)
			}
			back := append([]string{got.Label, got.Camera, got.Zone}, got.Zones...)
			for _, l := range append(got.Top, got.Objects...) {
				back = append(back, l.Label)
			}
			n := 0
			for _, l := range back {
				if l == "" {
					continue
				}
				n++
				if want := validUTF8(label); l != want {
					t.Errorf("label %q came back as %q in %s", label, l, msg)
				}
			}
			if n == 0 {
				t.Errorf("label %q: not found in %s", label, msg)
			}
			if !utf8.Valid(msg) || bytes.ContainsAny(msg, "\n\r") {
				t.Errorf("label %q: %q is not one valid UTF-8 line", label, msg)
			}
		}
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

// TestAppendAllocatesNothing: every message kind is built into a reused
// buffer without allocating: a classifier's result of 10 classes, a
// detector's of 10 objects, both kinds of events and a top label.
func TestAppendAllocatesNothing(t *testing.T) {
	var cls, det pipeline.Result
	cls.Time, det.Time = time.Now(), time.Now()
	top := make([]classify.Prediction, 10)
	objs := make([]detect.Object, 10)
	for i := range objs {
		top[i] = classify.Prediction{Class: 281 + i, Label: "tabby, tabby cat " + strconv.Itoa(i), Score: 0.5}
		objs[i] = detect.Object{ID: i + 1, Class: i, Label: "label " + strconv.Itoa(i), Score: 0.5 + float32(i)/100, Box: image.Rect(i, i, 10*i, 20*i)}
	}
	cls.SetTop(top)
	det.SetObjects(objs)
	e := events.Event{Type: events.Leave, Class: 466, Label: "bullet train, bullet", PeakScore: 0.97}
	oe := track.Event{Type: track.Leave, ID: 3, Label: "dog", Zone: "porch", Zones: []string{"porch"}, PeakScore: 0.9, PeakBox: track.Box{X: 1.5},
		Wall: time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)}
	var tc TopChanges
	buf := make([]byte, 0, 8192)
	if a := testing.AllocsPerRun(100, func() {
		buf = AppendResult(buf[:0], &cls)
		buf = AppendResult(buf, &det)
		buf = AppendEvent(buf, e)
		buf = AppendObjectEvent(buf, "cam", oe)
		if tc.Changed(&cls) {
			buf = AppendTop(buf, &cls)
		}
		buf = AppendTop(buf, &det)
	}); a != 0 {
		t.Errorf("%v allocations per set of messages", a)
	}
}

func ExampleAppendResult() {
	var r pipeline.Result
	r.Frame, r.PTS, r.Inferred = 12, 400*time.Millisecond, true
	r.Time = time.Date(2026, 11, 27, 9, 30, 0, 123e6, time.UTC)
	r.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}})
	fmt.Println(string(AppendResult(nil, &r)))
	// Output: {"frame":12,"pts_ms":400.0,"time":"2026-11-27T09:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700}],"inferred":true,"latency_ms":0.0,"dropped":0}
}
