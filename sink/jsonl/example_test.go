package jsonl_test

import (
	"fmt"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
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
