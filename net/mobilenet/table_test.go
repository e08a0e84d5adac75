package mobilenet

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestWriteTableReproducesPaper: the totals of WriteTable are the
// paper's (Table 1 and Table 6/7: mult-adds within 1%, parameters within
// 0.05M), its rows show each kind of layer's filter as Table 1 does, and
// its shares are Table 2's.
func TestWriteTableReproducesPaper(t *testing.T) {
	total := regexp.MustCompile(`Total: ([0-9.]+)M mult-adds, ([0-9.]+)M parameters`)
	for _, tc := range []struct {
		alpha         float64
		size          int
		madds, params float64
	}{
		{1.0, 224, 569, 4.2}, {0.75, 224, 325, 2.6}, {0.5, 224, 149, 1.3}, {0.25, 224, 41, 0.5},
		{1.0, 192, 418, 4.2}, {1.0, 160, 290, 4.2}, {1.0, 128, 186, 4.2},
	} {
		var out strings.Builder
		if err := (Config{Alpha: tc.alpha, Size: tc.size, Classes: 1000}).WriteTable(&out); err != nil {
			t.Fatal(err)
		}
		m := total.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("%v %d: no totals in\n%s", tc.alpha, tc.size, out.String())
		}
		madds, _ := strconv.ParseFloat(m[1], 64)
		params, _ := strconv.ParseFloat(m[2], 64)
		if d := (madds - tc.madds) / tc.madds; d > 0.01 || d < -0.01 {
			t.Errorf("%v %d: %vM mult-adds, paper %vM", tc.alpha, tc.size, madds, tc.madds)
		}
		if d := params - tc.params; d > 0.05 || d < -0.05 {
			t.Errorf("%v %d: %vM parameters, paper %vM", tc.alpha, tc.size, params, tc.params)
		}
	}
	var out strings.Builder
	(Config{Alpha: 1, Size: 224, Classes: 1000}).WriteTable(&out)
	for _, want := range []string{
		"MobileNet V1, alpha 1.0, input 224x224x3, 1000 classes (mobilenet_v1_1.0_224)\n",
		"      Conv / s2       3x3x3x32   224x224x3     10.84M     864\n",
		"   Conv dw / s1      3x3x32 dw  112x112x32      3.61M     288\n",
		"  Conv 1x1 / s1      1x1x32x64  112x112x32     25.69M    2.0K\n",
		"Pool 7x7", "FC / s1      1024x1000", "Softmax / s1     Classifier",
		"          Conv 1x1     94.86%      74.59%\n", "       Conv DW 3x3      3.06%       1.06%\n",
		"  Conv 3x3 (first)      1.91%       0.02%\n", "   Fully connected      0.18%      24.33%\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

// failingWriter fails every write after the first n.
type failingWriter struct{ n int }

var errFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errFull
	}
	f.n--
	return len(p), nil
}

// TestWriteTableReportsWriteError: a write that fails is WriteTable's
// error, wherever it happens.
func TestWriteTableReportsWriteError(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4} {
		if err := (Config{Alpha: 0.25, Size: 128, Classes: 10}).WriteTable(&failingWriter{n: n}); !errors.Is(err, errFull) {
			t.Errorf("failing after %d writes: %v, want %v", n, err, errFull)
		}
	}
}
