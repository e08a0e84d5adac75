package mobilenet

import (
	"math"
	"slices"
)

// Softmax writes the softmax of logits into probs (same length; they may
// be the same slice). It subtracts the maximum first, so large logits do
// not overflow, and sums in float64.
func Softmax(probs, logits []float32) {
	if len(logits) == 0 {
		return
	}
	hi := slices.Max(logits)
	var sum float64
	for i, v := range logits {
		e := math.Exp(float64(v - hi))
		probs[i] = float32(e)
		sum += e
	}
	inv := 1 / sum
	for i := range probs[:len(logits)] {
		probs[i] = float32(float64(probs[i]) * inv)
	}
}

// Prediction is one class of a classification: its index, WordNet id
// (empty when the labels have none), label and probability. TopK fills
// Class and Score; package classify (an alias of this type) fills the
// labels too.
type Prediction struct {
	Class int
	WNID  string
	Label string
	Score float32
}

// TopK appends to dst the k highest-scoring classes of scores, best first
// (ties go to the lower class index), and returns the extended slice.
// With a dst of capacity k it allocates nothing.
func TopK(dst []Prediction, scores []float32, k int) []Prediction {
	k = min(k, len(scores))
	base := len(dst)
	for c, s := range scores {
		n := len(dst) - base
		if n == k && (k == 0 || !(s > dst[len(dst)-1].Score)) {
			continue
		}
		if n < k {
			dst = append(dst, Prediction{})
		}
		// Insertion into the sorted tail.
		j := len(dst) - 1
		for j > base && s > dst[j-1].Score {
			dst[j] = dst[j-1]
			j--
		}
		dst[j] = Prediction{Class: c, Score: s}
	}
	return dst
}

// NormalizeRGB fills dst with an 8-bit RGB image scaled to the network's
// input range, x/127.5 - 1. dst and rgb must have the same length.
func NormalizeRGB(dst []float32, rgb []byte) {
	dst = dst[:len(rgb)]
	for i, v := range rgb {
		dst[i] = inputScale[v]
	}
}

// inputScale holds x/127.5 - 1 for every byte x: a table look-up costs a
// load where the division cost several cycles a value (0.15 ms of a
// 224×224 frame), and gives the same bits, computed once the same way.
var inputScale = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)/127.5 - 1
	}
	return t
}()
