package mobilenet_test

import (
	"math"
	"testing"

	"github.com/livecam/livecam/net/mobilenet"
)

// TestNormalizeRGBExact checks every byte value against x/127.5 - 1
// computed in float32, bit for bit (the goldens' tolerance would let an
// off-by-one table through).
func TestNormalizeRGBExact(t *testing.T) {
	rgb := make([]byte, 256)
	for i := range rgb {
		rgb[i] = byte(i)
	}
	dst := make([]float32, 256)
	mobilenet.NormalizeRGB(dst, rgb)
	for i, got := range dst {
		if want := float32(i)/127.5 - 1; math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("%d: %v, want %v", i, got, want)
		}
	}
}

// BenchmarkNormalizeRGB times the input scaling of one 224×224 frame.
func BenchmarkNormalizeRGB(b *testing.B) {
	rgb := make([]byte, 224*224*3)
	for i := range rgb {
		rgb[i] = byte(i * 7)
	}
	dst := make([]float32, len(rgb))
	b.SetBytes(int64(len(rgb)))
	for b.Loop() {
		mobilenet.NormalizeRGB(dst, rgb)
	}
}
