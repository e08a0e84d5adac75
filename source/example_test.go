package source_test

import (
	"fmt"

	"github.com/livecam/livecam/source"
)

// A path that exists is a file, decoded by ffmpeg; "0" would be the first
// camera, "rtsp://..." a stream.
func ExampleOpen() {
	src, err := source.Open("../testdata/videos/shapes_320x240.avi", source.Options{})
	if err != nil {
		panic(err)
	}
	defer src.Close()
	info := src.Info()
	fmt.Println(info.Width, info.Height, info.FPS, info.Frames, info.Live)
	// Output: 320 240 15 45 false
}
