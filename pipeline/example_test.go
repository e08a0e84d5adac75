package pipeline_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/source/push"
)

func model() *models.Model {
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		log.Fatal(err)
	}
	return models.FromClassifier(m) // real code: models.Open(ctx, "mobilenet_v1_0.75_224", nil)
}

// Label every frame of a video file and count the results.
func Example() {
	src, err := source.Open("../testdata/videos/shapes_320x240.avi", source.Options{})
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

// An application pushes its own frames, stamped with its own clock, and
// reads the results, which carry that stamp, from a channel.
func Example_push() {
	cam, err := push.New("my camera", 64, 48, 30)
	if err != nil {
		log.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: model(), Classes: classify.Options{MaxResults: 1}})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		rgb := make([]byte, 64*48*3)            // from the robot's driver
		cam.PushRGB(rgb, 1500*time.Millisecond) // its sensor timestamp
		cam.Close()                             // end of stream
	}()
	go p.Run(context.Background())
	for r := range p.Results() { // closed when Run returns
		fmt.Println("frame", r.Frame, "at", r.PTS, "classes", len(r.Top()))
	}
	// Output: frame 0 at 1.5s classes 1
}

// VIDEO mode from the application's own frames: every frame pushed is
// classified, in order; a push waits until the pipeline has room for it.
func Example_video() {
	cam, err := push.NewVideo("recording", 64, 48, 30)
	if err != nil {
		log.Fatal(err)
	}
	frames := 0
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: model(),
		OnResult: func(r *pipeline.Result) { frames++ }})
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	rgb := make([]byte, 64*48*3)
	for i := range 100 { // back to back: none is dropped
		if err := cam.PushRGB(rgb, time.Duration(i)*time.Second/30); err != nil {
			log.Fatal(err)
		}
	}
	cam.Close() // end of stream
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	fmt.Println(frames, "of 100 frames classified,", cam.Replaced(), "replaced")
	// Output: 100 of 100 frames classified, 0 replaced
}

// A robot's loop classifies each frame itself and gets the result back:
// no source, no goroutines. Timestamps must increase.
func ExampleVideo() {
	v, err := pipeline.NewVideo(pipeline.Config{Model: model(), Classes: classify.Options{MaxResults: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	frame := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3) // from the camera
	defer frame.Close()
	for i := range 3 {
		r, err := v.Process(context.Background(), frame, time.Duration(i)*100*time.Millisecond)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("frame", r.Frame, "at", r.PTS, "classes", len(r.Top()))
	}
	_, err = v.Process(context.Background(), frame, 100*time.Millisecond)
	fmt.Println(err)
	// Output:
	// frame 0 at 0s classes 1
	// frame 1 at 100ms classes 1
	// frame 2 at 200ms classes 1
	// pipeline: video: timestamp 100ms is not after the previous frame's 200ms
}

// Policies compose: a gate chooses the frames that get a forward pass,
// stages transform what reaches the sinks.
func Example_stages() {
	src, err := source.Open("../testdata/videos/shapes_320x240.avi", source.Options{})
	if err != nil {
		log.Fatal(err)
	}
	smooth, err := stage.Smooth(0.5)
	if err != nil {
		log.Fatal(err)
	}
	inferred := 0
	p, err := pipeline.New(pipeline.Config{
		Source: src,
		Model:  model(),
		Gate:   stage.Every(5), // frames 0, 5, 10, ...
		Stages: []pipeline.Stage{smooth, stage.Overlay(nil)},
		OnResult: func(r *pipeline.Result) {
			if r.Inferred {
				inferred++
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(inferred, "of 45 frames classified")
	// Output: 9 of 45 frames classified
}

// Two cameras share one model and one pool of inference workers, which
// serves them in turn; each has its own pipeline, outputs and metrics.
func Example_pool() {
	m := model()
	pool, err := pipeline.NewPool(m, 2, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		src, err := source.Open("../testdata/videos/shapes_320x240.avi", source.Options{})
		if err != nil {
			log.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Pool: pool,
			OnResult: func(r *pipeline.Result) { counts[i]++ }})
		if err != nil {
			log.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(context.Background()); err != nil {
				log.Fatal(err)
			}
		}()
	}
	wg.Wait()
	fmt.Println(counts[0], "and", counts[1], "frames labelled")
	// Output: 45 and 45 frames labelled
}

// A live camera whose frames stop: after Config.StaleAfter without a
// frame the pipeline says so once (Config.OnSignal, and the sinks that
// implement SignalSink), and again when frames come back.
func Example_signal() {
	cam, err := push.New("porch", 64, 48, 30)
	if err != nil {
		log.Fatal(err)
	}
	signals := make(chan pipeline.Signal, 2)
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: model(), Camera: "porch",
		StaleAfter: 50 * time.Millisecond,
		OnSignal:   func(s pipeline.Signal) { signals <- s }})
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- p.Run(context.Background()) }()
	rgb := make([]byte, 64*48*3)
	cam.PushRGB(rgb, 0)
	s := <-signals // no frame for 50 ms
	fmt.Println(s.Camera, "lost:", s.Lost)
	cam.PushRGB(rgb, time.Second)
	s = <-signals
	fmt.Println(s.Camera, "lost:", s.Lost)
	cam.Close()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output:
	// porch lost: true
	// porch lost: false
}
