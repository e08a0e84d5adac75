package randweights_test

import (
	"fmt"
	"log"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/net/mobilenet"
)

// Generated weights of the right shapes stand in for variants whose real
// weights are not at hand.
func ExampleNew() {
	w, err := randweights.New(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 10}, 1)
	if err != nil {
		log.Fatal(err)
	}
	m, err := mobilenet.NewModel(w)
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
