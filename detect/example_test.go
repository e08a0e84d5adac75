package detect_test

import (
	"fmt"
	"image/jpeg"
	"log"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// shared is the shared data folder beside the repository.
var shared = filepath.Join("..", "..", "shared")

// A robot's frame in, objects out: labels, scores and boxes in the frame's
// own pixels.
func Example() {
	g, err := tflite.LoadGraph(filepath.Join(shared, "models", "tflite", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"))
	if err != nil {
		log.Fatal(err)
	}
	l, err := mobilenet.LoadLabels(filepath.Join(shared, "models", "tflite", "coco_ssd_mobilenet_v1_labelmap.txt"))
	if err != nil {
		log.Fatal(err)
	}
	d, err := detect.New(g, detect.Labels(l), detect.Filter{MinScore: 0.5}, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	f, err := os.Open(filepath.Join(shared, "demo", "pets.jpg"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
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
