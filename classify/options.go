package classify

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
)

// Prediction is one class of a classification: its index, WordNet id
// (empty when the labels have none), label and probability. It is the
// same type as mobilenet.Prediction, whose TopK fills Class and Score.
type Prediction = mobilenet.Prediction

// DefaultMaxResults is the number of classes reported when
// Options.MaxResults is 0.
const DefaultMaxResults = 5

// AllResults, as Options.MaxResults, reports every class that passes the
// other options (MediaPipe's max_results -1).
const AllResults = -1

// Options choose which classes a result reports, as MediaPipe's image
// classifier options do. The zero value reports the 5 best classes.
type Options struct {
	// MaxResults is the number of classes reported, best first: any
	// positive number (more than the model has means all), AllResults,
	// or 0 for DefaultMaxResults.
	MaxResults int
	// MinScore leaves out classes scoring below it (0: none left out).
	MinScore float32
	// Allow, when not empty, reports only these classes; Deny never
	// reports these. Each entry names a class as ParseClass reads it: an
	// index ("281"), a WordNet id ("n02123045") or a label, whole or its
	// first name ("tabby"), in any letter case. They are resolved once,
	// by NewFilter; an entry that names no class, or more than one, is
	// an error naming it.
	Allow, Deny []string
}

// Filter applies Options to the probability vectors of one model. It is
// made once (NewFilter) and then ranks without allocating. A Filter is
// immutable and safe for concurrent use.
type Filter struct {
	k        int
	minScore float32
	allowed  []bool // nil: every class
	labels   *mobilenet.Labels
}

// NewFilter checks opts against a model's labels (one per class: see
// mobilenet.Model.Labels) and returns the Filter that applies them.
func NewFilter(opts Options, labels *mobilenet.Labels) (*Filter, error) {
	classes := labels.Len()
	if classes == 0 {
		return nil, fmt.Errorf("classify: no labels: a filter needs the model's classes")
	}
	k := opts.MaxResults
	switch {
	case k == 0:
		k = DefaultMaxResults
	case k == AllResults:
		k = classes
	case k < 0:
		return nil, fmt.Errorf("classify: MaxResults %d: want a positive number, 0 (the default %d) or AllResults (-1)", k, DefaultMaxResults)
	}
	if s := float64(opts.MinScore); math.IsNaN(s) || s < 0 || s > 1 {
		return nil, fmt.Errorf("classify: MinScore %v is outside [0, 1]", opts.MinScore)
	}
	f := &Filter{k: min(k, classes), minScore: opts.MinScore, labels: labels}
	if len(opts.Allow) == 0 && len(opts.Deny) == 0 {
		return f, nil
	}
	f.allowed = make([]bool, classes)
	for i := range f.allowed {
		f.allowed[i] = len(opts.Allow) == 0
	}
	for _, list := range []struct {
		name  string
		specs []string
		allow bool
	}{{"Allow", opts.Allow, true}, {"Deny", opts.Deny, false}} {
		for _, spec := range list.specs {
			c, err := ParseClass(labels, spec)
			if err != nil {
				return nil, fmt.Errorf("classify: %s: %w", list.name, err)
			}
			f.allowed[c] = list.allow
		}
	}
	return f, nil
}

// MaxResults returns the number of classes Select reports at most.
func (f *Filter) MaxResults() int { return f.k }

// Labels returns the labels the Filter names its predictions with.
func (f *Filter) Labels() *mobilenet.Labels { return f.labels }

// Select appends to dst the best classes of probs that pass the filter,
// best first (ties go to the lower class index), with their labels, and
// returns the extended slice. probs has one probability per class of the
// Filter's labels. A class of probability 0 is never reported: a
// quantized model's probabilities are multiples of 1/256, and most of
// them are exactly 0. With a dst of capacity MaxResults() it allocates
// nothing.
func (f *Filter) Select(dst []Prediction, probs []float32) []Prediction {
	base := len(dst)
	if f.allowed == nil && f.minScore == 0 {
		dst = mobilenet.TopK(dst, probs, f.k)
		for len(dst) > base && !(dst[len(dst)-1].Score > 0) && !isNaN(dst[len(dst)-1].Score) {
			dst = dst[:len(dst)-1]
		}
	} else {
		for c, s := range probs {
			if (f.allowed != nil && (c >= len(f.allowed) || !f.allowed[c])) || !(s >= f.minScore) || s == 0 {
				continue
			}
			// Insert into dst[base:], kept sorted, at most k long.
			n := len(dst) - base
			if n == f.k && !(s > dst[len(dst)-1].Score) {
				continue
			}
			if n < f.k {
				dst = append(dst, Prediction{})
			}
			i := len(dst) - 1
			for i > base && s > dst[i-1].Score {
				dst[i] = dst[i-1]
				i--
			}
			dst[i] = Prediction{Class: c, Score: s}
		}
	}
	for i := base; i < len(dst); i++ {
		dst[i].WNID, dst[i].Label = f.labels.WNID(dst[i].Class), f.labels.Name(dst[i].Class)
	}
	return dst
}

func isNaN(x float32) bool { return x != x }

// ParseClass finds the class a user names: a class index ("466"), a
// WordNet id ("n02917067") or a label, whole ("bullet train, bullet") or
// its first name ("bullet train"), in any letter case. The error names
// spec.
func ParseClass(labels *mobilenet.Labels, spec string) (int, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return 0, fmt.Errorf("an empty class name (give a class index, a WordNet id or a label)")
	}
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
		if strings.EqualFold(name, spec) || strings.EqualFold(strings.TrimSpace(mobilenet.ShortLabel(name)), spec) {
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
