package mobilenet_test

import (
	"fmt"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// modelDir is where the tests find the published weights: the shared
// models folder beside the repository.
var modelDir = filepath.Join("..", "..", "..", "shared", "models", "mobilenet_v1_0.75_224")

// A model is loaded once and shared; each goroutine runs it through its own
// Runner, which owns all scratch memory. The input is a 224x224 RGB image,
// here a photo already at that size.
func Example() {
	m, err := tfjs.Load(modelDir) // model.json + shards + labels
	if err != nil {
		log.Fatal(err)
	}
	r := m.NewRunner(2) // two threads per forward pass
	defer r.Close()

	rgb, err := readRGB("testdata/macaw_224.png", m.Config().Size)
	if err != nil {
		log.Fatal(err)
	}
	input := make([]float32, m.InputLen())
	mobilenet.NormalizeRGB(input, rgb)

	logits := make([]float32, m.Classes())
	if err := r.Forward(logits, input); err != nil {
		log.Fatal(err)
	}
	mobilenet.Softmax(logits, logits)
	best := mobilenet.TopK(nil, logits, 1)[0]
	fmt.Printf("%s (class %d, %s)\n", m.Labels().Name(best.Class), best.Class, m.Labels().WNID(best.Class))
	// Output: macaw (class 88, n01818515)
}

// readRGB reads a PNG of size x size pixels as packed RGB bytes.
func readRGB(path string, size int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		return nil, fmt.Errorf("%s is %dx%d, want %dx%d", path, b.Dx(), b.Dy(), size, size)
	}
	rgb := make([]byte, 0, size*size*3)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
		}
	}
	return rgb, nil
}

func ExampleTopK() {
	scores := []float32{0.1, 0.5, 0.05, 0.3, 0.05}
	for _, p := range mobilenet.TopK(nil, scores, 3) {
		fmt.Println(p.Class, p.Score)
	}
	// Output:
	// 1 0.5
	// 3 0.3
	// 0 0.1
}

func ExampleSoftmax() {
	probs := make([]float32, 3)
	mobilenet.Softmax(probs, []float32{1, 2, 3})
	fmt.Printf("%.4f\n", probs)
	// Output: [0.0900 0.2447 0.6652]
}

func ExampleConfig_Layers() {
	for _, l := range mobilenet.DefaultConfig.Layers()[:4] {
		fmt.Printf("%-10s %-9s s%d %dx%dx%d -> %dx%dx%d\n", l.Name, l.Kind, l.Stride, l.InH, l.InW, l.InC, l.OutH, l.OutW, l.OutC)
	}
	// Output:
	// conv1      Conv      s2 224x224x3 -> 112x112x24
	// conv_dw_1  Conv dw   s1 112x112x24 -> 112x112x24
	// conv_pw_1  Conv 1x1  s1 112x112x24 -> 112x112x48
	// conv_dw_2  Conv dw   s2 112x112x48 -> 56x56x48
}

func ExampleSamePadding() {
	out, before, after := mobilenet.SamePadding(224, 3, 2)
	fmt.Println(out, before, after)
	// Output: 112 0 1
}
