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
