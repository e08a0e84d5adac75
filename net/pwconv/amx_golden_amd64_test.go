//go:build amd64 && !purego

package pwconv_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/pwconv"
	"github.com/livecam/livecam/net/tflite"
)

// TestAMXGoldenQuant runs Google's quantized MobileNets on the amx path
// with the AMX kernel's Go model in place of its assembly (which
// TestAMXBlocksInBochs holds to the model's bytes) and requires
// TensorFlow Lite's uint8 logits and outputs byte for byte on the golden
// inputs (all 16 of 0.25@128, 4 of the larger two: the model multiplies
// one byte at a time).
func TestAMXGoldenQuant(t *testing.T) {
	for _, c := range []struct {
		name   string
		inputs int
	}{{"mobilenet_v1_0.25_128_quant", 16}, {"mobilenet_v1_0.5_160_quant", 4}, {"mobilenet_v1_0.75_192_quant", 4}} {
		t.Run(c.name, func(t *testing.T) {
			applied := pwconv.UseAMXModel(t)
			f, err := tflite.ReadFile(shareddata.Path(t, "models", "tflite", c.name+".tflite"))
			if err != nil {
				t.Fatal(err)
			}
			q, err := f.MobileNet()
			if err != nil {
				t.Fatal(err)
			}
			m, err := mobilenet.NewQuantModel(q)
			if err != nil {
				t.Fatal(err)
			}
			r := m.NewRunner(1) // the model fails the test: on its goroutine
			defer r.Close()
			dir := shareddata.Path(t, "golden-quant", c.name)
			inputs, _ := filepath.Glob(filepath.Join(dir, "*.rgb"))
			if len(inputs) != 16 {
				t.Fatalf("%d golden inputs, want 16", len(inputs))
			}
			logits, out := make([]uint8, m.Classes()), make([]uint8, m.Classes())
			for _, in := range inputs[:c.inputs] {
				rgb := shareddata.ReadFile(t, "golden-quant", c.name, filepath.Base(in))
				before := applied()
				if err := r.ForwardQuant(logits, out, rgb); err != nil {
					t.Fatal(err)
				}
				if applied() == before {
					t.Fatal("the AMX model did not run")
				}
				base := strings.TrimSuffix(in, ".rgb")
				for _, w := range []struct {
					got  []uint8
					file string
				}{{logits, base + ".logits.u8"}, {out, base + ".out.u8"}} {
					want, err := os.ReadFile(w.file)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(w.got, want) {
						t.Errorf("%s: not TensorFlow Lite's bytes", filepath.Base(w.file))
					}
				}
			}
		})
	}
}
