package overlay_test

import (
	"fmt"
	"image"

	"github.com/livecam/livecam/overlay"
	"gocv.io/x/gocv"
)

// Draw a detector's objects: each box is outlined in its class's colour
// with a label tab above it, and the picture inside is left as it was.
func ExampleDrawer_Draw_boxes() {
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(90, 90, 90, 0), 480, 640, gocv.MatTypeCV8UC3)
	defer img.Close()
	person := overlay.Box{Rect: image.Rect(200, 150, 400, 350), Label: "person", Score: 0.87, ID: 12, Class: 0}
	d := overlay.New(&overlay.Options{HideStatus: true})
	d.Draw(&img, &overlay.Info{
		Objects: []overlay.Box{person},
		Zones:   []overlay.Zone{{Name: "driveway", Points: []image.Point{{20, 460}, {320, 380}, {620, 460}}}},
	})
	fmt.Printf("tab: %s\n", overlay.AppendLabel(nil, &person))
	fmt.Printf("class 0 colour (RGB): %v\n", overlay.ClassColor(0))
	fmt.Printf("outline (BGR): %v\n", img.GetVecbAt(250, 200))
	fmt.Printf("inside (BGR): %v\n", img.GetVecbAt(250, 300))
	fmt.Printf("line width at 480p: %d px\n", overlay.LineWidth(480))
	// Output:
	// tab: person 87% #12
	// class 0 colour (RGB): {255 56 56 255}
	// outline (BGR): [56 56 255]
	// inside (BGR): [90 90 90]
	// line width at 480p: 2 px
}
