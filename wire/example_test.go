package wire_test

import (
	"fmt"
	"image"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// A detector's result lists the frame's objects, with their track ids,
// classes, labels, scores and boxes (x, y, width, height).
func ExampleAppendResult_objects() {
	var r pipeline.Result
	r.Frame, r.PTS, r.Inferred = 12, 400*time.Millisecond, true
	r.SetObjects([]detect.Object{{ID: 2, Class: 17, Label: "dog", Score: 0.79296875, Box: image.Rect(120, 49, 249, 295)}})
	fmt.Println(string(wire.AppendResult(nil, &r)))
	// Output: {"frame":12,"pts_ms":400.0,"objects":[{"id":2,"class":17,"label":"dog","score":0.79296875,"box":[120,49,129,246]}],"inferred":true,"latency_ms":0.0,"dropped":0}
}

// Messages are appended to a buffer that is reused: a JSON lines file
// adds the newline.
func ExampleAppendEvent() {
	var line []byte
	for _, e := range []events.Event{
		{Type: events.Enter, Class: 934, Label: "hotdog, hot dog, red hot", Start: 1200 * time.Millisecond, PeakScore: 0.97, MeanScore: 0.91, Frames: 12},
		{Type: events.Leave, Class: 934, Label: "hotdog, hot dog, red hot", Start: 1200 * time.Millisecond, End: 4800 * time.Millisecond, PeakScore: 0.97, MeanScore: 0.9, Frames: 108},
	} {
		line = append(wire.AppendEvent(line[:0], e), '\n')
		fmt.Print(string(line))
	}
	// Output:
	// {"type":"enter","class":934,"label":"hotdog","start_ms":1200.0,"peak_score":0.9700,"mean_score":0.9100,"frames":12}
	// {"type":"leave","class":934,"label":"hotdog","start_ms":1200.0,"end_ms":4800.0,"peak_score":0.9700,"mean_score":0.9000,"frames":108}
}

// A tracked object's events, for the -events file and the brokers.
func ExampleAppendObjectEvent() {
	e := track.Event{Type: track.Enter, ID: 2, Class: 17, Label: "dog", Start: 1200 * time.Millisecond, Time: 1280 * time.Millisecond,
		PeakScore: 0.79296875, PeakTime: 1240 * time.Millisecond, PeakBox: track.Box{X: 120, Y: 49, W: 129, H: 246}, Frames: 3}
	fmt.Println(string(wire.AppendObjectEvent(nil, "yard", e)))
	// Output: {"type":"enter","camera":"yard","id":2,"class":17,"label":"dog","zones":[],"start_ms":1200.0,"time_ms":1280.0,"peak_score":0.79296875,"peak_ms":1240.0,"box":[120,49,129,246],"frames":3}
}

// A camera's best label is published only when it changes.
func ExampleTopChanges() {
	var top wire.TopChanges
	cat := []classify.Prediction{{Class: 281, Label: "tabby, tabby cat", Score: 0.87}}
	dog := []classify.Prediction{{Class: 207, Label: "golden retriever", Score: 0.91}}
	var msg []byte
	for i, labels := range [][]classify.Prediction{cat, cat, dog, nil} {
		var r pipeline.Result
		r.PTS = time.Duration(i) * 40 * time.Millisecond
		r.SetTop(labels)
		if top.Changed(&r) {
			msg = wire.AppendTop(msg[:0], &r)
			fmt.Println(string(msg))
		}
	}
	// Output:
	// {"class":281,"label":"tabby","score":0.8700,"pts_ms":0.0}
	// {"class":207,"label":"golden retriever","score":0.9100,"pts_ms":80.0}
	// {"class":null,"label":null,"score":null,"pts_ms":120.0}
}

// A camera whose frames stopped has its retained top label replaced by
// this until they return.
func ExampleAppendNoSignal() {
	fmt.Println(string(wire.AppendNoSignal(nil, time.Date(2026, 12, 2, 15, 42, 7, 123e6, time.UTC))))
	// Output: {"class":null,"label":null,"score":null,"no_signal_since":"2026-12-02T15:42:07.123Z"}
}
