package net_test

import (
	"fmt"
	"log"

	"github.com/livecam/livecam/net"
)

// A model is loaded once and shared; each goroutine runs it through its own
// Runner, which owns all scratch memory.
func Example() {
	m, err := net.Load("models/mobilenet_v1_0.75_224") // model.json + shards
	if err != nil {
		log.Fatal(err)
	}
	r := m.NewRunner(2) // two threads per forward pass
	defer r.Close()

	rgb := make([]byte, m.InputLen()) // a 224x224 RGB image, HWC
	input := make([]float32, m.InputLen())
	net.NormalizeRGB(input, rgb)

	logits := make([]float32, m.Classes())
	if err := r.Forward(logits, input); err != nil {
		log.Fatal(err)
	}
	net.Softmax(logits, logits)
	for _, p := range net.TopK(nil, logits, 3) {
		fmt.Printf("%.3f %s\n", p.Score, m.Labels().Name(p.Class))
	}
}

// Generated weights of the right shapes stand in for variants whose real
// weights are not at hand.
func ExampleRandomWeights() {
	w, err := net.RandomWeights(net.Config{Alpha: 0.25, Size: 128, Classes: 10}, 1)
	if err != nil {
		log.Fatal(err)
	}
	m, err := net.NewModel(w)
	if err != nil {
		log.Fatal(err)
	}
	r := m.NewRunner(1)
	defer r.Close()
	logits := make([]float32, m.Classes())
	err = r.Forward(logits, make([]float32, m.InputLen()))
	fmt.Println(m.Name(), len(logits), err)
	// Output: mobilenet_v1_0.25_128 10 <nil>
}

func ExampleTopK() {
	scores := []float32{0.1, 0.5, 0.05, 0.3, 0.05}
	for _, p := range net.TopK(nil, scores, 3) {
		fmt.Println(p.Class, p.Score)
	}
	// Output:
	// 1 0.5
	// 3 0.3
	// 0 0.1
}

func ExampleSoftmax() {
	probs := make([]float32, 3)
	net.Softmax(probs, []float32{1, 2, 3})
	fmt.Printf("%.4f\n", probs)
	// Output: [0.0900 0.2447 0.6652]
}

func ExampleConfig_Layers() {
	for _, l := range net.DefaultConfig.Layers()[:4] {
		fmt.Printf("%-10s %-9s s%d %dx%dx%d -> %dx%dx%d\n", l.Name, l.Kind, l.Stride, l.InH, l.InW, l.InC, l.OutH, l.OutW, l.OutC)
	}
	// Output:
	// conv1      Conv      s2 224x224x3 -> 112x112x24
	// conv_dw_1  Conv dw   s1 112x112x24 -> 112x112x24
	// conv_pw_1  Conv 1x1  s1 112x112x24 -> 112x112x48
	// conv_dw_2  Conv dw   s2 112x112x48 -> 56x56x48
}

func ExampleSamePadding() {
	out, before, after := net.SamePadding(224, 3, 2)
	fmt.Println(out, before, after)
	// Output: 112 0 1
}
