package jsonl_test

import (
	"fmt"
	"image"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/track"
)

func ExampleAppendResult() {
	var r pipeline.Result
	r.Frame, r.PTS, r.Inferred = 12, 400*time.Millisecond, true
	r.Time = time.Date(2026, 11, 27, 9, 30, 0, 123e6, time.UTC)
	r.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}})
	fmt.Print(string(jsonl.AppendResult(nil, &r)))
	// Output: {"frame":12,"pts_ms":400.0,"time":"2026-11-27T09:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700}],"inferred":true,"latency_ms":0.0,"dropped":0}
}

// A camera's best label is published only when it changes.
func ExampleTopChanges() {
	var top jsonl.TopChanges
	cat := []classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}}
	dog := []classify.Prediction{{Class: 207, Label: "golden retriever", Score: 0.91}}
	for i, labels := range [][]classify.Prediction{cat, cat, dog, nil} {
		var r pipeline.Result
		r.PTS = time.Duration(i) * 40 * time.Millisecond
		r.SetTop(labels)
		if msg, changed := top.Next(&r); changed {
			fmt.Println(string(msg))
		}
	}
	// Output:
	// {"class":281,"label":"tabby","score":0.8700,"pts_ms":0.0}
	// {"class":207,"label":"golden retriever","score":0.9100,"pts_ms":80.0}
	// {"class":null,"label":null,"score":null,"pts_ms":120.0}
}

// A detector's result line lists the frame's objects, with their track
// ids, classes, labels, scores and boxes (x, y, width, height).
func ExampleAppendResult_objects() {
	var r pipeline.Result
	r.Frame, r.PTS, r.Inferred = 12, 400*time.Millisecond, true
	r.SetObjects([]detect.Object{{ID: 2, Class: 17, Label: "dog", Score: 0.79296875, Box: image.Rect(120, 49, 249, 295)}})
	fmt.Print(string(jsonl.AppendResult(nil, &r)))
	// Output: {"frame":12,"pts_ms":400.0,"objects":[{"id":2,"class":17,"label":"dog","score":0.79296875,"box":[120,49,129,246]}],"inferred":true,"latency_ms":0.0,"dropped":0}
}

// A tracked object's events, for the -events file.
func ExampleAppendObjectEvent() {
	e := track.Event{Type: track.Enter, ID: 2, Class: 17, Label: "dog", Start: 1200 * time.Millisecond, Time: 1280 * time.Millisecond,
		PeakScore: 0.79296875, PeakTime: 1240 * time.Millisecond, PeakBox: track.Box{X: 120, Y: 49, W: 129, H: 246}, Frames: 3}
	fmt.Print(string(jsonl.AppendObjectEvent(nil, "yard", e)))
	// Output: {"type":"enter","camera":"yard","id":2,"class":17,"label":"dog","zones":[],"start_ms":1200.0,"time_ms":1280.0,"peak_score":0.79296875,"peak_ms":1240.0,"box":[120,49,129,246],"frames":3}
}
