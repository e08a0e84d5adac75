package jsonl_test

import (
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
