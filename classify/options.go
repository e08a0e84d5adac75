package classify

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
)

// MaxResults is the largest number of classes one result carries.
const MaxResults = 10

// Options choose which classes a result reports, as MediaPipe's image
// classifier options do. The zero value reports the 5 best classes.
type Options struct {
	// MaxResults is the number of classes reported, best first (default 5,
	// at most the package's MaxResults).
	MaxResults int
	// MinScore leaves out classes scoring below it (0: none left out).
	MinScore float32
	// Allow, when not empty, reports only these class indices.
	Allow []int
	// Deny never reports these class indices.
	Deny []int
}

// Filter applies Options to probability vectors of one model. It is made
// once (NewFilter) and then ranks without allocating. A Filter is
// immutable and safe for concurrent use.
type Filter struct {
	k        int
	minScore float32
	allowed  []bool // nil: every class
}

// NewFilter checks opts against a model with the given number of classes
// and returns the Filter that applies them.
func NewFilter(opts Options, classes int) (*Filter, error) {
	k := opts.MaxResults
	if k == 0 {
		k = 5
	}
	if k < 0 || k > MaxResults {
		return nil, fmt.Errorf("classify: MaxResults %d is outside 1..%d", opts.MaxResults, MaxResults)
	}
	if s := float64(opts.MinScore); math.IsNaN(s) || s < 0 || s > 1 {
		return nil, fmt.Errorf("classify: MinScore %v is outside [0, 1]", opts.MinScore)
	}
	f := &Filter{k: min(k, classes), minScore: opts.MinScore}
	if len(opts.Allow) == 0 && len(opts.Deny) == 0 {
		return f, nil
	}
	f.allowed = make([]bool, classes)
	for i := range f.allowed {
		f.allowed[i] = len(opts.Allow) == 0
	}
	for _, c := range opts.Allow {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("classify: allowed class %d is outside 0..%d", c, classes-1)
		}
		f.allowed[c] = true
	}
	for _, c := range opts.Deny {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("classify: denied class %d is outside 0..%d", c, classes-1)
		}
		f.allowed[c] = false
	}
	return f, nil
}

// MaxResults returns the number of classes Select reports at most.
func (f *Filter) MaxResults() int { return f.k }

// Select appends to dst the best classes of probs that pass the filter,
// best first (ties go to the lower class index), and returns the extended
// slice. A class of probability 0 is never reported: a quantized model's
// probabilities are multiples of 1/256, and most of them are exactly 0.
// With a dst of capacity MaxResults it allocates nothing.
func (f *Filter) Select(dst []mobilenet.Prediction, probs []float32) []mobilenet.Prediction {
	if f.allowed == nil && f.minScore == 0 {
		base := len(dst)
		dst = mobilenet.TopK(dst, probs, f.k)
		for len(dst) > base && !(dst[len(dst)-1].Score > 0) && !isNaN(dst[len(dst)-1].Score) {
			dst = dst[:len(dst)-1]
		}
		return dst
	}
	base := len(dst)
	for c, s := range probs {
		if (f.allowed != nil && !f.allowed[c]) || !(s >= f.minScore) || s == 0 {
			continue
		}
		// Insert into dst[base:], kept sorted, at most k long.
		n := len(dst) - base
		if n == f.k && !(s > dst[len(dst)-1].Score) {
			continue
		}
		if n < f.k {
			dst = append(dst, mobilenet.Prediction{})
		}
		i := len(dst) - 1
		for i > base && s > dst[i-1].Score {
			dst[i] = dst[i-1]
			i--
		}
		dst[i] = mobilenet.Prediction{Class: c, Score: s}
	}
	return dst
}

func isNaN(x float32) bool { return x != x }

// ParseClass finds the class a user names: a class index ("466"), a
// WordNet id ("n02917067") or a label, whole ("bullet train, bullet") or
// its first name ("bullet train"), in any letter case.
func ParseClass(labels *mobilenet.Labels, spec string) (int, error) {
	spec = strings.TrimSpace(spec)
	if i, err := strconv.Atoi(spec); err == nil {
		if i < 0 || i >= labels.Len() {
			return 0, fmt.Errorf("class %d is outside 0..%d", i, labels.Len()-1)
		}
		return i, nil
	}
	for i := range labels.Len() {
		if strings.EqualFold(labels.WNID(i), spec) {
			return i, nil
		}
	}
	found := -1
	for i := range labels.Len() {
		name := labels.Name(i)
		first, _, _ := strings.Cut(name, ",")
		if strings.EqualFold(name, spec) || strings.EqualFold(strings.TrimSpace(first), spec) {
			if found >= 0 && found != i {
				return 0, fmt.Errorf("%q names more than one class (%d and %d): give the class index", spec, found, i)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("no class is named %q (give a class index, a WordNet id or a label)", spec)
	}
	return found, nil
}
