package jsonl

import (
	"encoding/json"
	"image"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// TestDetectorResultLine: a detector's result has "objects" in place of
// "top": the id only when tracked, the score as the shortest float32
// decimal (null when not finite), the box as x, y, width, height; no
// objects is an empty list, and a label that needs escaping stays JSON.
func TestDetectorResultLine(t *testing.T) {
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
		`],"inferred":true,"latency_ms":41.2,"dropped":0}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var l struct{ Objects []map[string]any }
	if err := json.Unmarshal([]byte(got), &l); err != nil || len(l.Objects) != 3 {
		t.Fatalf("not JSON with 3 objects: %v", err)
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
	if got := string(AppendResult(nil, &res)); got != `{"frame":7,"pts_ms":280.0,"time":"2026-11-27T09:30:00.123Z","objects":[],"inferred":true,"latency_ms":41.2,"dropped":0}`+"\n" {
		t.Errorf("no objects: %s", got)
	}
}

// TestObjectEventLines: a tracked object's enter and leave lines.
func TestObjectEventLines(t *testing.T) {
	e := track.Event{Type: track.Enter, ID: 3, Class: 17, Label: "dog", Zones: []string{}, Start: 0, Time: 80 * time.Millisecond,
		PeakScore: 0.91015625, PeakTime: 40 * time.Millisecond, PeakBox: track.Box{X: 412, Y: 96, W: 230, H: 301}, Frames: 3}
	if got, want := string(AppendObjectEvent(nil, "porch", e)), `{"type":"enter","camera":"porch","id":3,"class":17,"label":"dog","zones":[],"start_ms":0.0,"time_ms":80.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[412,96,230,301],"frames":3}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	e.Type, e.Zone, e.Zones, e.Start, e.End, e.Time, e.Frames = track.Leave, "drive\"way", []string{"porch", "lawn"}, 200*time.Millisecond, 4800*time.Millisecond, 4840*time.Millisecond, 96
	e.PeakBox = track.Box{X: 380.5, Y: math.NaN(), W: 260, H: 310}
	if got, want := string(AppendObjectEvent(nil, "", e)), `{"type":"leave","id":3,"class":17,"label":"dog","zone":"drive\"way","zones":["porch","lawn"],"start_ms":200.0,"end_ms":4800.0,"time_ms":4840.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[380.5,null,260,310],"frames":96}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestDetectorLinesAllocateNothing: result lines of 10 objects and event
// lines are built without allocating.
func TestDetectorLinesAllocateNothing(t *testing.T) {
	var res pipeline.Result
	res.Time = time.Now()
	objs := make([]detect.Object, 10)
	for i := range objs {
		objs[i] = detect.Object{ID: i + 1, Class: i, Label: "label " + strconv.Itoa(i), Score: 0.5 + float32(i)/100, Box: image.Rect(i, i, 10*i, 20*i)}
	}
	res.SetObjects(objs)
	e := track.Event{Type: track.Leave, ID: 3, Label: "dog", Zones: []string{"porch"}, PeakScore: 0.9}
	buf := make([]byte, 0, 4096)
	if a := testing.AllocsPerRun(100, func() {
		buf = AppendResult(buf[:0], &res)
		buf = AppendObjectEvent(buf, "cam", e)
	}); a != 0 {
		t.Errorf("%v allocations per result and event line", a)
	}
}
