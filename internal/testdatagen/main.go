// Command testdatagen writes the small images and videos in testdata/ that
// livecam's quick tests and README examples use. Everything is drawn here,
// deterministically; nothing comes from the shared data set.
//
//	go run ./internal/testdatagen [-out testdata]
//	go run ./internal/testdatagen -demo FILE   (the demo video, see package demo)
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/internal/demo"
	"gocv.io/x/gocv"
)

func main() {
	out := flag.String("out", "testdata", "folder to write into")
	demoVideo := flag.String("demo", "", "write only the demo video, made from testdata/images/demo, to FILE")
	flag.Parse()
	var err error
	if *demoVideo != "" {
		_, err = demo.MakeVideo(filepath.Join(*out, "images", "demo"), *demoVideo)
	} else {
		err = generate(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdatagen:", err)
		os.Exit(1)
	}
}

func generate(out string) error {
	for _, d := range []string{"images", "videos"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	img := checkerboard(320, 240, 20)
	defer img.Close()
	if ok := gocv.IMWrite(filepath.Join(out, "images", "checkerboard.png"), img); !ok {
		return fmt.Errorf("cannot write checkerboard.png")
	}
	return movingShapes(filepath.Join(out, "videos", "shapes_320x240.avi"), 320, 240, 15, 45)
}

// checkerboard draws black and white squares of side cell.
func checkerboard(w, h, cell int) gocv.Mat {
	m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 255, 255, 0), h, w, gocv.MatTypeCV8UC3)
	for y := 0; y < h; y += cell {
		for x := 0; x < w; x += cell {
			if (x/cell+y/cell)%2 == 0 {
				gocv.Rectangle(&m, image.Rect(x, y, x+cell-1, y+cell-1), color.RGBA{0, 0, 0, 255}, -1) // Max is inclusive
			}
		}
	}
	return m
}

// movingShapes writes an MJPG AVI of frames frames: a ball crossing a
// gradient background, with the frame number printed in a corner.
func movingShapes(path string, w, h, fps, frames int) error {
	vw, err := gocv.VideoWriterFile(path, "MJPG", float64(fps), w, h, true)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	defer vw.Close()
	frame := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	defer frame.Close()
	for i := range frames {
		for y := 0; y < h; y += 8 {
			c := uint8(40 + 150*y/h)
			gocv.Rectangle(&frame, image.Rect(0, y, w-1, y+7), color.RGBA{c / 2, c, 200 - c/2, 255}, -1)
		}
		t := float64(i) / float64(frames)
		center := image.Pt(int(30+t*float64(w-60)), int(float64(h)/2+50*math.Sin(2*math.Pi*t)))
		gocv.Circle(&frame, center, 28, color.RGBA{220, 40, 30, 255}, -1)
		gocv.PutText(&frame, fmt.Sprintf("%03d", i), image.Pt(8, 24), gocv.FontHersheySimplex, 0.7, color.RGBA{255, 255, 255, 255}, 2)
		if err := vw.Write(frame); err != nil {
			return fmt.Errorf("%s: frame %d: %v", path, i, err)
		}
	}
	return nil
}
