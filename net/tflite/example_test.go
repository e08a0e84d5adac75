package tflite_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// tfliteDir is where the examples find Google's quantized files: the
// shared models folder beside the repository.
var tfliteDir = filepath.Join("..", "..", "..", "shared", "models", "tflite")

// A quantized file loads into the same *mobilenet.Model as a float one and
// runs on the integer kernels: the input is the image's RGB bytes as they
// are (zero point 128, scale 1/128), the probabilities are TFLite's uint8
// softmax output / 256, byte for byte.
func Example() {
	labels, err := mobilenet.LoadLabels(filepath.Join(tfliteDir, "imagenet_labels.txt"))
	if err != nil {
		log.Fatal(err)
	}
	m, err := tflite.Load(filepath.Join(tfliteDir, "mobilenet_v1_0.75_192_quant.tflite"), labels)
	if err != nil {
		log.Fatal(err)
	}
	r := m.NewRunner(1)
	defer r.Close()

	// A 192x192 RGB image: the golden input of the ImageNet tench photo.
	rgb, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "golden-quant", "mobilenet_v1_0.75_192_quant", "n01440764_tench.rgb"))
	if err != nil {
		log.Fatal(err)
	}
	probs := make([]float32, m.Classes())
	if err := r.Probabilities(probs, rgb); err != nil {
		log.Fatal(err)
	}
	best := mobilenet.TopK(nil, probs, 1)[0]
	fmt.Printf("%s: %s %.4f (%d/256), %s\n", m.Name(), m.Labels().Name(best.Class), best.Score, int(best.Score*256), m.Precision())
	// Output: mobilenet_v1_0.75_192_quant: tench, Tinca tinca 0.9531 (244/256), uint8
}

// Read gives the graph as the file holds it, before livecam recognises a
// MobileNet in it.
func ExampleRead() {
	data, err := os.ReadFile(filepath.Join(tfliteDir, "mobilenet_v1_0.25_128_quant.tflite"))
	if err != nil {
		log.Fatal(err)
	}
	f, err := tflite.Read("mobilenet_v1_0.25_128_quant.tflite", data)
	if err != nil {
		log.Fatal(err)
	}
	in := f.Tensors[f.Inputs[0]]
	fmt.Println(len(f.Operators), "operators; input", in.Type, in.Shape, "scale", in.Quant.Scale[0], "zero point", in.Quant.ZeroPoint[0])
	fmt.Println(f.Operators[0].Name, f.Operators[1].Name, f.Operators[29].Name, f.Operators[30].Name)
	// Output:
	// 31 operators; input UINT8 [1 128 128 3] scale 0.0078125 zero point 128
	// CONV_2D DEPTHWISE_CONV_2D RESHAPE SOFTMAX
}

// LoadGraph plans any uint8 graph of the supported operators; here
// Google's COCO SSD-MobileNet detector runs on a 300x300 photo (its input
// tensor's bytes as they are) and gives TFLite's four outputs bit for bit.
func ExampleLoadGraph() {
	g, err := tflite.LoadGraph(filepath.Join(tfliteDir, "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"))
	if err != nil {
		log.Fatal(err)
	}
	r := g.NewRunner(1)
	defer r.Close()
	rgb, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "golden-detect", "coral_cat.rgb"))
	if err != nil {
		log.Fatal(err)
	}
	if err := r.Run(rgb); err != nil {
		log.Fatal(err)
	}
	boxes, classes, scores, count := r.OutputFloat32(0), r.OutputFloat32(1), r.OutputFloat32(2), r.OutputFloat32(3)
	fmt.Println(g.Operators(), "operators,", g.MACs(), "MACs; input", g.Input().Shape)
	for i := range int(count[0]) {
		if scores[i] >= 0.3 {
			fmt.Printf("class %v score %v box %v\n", classes[i], scores[i], boxes[4*i:4*i+4])
		}
	}
	// Output:
	// 64 operators, 728036496 MACs; input [1 300 300 3]
	// class 16 score 0.73046875 box [0.13075289 0.08633196 0.977252 0.7132421]
	// class 61 score 0.34375 box [0.00028049946 0.0009653121 0.42452255 0.32688177]
	// class 62 score 0.33203125 box [0.33062723 -0.00067836046 1.001558 0.30527073]
}
