package progress_test

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/progress"
)

// A bar for a 3-frame file, fed as a pipeline sink would feed it (the
// pipeline calls Write for each frame out); Finish(true) once the file
// was read to its end. On a terminal the bar redraws itself on one line.
func Example() {
	var stderr bytes.Buffer
	bar := progress.New(&stderr, pipeline.SourceInfo{Name: "a.mp4", Frames: 3, FPS: 30})
	var sink pipeline.Sink = bar
	for range 3 {
		sink.Write(&pipeline.Output{})
	}
	bar.Finish(true)
	draws := regexp.MustCompile(`\d+% \|[^|]*\| \(\d+/\d+`).FindAllString(stderr.String(), -1)
	fmt.Printf("%q\n", draws[len(draws)-1])
	// Output:
	// "100% |██████████████████████████████| (3/3"
}
