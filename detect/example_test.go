package detect_test

import (
	"context"
	"fmt"
	"image/jpeg"
	"log"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/models"
)

// shared is the shared data folder beside the repository.
var shared = filepath.Join("..", "..", "shared")

// A robot's frame in, objects out, in pure Go: labels, scores and boxes
// in the frame's own pixels. models.Open takes a catalogue name
// ("coco_ssd_mobilenet_v1", found in $LIVECAM_MODELS), a folder or, here,
// the file, with its labels beside it.
func Example() {
	m, err := models.Open(context.Background(), filepath.Join(shared, "models", "tflite", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"), nil)
	if err != nil {
		log.Fatal(err)
	}
	d, err := detect.New(m, detect.Filter{MinScore: 0.5}, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	f, err := os.Open(filepath.Join(shared, "demo", "pets.jpg"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f) // an *image.YCbCr
	if err != nil {
		log.Fatal(err)
	}
	objs, err := d.Detect(nil, img)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("image", img.Bounds().Size())
	for _, o := range objs {
		fmt.Printf("%s %.2f at %v\n", o.Label, o.Score, o.Box)
	}
	// Output:
	// image (512,430)
	// dog 0.79 at (120,49)-(249,295)
	// dog 0.74 at (344,163)-(496,367)
}
