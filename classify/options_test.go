package classify

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/livecam/livecam/net/mobilenet"
)

// bruteSelect is the obvious reference: sort every eligible class.
func bruteSelect(probs []float32, opts Options) []mobilenet.Prediction {
	k := opts.MaxResults
	if k == 0 {
		k = 5
	}
	var all []mobilenet.Prediction
	for c, s := range probs {
		if len(opts.Allow) > 0 && !slices.Contains(opts.Allow, c) || slices.Contains(opts.Deny, c) || !(s >= opts.MinScore) || s == 0 {
			continue
		}
		all = append(all, mobilenet.Prediction{Class: c, Score: s})
	}
	slices.SortStableFunc(all, func(a, b mobilenet.Prediction) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return all[:min(k, len(all))]
}

func TestSelectMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		probs := make([]float32, 50)
		for i := range probs {
			probs[i] = float32(rng.IntN(20)) / 20 // many ties
		}
		opts := Options{MaxResults: 1 + rng.IntN(MaxResults)}
		if trial%3 == 0 {
			opts.MinScore = float32(rng.IntN(10)) / 10
		}
		if trial%4 == 1 {
			for range 10 {
				opts.Allow = append(opts.Allow, rng.IntN(50))
			}
		}
		if trial%5 == 2 {
			for range 10 {
				opts.Deny = append(opts.Deny, rng.IntN(50))
			}
		}
		f, err := NewFilter(opts, 50)
		if err != nil {
			t.Fatal(err)
		}
		got := f.Select(nil, probs)
		want := bruteSelect(probs, opts)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d, %+v:\n got %v\nwant %v", trial, opts, got, want)
		}
	}
}

// TestSelectLeavesOutZero: a quantized model's probabilities are
// multiples of 1/256, most exactly 0; those are not results.
func TestSelectLeavesOutZero(t *testing.T) {
	probs := make([]float32, 1001)
	probs[20], probs[17] = 255.0/256, 1.0/256
	for _, opts := range []Options{{MaxResults: 5}, {MaxResults: 5, Deny: []int{3}}} {
		f, _ := NewFilter(opts, len(probs))
		got := f.Select(nil, probs)
		if len(got) != 2 || got[0].Class != 20 || got[1].Class != 17 {
			t.Errorf("%+v: got %v, want classes 20 and 17 only", opts, got)
		}
	}
}

func TestSelectSkipsNaN(t *testing.T) {
	nan := float32(math.NaN())
	f, _ := NewFilter(Options{MaxResults: 3, MinScore: 0.1}, 4)
	got := f.Select(nil, []float32{nan, 0.5, nan, 0.2})
	if len(got) != 2 || got[0].Class != 1 || got[1].Class != 3 {
		t.Fatalf("got %v", got)
	}
}

func TestSelectAllocatesNothing(t *testing.T) {
	f, _ := NewFilter(Options{MaxResults: 5, Deny: []int{3}}, 1000)
	probs := make([]float32, 1000)
	for i := range probs {
		probs[i] = float32(i%97) / 97
	}
	dst := make([]mobilenet.Prediction, 0, MaxResults)
	if a := testing.AllocsPerRun(100, func() { dst = f.Select(dst[:0], probs) }); a != 0 {
		t.Errorf("%v allocations per Select", a)
	}
}

func TestFilterOptionsChecked(t *testing.T) {
	for _, o := range []Options{{MaxResults: -1}, {MaxResults: MaxResults + 1}, {MinScore: 1.5},
		{MinScore: float32(math.NaN())}, {Allow: []int{10}}, {Deny: []int{-1}}} {
		if _, err := NewFilter(o, 10); err == nil {
			t.Errorf("%+v accepted for 10 classes", o)
		}
	}
}

func TestParseClass(t *testing.T) {
	labels := &mobilenet.Labels{Names: []string{"tabby, tabby cat", "bullet train, bullet", "crane", "crane"},
		WNIDs: []string{"n02123045", "n02917067", "n02012849", "n03126707"}}
	for spec, want := range map[string]int{"1": 1, "n02917067": 1, "N02123045": 0, "bullet train": 1,
		"Bullet Train, bullet": 1, "tabby": 0, " 0 ": 0, "n03126707": 3} {
		got, err := ParseClass(labels, spec)
		if err != nil || got != want {
			t.Errorf("ParseClass(%q) = %d, %v; want %d", spec, got, err, want)
		}
	}
	for _, spec := range []string{"4", "-1", "bullet", "crane", "zebra", ""} {
		if c, err := ParseClass(labels, spec); err == nil {
			t.Errorf("ParseClass(%q) = %d, want an error", spec, c)
		}
	}
}
