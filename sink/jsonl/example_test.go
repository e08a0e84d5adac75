package jsonl_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
)

// A run's results as JSON lines on standard output (jsonl.Create("-", ...)
// does the same for the command's "-results -").
func ExampleResults() {
	results := jsonl.NewResults(jsonl.NewWriter(os.Stdout, "standard output"))
	for i, label := range []string{"tabby, tabby cat", "tiger cat"} {
		var r pipeline.Result
		r.Frame, r.PTS, r.Inferred = int64(i), time.Duration(i)*40*time.Millisecond, true
		r.SetTop([]classify.Prediction{{Class: 281 + i, Label: label, Score: 0.87}})
		results.Write(&pipeline.Output{Result: &r})
	}
	if err := results.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"frame":0,"pts_ms":0.0,"top":[{"class":281,"label":"tabby, tabby cat","score":0.8700}],"inferred":true,"latency_ms":0.0,"dropped":0}
	// {"frame":1,"pts_ms":40.0,"top":[{"class":282,"label":"tiger cat","score":0.8700}],"inferred":true,"latency_ms":0.0,"dropped":0}
}

// A finished run's results file ends with its closing line; a file
// without one was cut short, or is not livecam's.
func ExampleReadEnd() {
	dir, _ := os.MkdirTemp("", "jsonl")
	defer os.RemoveAll(dir)
	path := dir + "/beach.jsonl"
	os.WriteFile(path, []byte(`{"frame":0,"pts_ms":0.0,"top":[],"inferred":true,"latency_ms":1.0,"dropped":0}`+"\n"), 0o644)
	if _, err := jsonl.ReadEnd(path); errors.Is(err, jsonl.ErrNoEnd) {
		fmt.Println("not finished")
	}
	jsonl.WriteEnd(path, jsonl.End{Frames: 1, Duration: 40 * time.Millisecond, Source: "beach.mp4", Seen: "seashore"})
	end, err := jsonl.ReadEnd(path)
	fmt.Println(end.Frames, end.Duration, end.Seen, err)
	fmt.Print(string(jsonl.AppendEnd(nil, end)))
	// Output:
	// not finished
	// 1 40ms seashore <nil>
	// {"end":{"frames":1,"duration_ms":40,"complete":true,"whole":true,"source":"beach.mp4","seen":"seashore"}}
}
