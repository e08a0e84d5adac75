package mobilenet_test

import (
	"fmt"
	"testing"

	"github.com/livecam/livecam/net/mobilenet"
)

func ExampleShortLabel() {
	fmt.Println(mobilenet.ShortLabel("hotdog, hot dog, red hot"))
	fmt.Println(mobilenet.ShortLabel("golden retriever"))
	// Output:
	// hotdog
	// golden retriever
}

// TestShortLabel: the first name only, nothing trimmed; a label without
// a comma, or empty, comes back whole.
func TestShortLabel(t *testing.T) {
	for in, want := range map[string]string{
		"tabby, tabby cat":         "tabby",
		"hotdog, hot dog, red hot": "hotdog",
		"banjo":                    "banjo",
		"dining table":             "dining table",
		"":                         "",
		",x":                       "",
		" a , b":                   " a ",
		"crane,":                   "crane",
	} {
		if got := mobilenet.ShortLabel(in); got != want {
			t.Errorf("ShortLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
