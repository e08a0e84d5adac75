package track

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bestBrute finds by trying every assignment the most pairs that can be
// matched without forbidden ones, and the least cost of that many.
func bestBrute(cost []float64, rows, cols int) (pairs int, total float64) {
	used := make([]bool, cols)
	pairs, total = -1, math.Inf(1)
	var try func(r, n int, sum float64)
	try = func(r, n int, sum float64) {
		if r == rows {
			if n > pairs || n == pairs && sum < total-1e-12 {
				pairs, total = n, sum
			}
			return
		}
		try(r+1, n, sum) // row r unmatched
		for c := 0; c < cols; c++ {
			if !used[c] && cost[r*cols+c] < forbidden {
				used[c] = true
				try(r+1, n+1, sum+cost[r*cols+c])
				used[c] = false
			}
		}
	}
	try(0, 0, 0)
	return pairs, total
}

func TestAssignmentIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var a assigner
	for k := 0; k < 2000; k++ {
		rows, cols := 1+rng.IntN(6), 1+rng.IntN(6)
		if k%10 == 0 {
			rows, cols = rng.IntN(3), rng.IntN(3) // empty sides too
		}
		cost := a.reset(rows, cols)
		for i := range cost {
			cost[i] = rng.Float64()
			if rng.IntN(3) == 0 {
				cost[i] = forbidden
			}
		}
		want := append([]float64(nil), cost...)
		wantPairs, wantTotal := bestBrute(want, rows, cols)
		match := a.solve()
		if len(match) != rows {
			t.Fatalf("%dx%d: %d rows matched", rows, cols, len(match))
		}
		pairs, total, seen := 0, 0.0, map[int]bool{}
		for r, c := range match {
			if c < 0 {
				continue
			}
			if seen[c] || want[r*cols+c] >= forbidden {
				t.Fatalf("%dx%d: match %v uses column %d twice or a forbidden pair", rows, cols, match, c)
			}
			seen[c] = true
			pairs++
			total += want[r*cols+c]
		}
		if pairs != wantPairs || math.Abs(total-wantTotal) > 1e-9 {
			t.Fatalf("%dx%d %v: %d pairs costing %v, best is %d costing %v", rows, cols, want, pairs, total, wantPairs, wantTotal)
		}
	}
}

func TestAssignmentBeatsGreedy(t *testing.T) {
	// The classic trap: greedy takes the best pair (0.9 overlap) and
	// leaves the other row nothing; the optimum matches both.
	var a assigner
	cost := a.reset(2, 2)
	copy(cost, []float64{1 - 0.9, 1 - 0.8, 1 - 0.85, forbidden})
	if m := a.solve(); m[0] != 1 || m[1] != 0 {
		t.Fatalf("match %v, want [1 0]", m)
	}
}
