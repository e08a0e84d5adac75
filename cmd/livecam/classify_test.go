package main

import (
	"strings"
	"testing"
)

// TestClassifyTopK: classify's -topk takes any positive number, beyond
// the run's 10, and all (every class the model scores above 0: what a
// number beyond its class count gives); 0, negatives and words are
// refused (see TestClassifyBadInput).
func TestClassifyTopK(t *testing.T) {
	useSharedModels(t)
	const img = "../../testdata/images/demo/parrot.jpg"
	classes := func(topk string) (string, int) {
		t.Helper()
		out, errOut, code := livecam(t, "classify", "-json", "-topk", topk, img)
		if code != 0 {
			t.Fatalf("-topk %s: exit %d, %s", topk, code, errOut)
		}
		return out, strings.Count(out, `"class"`)
	}
	if _, n := classes("20"); n != 20 {
		t.Errorf("-topk 20: %d classes", n)
	}
	all, n := classes("all")
	if n <= 20 {
		t.Errorf("-topk all: %d classes", n)
	}
	if many, _ := classes("5000"); all != many {
		t.Errorf("-topk all and -topk 5000 differ:\n%s\n%s", all, many)
	}
	if upper, _ := classes("ALL"); upper != all {
		t.Error("-topk ALL differs from -topk all")
	}
}
