// Package demo draws livecam's demo video from the photos in
// testdata/images/demo: each photo shown for two seconds with a slow zoom
// and pan, so that it looks like video rather than a slideshow, at 640x480
// and 15 fps, encoded by the pipeline's own VideoSink. truth.tsv beside
// the photos names the label the default model gives each one.
package demo

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
)

// The demo video's geometry.
const (
	Width, Height = 640, 480
	FPS           = 15
	// FramesPerPhoto is two seconds of video.
	FramesPerPhoto = 2 * FPS
)

// Segment is one photo's part of the demo video.
type Segment struct {
	Photo string // file name in the photo folder
	Class int    // the label the default model gives the photo
	Label string
	// Start and End are the segment's first frame and the frame after
	// its last.
	Start, End int
}

// Truth reads dir/truth.tsv (file, class, label; a header line first).
func Truth(dir string) ([]Segment, error) {
	path := filepath.Join(dir, "truth.tsv")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var segs []Segment
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want 3 tab-separated fields", path, line)
		}
		class, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: class %q: %v", path, line, fields[1], err)
		}
		n := len(segs)
		segs = append(segs, Segment{Photo: fields[0], Class: class, Label: fields[2],
			Start: n * FramesPerPhoto, End: (n + 1) * FramesPerPhoto})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%s: no photos listed", path)
	}
	return segs, nil
}

// MakeVideo writes the demo video of the photos listed in dir/truth.tsv to
// out (replacing it) and returns the segments.
func MakeVideo(dir, out string) ([]Segment, error) {
	segs, err := Truth(dir)
	if err != nil {
		return nil, err
	}
	sink, err := video.CreateWith(out, video.Encoding{Quality: "high"}, outfile.Options{Overwrite: true})
	if err != nil {
		return nil, err
	}
	frame := gocv.NewMatWithSize(Height, Width, gocv.MatTypeCV8UC3)
	defer frame.Close()
	transform := gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	defer transform.Close()
	var res pipeline.Result
	o := pipeline.Output{Result: &res, Source: pipeline.SourceInfo{Name: "demo", Width: Width, Height: Height, FPS: FPS}}
	for _, s := range segs {
		photo := gocv.IMRead(filepath.Join(dir, s.Photo), gocv.IMReadColor)
		if photo.Empty() {
			photo.Close()
			sink.Close()
			return nil, fmt.Errorf("%s: cannot read the photo", filepath.Join(dir, s.Photo))
		}
		for k := range FramesPerPhoto {
			t := float64(k) / float64(FramesPerPhoto-1)
			setView(&transform, photo.Cols(), photo.Rows(), t)
			gocv.WarpAffineWithParams(photo, &frame, transform, image.Pt(Width, Height),
				gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{})
			n := s.Start + k
			res.Frame, res.PTS = int64(n), time.Duration(n)*time.Second/FPS
			o.Image = frame
			if err := sink.Write(&o); err != nil {
				photo.Close()
				sink.Close()
				return nil, err
			}
		}
		photo.Close()
	}
	if err := sink.Close(); err != nil {
		return nil, err
	}
	if sink.Frames() != len(segs)*FramesPerPhoto {
		return nil, errors.New("demo: the video lost frames")
	}
	return segs, nil
}

// setView fills m with the affine map from a w×h photo to the frame at
// time t in [0, 1] of its segment. The photo's centre square fills the
// frame's height, as livecam's classifier crops it (so the video shows
// what `livecam classify` sees, plus the sides of a wide photo; a narrow
// one gets black borders), then zooms in to 1.08 while drifting by 4% of
// the frame along the photo's long side, with an ease in and out.
func setView(m *gocv.Mat, w, h int, t float64) {
	ease := (1 - math.Cos(math.Pi*t)) / 2
	s := float64(Height) / float64(min(w, h)) * (1 + 0.08*ease)
	dx, dy := 0.0, 0.0
	if w > h { // drift along the photo's long side, where it has more to show
		dx = (2*ease - 1) * 0.04 * Width
	} else {
		dy = (2*ease - 1) * 0.04 * Height
	}
	m.SetDoubleAt(0, 0, s)
	m.SetDoubleAt(0, 1, 0)
	m.SetDoubleAt(0, 2, Width/2+dx-s*float64(w)/2)
	m.SetDoubleAt(1, 0, 0)
	m.SetDoubleAt(1, 1, s)
	m.SetDoubleAt(1, 2, Height/2+dy-s*float64(h)/2)
}
