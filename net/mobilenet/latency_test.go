package mobilenet

import (
	"testing"
	"time"
)

// TestQuantileEmpirical: the quantiles of Latency are the empirical ones
// `livecam bench` always printed (gonum's stat.Empirical): with 200
// sorted times, the median is the 100th and the 90th percentile the
// 180th, not the one after.
func TestQuantileEmpirical(t *testing.T) {
	sorted := make([]time.Duration, 200)
	for i := range sorted {
		sorted[i] = time.Duration(i + 1)
	}
	for _, tc := range []struct {
		n    int
		p    float64
		want time.Duration
	}{{200, 0.5, 100}, {200, 0.9, 180}, {10, 0.9, 9}, {3, 0.5, 2}, {1, 0.9, 1}, {1, 0.5, 1}} {
		if got := quantile(sorted[:tc.n], tc.p); got != tc.want {
			t.Errorf("quantile of 1..%d at %v: %d, want %d", tc.n, tc.p, got, tc.want)
		}
	}
}
