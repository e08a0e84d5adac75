// Command watchlist shows livecam embedded in an application that decodes
// its own frames: a stand-in for a camera service hands over JPEG frames
// (here the demo photos, each held for a while, as a door camera would
// see visitors come and go) decoded by image/jpeg into *image.YCbCr, each
// with the camera's own timestamp. The application watches for a few
// classes only (an allow-list, a minimum score) and reacts to "entered" and
// "left" events, which carry the camera's timestamps.
//
//	go run ./examples/watchlist -watch hotdog -watch macaw
//
// The model is the default one (or -model) from $LIVECAM_MODELS or the
// user's cache; -fetch downloads it there when it is missing. It uses
// only livecam's public API: models, classify, events, pipeline,
// pipeline/stage and source/push.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source/push"
)

// watchList collects repeated -watch flags.
type watchList []string

func (w *watchList) String() string     { return strings.Join(*w, ", ") }
func (w *watchList) Set(v string) error { *w = append(*w, v); return nil }

func main() {
	model := flag.String("model", "", "model: a catalogue name, a TF.js folder or a .tflite file (default "+models.Default+")")
	fetch := flag.Bool("fetch", false, "download the model into the user's cache when it is not installed")
	photos := flag.String("photos", "testdata/images/demo", "folder of JPEG photos the camera sees, in name order")
	var watch watchList
	flag.Var(&watch, "watch", "class to watch for: an index, a WordNet id or a label's first name (repeatable)")
	hold := flag.Duration("hold", 2*time.Second, "how long each photo stays in front of the camera")
	flag.Parse()
	if len(watch) == 0 {
		watch = watchList{"hotdog", "macaw"}
	}
	if err := run(os.Stdout, *model, *fetch, *photos, watch, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "watchlist:", err)
		os.Exit(1)
	}
}

// run watches the photos go by and prints one line per event.
func run(out io.Writer, model string, fetch bool, photos string, watch []string, hold time.Duration) error {
	m, err := models.Open(context.Background(), model, &models.OpenOptions{Task: models.Classify, Fetch: fetch, Logf: log.Printf})
	if errors.Is(err, models.ErrNotFound) && !fetch {
		return fmt.Errorf("%w (run with -fetch to download it)", err)
	} else if err != nil {
		return err
	}
	// The watched classes, by label or index: NewFilter (in New) names
	// one that is not a class.
	opts := classify.Options{MaxResults: 3, MinScore: 0.2, Allow: watch}
	frames, err := loadFrames(photos, 320, 240)
	if err != nil {
		return err
	}
	// A VIDEO source: every frame pushed is classified, in order; a
	// push waits while the pipeline has no room for it.
	cam, err := push.NewVideo("door camera", 320, 240, 10)
	if err != nil {
		return err
	}
	smooth, err := stage.Smooth(0.5)
	if err != nil {
		return err
	}
	p, err := pipeline.New(pipeline.Config{
		Source:  cam,
		Model:   m,
		Classes: opts,                     // only the watched classes, from 0.2 up
		Stages:  []pipeline.Stage{smooth}, // steadier scores
		Events:  events.Options{Enter: 0.5, Leave: 0.25, MinDuration: 300 * time.Millisecond},
		OnEvent: func(e events.Event) { report(out, e) },
	})
	if err != nil {
		cam.Close()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()

	// The camera service: 10 frames a second, stamped on its own clock
	// (here it starts at 08:00:00), each photo held for `hold`.
	const fps = 10
	perPhoto := int(hold.Seconds() * fps)
	clockStart := 8 * time.Hour
	var pushErr error
	for i := 0; i < len(frames)*perPhoto; i++ {
		ts := clockStart + time.Duration(i)*time.Second/fps
		if err := cam.PushImage(frames[i/perPhoto], ts); err != nil {
			// push.ErrStopped: the pipeline stopped (its error
			// follows from Run); anything else is the frame's.
			pushErr = fmt.Errorf("frame %d: %w", i, err)
			break
		}
	}
	cam.Close() // end of stream: entered classes leave
	return errors.Join(<-done, pushErr)
}

// report prints one event on the camera's clock.
func report(out io.Writer, e events.Event) {
	clock := func(d time.Duration) string {
		return time.Time{}.Add(d).Format("15:04:05.0")
	}
	name := mobilenet.ShortLabel(e.Label) // "hotdog, hot dog, red hot" is "hotdog"
	switch e.Type {
	case events.Enter:
		fmt.Fprintf(out, "%s  %s entered (score %.2f)\n", clock(e.Start), name, e.PeakScore)
	case events.Leave:
		fmt.Fprintf(out, "%s  %s left after %v (mean score %.2f over %d frames)\n", clock(e.End), name, (e.End - e.Start).Round(100*time.Millisecond), e.MeanScore, e.Frames)
	}
}

// loadFrames decodes every JPEG in dir, in name order, and scales each to
// w x h (*image.YCbCr frames, as a camera's JPEG decoder makes them).
func loadFrames(dir string, w, h int) ([]image.Image, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("%s: no JPEG photos", dir)
	}
	sort.Strings(files)
	var frames []image.Image
	for _, f := range files {
		img, err := decode(f)
		if err != nil {
			return nil, err
		}
		frames = append(frames, fit(img, w, h))
	}
	return frames, nil
}

func decode(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return img, nil
}

// fit scales img into a w x h frame (the centre square of it, as the
// classifier will crop anyway, with grey bars) and returns it as a 4:2:0
// YCbCr image.
func fit(img image.Image, w, h int) image.Image {
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(rgba, rgba.Bounds(), image.NewUniform(color.Gray{Y: 128}), image.Point{}, draw.Src)
	b := img.Bounds()
	s := min(b.Dx(), b.Dy())
	src := image.Rect(b.Min.X+(b.Dx()-s)/2, b.Min.Y+(b.Dy()-s)/2, b.Min.X+(b.Dx()-s)/2+s, b.Min.Y+(b.Dy()-s)/2+s)
	dst := image.Rect((w-h)/2, 0, (w-h)/2+h, h)
	draw.CatmullRom.Scale(rgba, dst, img, src, draw.Src, nil)
	ycc := image.NewYCbCr(rgba.Bounds(), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := rgba.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)] = yy
			ci := ycc.COffset(x, y)
			ycc.Cb[ci], ycc.Cr[ci] = cb, cr
		}
	}
	return ycc
}
