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
