package timeline

import "testing"

// TestNameIsDisplayName: a segment shows its label's display name, the
// first of its synonyms; Unsure shows "(not sure)".
func TestNameIsDisplayName(t *testing.T) {
	for _, c := range []struct {
		s    Segment
		want string
	}{
		{Segment{Class: 281, Label: "tabby, tabby cat"}, "tabby"},
		{Segment{Class: 934, Label: "hotdog, hot dog, red hot"}, "hotdog"},
		{Segment{Class: 207, Label: "golden retriever"}, "golden retriever"},
		{Segment{Class: Unsure, Label: "tabby, tabby cat"}, "(not sure)"},
	} {
		if got := Name(c.s); got != c.want {
			t.Errorf("Name(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}
