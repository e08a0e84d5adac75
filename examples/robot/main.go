// Command robot shows livecam embedded in an application: a stand-in for a
// robot's camera driver pushes frames, with its own timestamps, from its
// own goroutine into a push.Source, and the robot reacts to the event of
// the class it is looking for entering the view (no debounce of its own:
// the events' hysteresis does that).
//
//	go run ./examples/robot -image testdata/images/demo/parrot.jpg -want macaw
//
// The model is the default one (or -model) from $LIVECAM_MODELS or the
// user's cache; -fetch downloads it there when it is missing.
//
// The "camera" pans across the image; frames arrive at 30 per second
// whether or not the pipeline keeps up (it drops stale ones), and the robot
// stops after a few seconds or when it has seen the class it wants.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"log"
	"os"
	"strings"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source/push"
)

func main() {
	model := flag.String("model", "", "model: a catalogue name, a TF.js folder or a .tflite file (default "+models.Default+")")
	fetch := flag.Bool("fetch", false, "download the model into the user's cache when it is not installed")
	imagePath := flag.String("image", "", "picture the camera looks at (without one it sees grey noise)")
	want := flag.String("want", "macaw", "label (or part of one) the robot is looking for")
	seconds := flag.Float64("seconds", 5, "how long the robot looks")
	flag.Parse()
	if err := run(*model, *fetch, *imagePath, *want, time.Duration(*seconds*float64(time.Second))); err != nil {
		fmt.Fprintln(os.Stderr, "robot:", err)
		os.Exit(1)
	}
}

func run(model string, fetch bool, imagePath, want string, lookFor time.Duration) error {
	m, err := models.Open(context.Background(), model, &models.OpenOptions{Task: models.Classify, Fetch: fetch, Logf: log.Printf})
	if errors.Is(err, models.ErrNotFound) && !fetch {
		return fmt.Errorf("%w (run with -fetch to download it)", err)
	} else if err != nil {
		return err
	}
	const w, h = 640, 480
	cam, err := push.New("robot camera", w, h, 30)
	if err != nil {
		return err
	}
	smooth, err := stage.Smooth(0.3) // steady labels while the camera moves
	if err != nil {
		return err
	}
	seen := make(chan events.Event, 1)
	p, err := pipeline.New(pipeline.Config{
		Source: cam,
		Model:  m,
		Stages: []pipeline.Stage{smooth},
		// The class must score 0.5 for a quarter of a second to count.
		Events: events.Options{Enter: 0.5, Leave: 0.3, MinDuration: 250 * time.Millisecond},
		OnEvent: func(e events.Event) {
			if e.Type == events.Enter && strings.Contains(e.Label, want) {
				select {
				case seen <- e:
				default:
				}
			}
		},
	})
	if err != nil {
		cam.Close()
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookFor)
	defer cancel()

	// The camera driver: its own goroutine, its own pace.
	go func() {
		defer cam.Close()
		scene, err := loadScene(imagePath, w, h)
		if err != nil {
			fmt.Fprintln(os.Stderr, "robot:", err)
			return
		}
		defer scene.Close()
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		start := time.Now()
		for i := 0; ; i++ {
			var now time.Time
			select {
			case <-ctx.Done():
				return
			case now = <-tick.C:
			}
			// Pan: a window sliding across the scene.
			x := (i * 4) % (scene.Cols() - w + 1)
			view := scene.Region(image.Rect(x, 0, x+w, h))
			err := cam.PushMat(view, now.Sub(start)) // the driver's clock
			view.Close()
			if err != nil {
				return
			}
		}
	}()

	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case e := <-seen:
		fmt.Printf("robot: a %s entered the view at %v (peak %.0f%%): stopping the search\n", e.Label, e.Start.Round(time.Millisecond), 100*e.PeakScore)
		cancel()
	case <-ctx.Done():
		fmt.Println("robot: nothing found; giving up")
	}
	if err := <-done; err != nil {
		return err
	}
	s := p.Metrics().Snapshot()
	fmt.Printf("robot: %d frames from the camera, %d classified, %d dropped as stale\n", s.In, s.Out, s.Dropped)
	return nil
}

// loadScene returns the picture scaled to the camera's height and at least
// its width, or noise when there is none.
func loadScene(path string, w, h int) (gocv.Mat, error) {
	if path == "" {
		m := gocv.NewMatWithSize(h, w*2, gocv.MatTypeCV8UC3)
		gocv.RandN(&m, gocv.NewScalar(128, 128, 128, 0), gocv.NewScalar(40, 40, 40, 0))
		return m, nil
	}
	img := gocv.IMRead(path, gocv.IMReadColor)
	if img.Empty() {
		img.Close()
		return gocv.Mat{}, fmt.Errorf("%s: not an image OpenCV can read", path)
	}
	defer img.Close()
	scale := max(float64(h)/float64(img.Rows()), float64(w)*1.3/float64(img.Cols()))
	out := gocv.NewMat()
	gocv.Resize(img, &out, image.Pt(int(float64(img.Cols())*scale+0.5), int(float64(img.Rows())*scale+0.5)), 0, 0, gocv.InterpolationLinear)
	roi := out.Region(image.Rect(0, 0, out.Cols(), h))
	defer roi.Close()
	scene := roi.Clone()
	out.Close()
	return scene, nil
}
