package classify

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/livecam/livecam/net/mobilenet"
)

// numbered returns labels "c0".."c<n-1>" with WordNet ids "w0"...
func numbered(n int) *mobilenet.Labels {
	l := &mobilenet.Labels{}
	for i := range n {
		l.Names = append(l.Names, "c"+strconv.Itoa(i))
		l.WNIDs = append(l.WNIDs, "w"+strconv.Itoa(i))
	}
	return l
}

// bruteSelect is the obvious reference: sort every eligible class. allow
// and deny are class indices.
func bruteSelect(probs []float32, opts Options, allow, deny []int, labels *mobilenet.Labels) []Prediction {
	k := opts.MaxResults
	switch k {
	case 0:
		k = DefaultMaxResults
	case AllResults:
		k = len(probs)
	}
	var all []Prediction
	for c, s := range probs {
		if len(allow) > 0 && !slices.Contains(allow, c) || slices.Contains(deny, c) || !(s >= opts.MinScore) || s == 0 {
			continue
		}
		all = append(all, Prediction{Class: c, Score: s, Label: labels.Name(c), WNID: labels.WNID(c)})
	}
	slices.SortStableFunc(all, func(a, b Prediction) int {
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

// TestSelectMatchesSorting: Select equals sorting every eligible class,
// for any MaxResults (up to all of them), minimum score, and classes
// allowed and denied by index, label or WordNet id.
func TestSelectMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	labels := numbered(50)
	for trial := range 500 {
		probs := make([]float32, 50)
		for i := range probs {
			probs[i] = float32(rng.IntN(20)) / 20 // many ties
		}
		opts := Options{MaxResults: 1 + rng.IntN(60)}
		if trial%7 == 3 {
			opts.MaxResults = AllResults
		}
		if trial%3 == 0 {
			opts.MinScore = float32(rng.IntN(10)) / 10
		}
		// Classes named three ways: "12", "c12", "w12".
		name := func(c int) string { return [3]string{"", "c", "w"}[c%3] + strconv.Itoa(c) }
		var allow, deny []int
		if trial%4 == 1 {
			for range 10 {
				c := rng.IntN(50)
				allow, opts.Allow = append(allow, c), append(opts.Allow, name(c))
			}
		}
		if trial%5 == 2 {
			for range 10 {
				c := rng.IntN(50)
				deny, opts.Deny = append(deny, c), append(opts.Deny, name(c))
			}
		}
		f, err := NewFilter(opts, labels)
		if err != nil {
			t.Fatal(err)
		}
		got := f.Select(nil, probs)
		want := bruteSelect(probs, opts, allow, deny, labels)
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
	for _, opts := range []Options{{MaxResults: 5}, {MaxResults: 5, Deny: []string{"3"}}, {MaxResults: AllResults}} {
		f, err := NewFilter(opts, numbered(len(probs)))
		if err != nil {
			t.Fatal(err)
		}
		got := f.Select(nil, probs)
		if len(got) != 2 || got[0].Class != 20 || got[1].Class != 17 {
			t.Errorf("%+v: got %v, want classes 20 and 17 only", opts, got)
		}
	}
}

func TestSelectSkipsNaN(t *testing.T) {
	nan := float32(math.NaN())
	f, _ := NewFilter(Options{MaxResults: 3, MinScore: 0.1}, numbered(4))
	got := f.Select(nil, []float32{nan, 0.5, nan, 0.2})
	if len(got) != 2 || got[0].Class != 1 || got[1].Class != 3 {
		t.Fatalf("got %v", got)
	}
}

func TestSelectAllocatesNothing(t *testing.T) {
	probs := make([]float32, 1000)
	for i := range probs {
		probs[i] = float32(i%97) / 97
	}
	for _, opts := range []Options{{MaxResults: 5, Deny: []string{"3"}}, {}, {MaxResults: AllResults}} {
		f, _ := NewFilter(opts, numbered(1000))
		dst := make([]Prediction, 0, f.MaxResults())
		if a := testing.AllocsPerRun(100, func() { dst = f.Select(dst[:0], probs) }); a != 0 {
			t.Errorf("%+v: %v allocations per Select", opts, a)
		}
	}
}

// TestMaxResults: any positive number, all, or the default; more than
// the model has means all.
func TestMaxResults(t *testing.T) {
	for _, c := range []struct{ max, want int }{{0, DefaultMaxResults}, {1, 1}, {10, 10}, {11, 11}, {999, 999},
		{1000, 1000}, {5000, 1000}, {AllResults, 1000}} {
		f, err := NewFilter(Options{MaxResults: c.max}, numbered(1000))
		if err != nil {
			t.Fatalf("MaxResults %d: %v", c.max, err)
		}
		if f.MaxResults() != c.want {
			t.Errorf("MaxResults %d: Filter reports %d at most, want %d", c.max, f.MaxResults(), c.want)
		}
	}
}

// TestFilterOptionsChecked: every bad option is an error naming it.
func TestFilterOptionsChecked(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{MaxResults: -2}, "MaxResults -2"},
		{Options{MinScore: 1.5}, "MinScore 1.5"},
		{Options{MinScore: float32(math.NaN())}, "MinScore NaN"},
		{Options{Allow: []string{"10"}}, "Allow: class 10 is outside 0..9"},
		{Options{Deny: []string{"-1"}}, "Deny: class -1"},
		{Options{Allow: []string{"c1", "zebra"}}, `Allow: no class is named "zebra"`},
		{Options{Deny: []string{""}}, "Deny: an empty class name"},
	} {
		_, err := NewFilter(c.o, numbered(10))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v for 10 classes: %v, want an error saying %q", c.o, err, c.want)
		}
	}
	if _, err := NewFilter(Options{}, nil); err == nil {
		t.Error("a filter without labels was accepted")
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
	// Labels without WordNet ids (a detector's, a TFLite file's): an
	// empty name is no class, not the first class's empty id.
	if c, err := ParseClass(&mobilenet.Labels{Names: []string{"background", "cat"}}, " "); err == nil {
		t.Errorf("ParseClass of a blank name = %d, want an error", c)
	}
}
