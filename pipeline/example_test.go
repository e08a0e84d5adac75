package pipeline_test

import (
	"context"
	"fmt"
	"log"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
)

func model() *mobilenet.Model {
	w, err := randweights.New(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 10}, 1)
	if err != nil {
		log.Fatal(err)
	}
	m, err := mobilenet.NewModel(w)
	if err != nil {
		log.Fatal(err)
	}
	return m // real code: tfjs.Load(dir)
}

// Label every frame of a video file and count the results.
func Example() {
	src, err := pipeline.Open("../testdata/videos/shapes_320x240.avi", false)
	if err != nil {
		log.Fatal(err)
	}
	frames := 0
	p, err := pipeline.New(pipeline.Config{
		Source: src,
		Model:  model(),
		OnResult: func(r *pipeline.Result) {
			frames++ // r.Top() holds the best classes, r.Frame the index
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(frames, "frames labelled")
	// Output: 45 frames labelled
}

// An application pushes its own frames and reads results from a channel.
func ExamplePushSource() {
	cam := pipeline.NewPushSource("my camera", 64, 48, 30)
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: model(), TopK: 1})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		rgb := make([]byte, 64*48*3) // from the robot's driver
		cam.PushRGB(rgb)
		cam.Close() // end of stream
	}()
	go p.Run(context.Background())
	for r := range p.Results() { // closed when Run returns
		fmt.Println("frame", r.Frame, "classes", len(r.Top()))
	}
	// Output: frame 0 classes 1
}
