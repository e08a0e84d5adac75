package batch_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/sink/jsonl"
)

// A rerun's skip line names the source that ended early the first time.
func ExampleSkipped() {
	var s batch.Skipped
	s.Add(batch.Job{Source: "videos/beach.mp4"}, batch.Found{Done: true})
	s.Add(batch.Job{Source: "videos/corrupt.mp4"}, batch.Found{Done: true, End: jsonl.End{
		Ended: jsonl.Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"}}})
	fmt.Printf("%v, 1 new\n", s)
	// Output:
	// 2 already done (videos/corrupt.mp4 ended early at 0:04.9 of 0:24.0: damaged file; -overwrite redoes it), 1 new
}

// One damaged file run alone ends as it would in a batch: with exit
// status 3, saying where and why.
func ExampleEndedEarly() {
	err := batch.EndedEarly("corrupt.mp4", jsonl.Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"})
	fmt.Println(err, errors.Is(err, batch.ErrCutShort), err.(interface{ ExitStatus() int }).ExitStatus())
	fmt.Println(batch.EndedEarly("beach.mp4", jsonl.Ending{}))
	// Output:
	// corrupt.mp4 ended early at 0:04.9 of 0:24.0: damaged file true 3
	// <nil>
}
