package track

import "math"

// Neither gonum nor the Go modules available to this project have a
// linear assignment solver, so this is the Hungarian algorithm in its
// shortest-augmenting-path form (Kuhn-Munkres with potentials, O(n²m) for
// n rows <= m columns), the one scipy's linear_sum_assignment and lapjv
// also solve. At 100 tracks by 100 boxes it takes well under a
// millisecond, and it allocates nothing once its buffers have grown.

// forbidden is the cost of a pair that may not be matched (other class,
// or overlap below the threshold). It is far above any sum of allowed
// costs (each at most 1, at most a few hundred of them), so the optimum
// first uses as few forbidden pairs as it can, that is it matches as many
// allowed pairs as possible, and then maximises their total overlap.
const forbidden = 1e6

// assigner solves one assignment problem at a time.
type assigner struct {
	cost       []float64 // rows × cols, row-major, filled by the caller
	rows, cols int

	u, v, minv []float64
	p, way     []int
	used       []bool
	match      []int // row → column, or -1
}

// reset sizes the cost matrix for rows × cols and returns it.
func (a *assigner) reset(rows, cols int) []float64 {
	a.rows, a.cols = rows, cols
	a.cost = grow(a.cost, rows*cols)
	return a.cost
}

// solve returns, for each row, the column it is matched with, or -1 for
// none; pairs whose cost is forbidden are never returned.
func (a *assigner) solve() []int {
	rows, cols := a.rows, a.cols
	a.match = growInt(a.match, rows)
	for i := range a.match {
		a.match[i] = -1
	}
	if rows == 0 || cols == 0 {
		return a.match
	}
	// The algorithm wants n <= m: solve the transpose when there are
	// more rows than columns.
	trans := rows > cols
	n, m := rows, cols
	if trans {
		n, m = cols, rows
	}
	at := func(i, j int) float64 { // 1-based, in the solved orientation
		if trans {
			return a.cost[(j-1)*cols+(i-1)]
		}
		return a.cost[(i-1)*cols+(j-1)]
	}
	a.u = grow(a.u, n+1)
	a.v = grow(a.v, m+1)
	a.minv = grow(a.minv, m+1)
	a.p = growInt(a.p, m+1)
	a.way = growInt(a.way, m+1)
	a.used = growBool(a.used, m+1)
	u, v, minv, p, way, used := a.u, a.v, a.minv, a.p, a.way, a.used
	clear(u)
	clear(v)
	clear(p)
	clear(way)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := at(i0, j) - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] == 0 {
			continue
		}
		i := p[j]
		if at(i, j) >= forbidden {
			continue
		}
		if trans {
			a.match[j-1] = i - 1
		} else {
			a.match[i-1] = j - 1
		}
	}
	return a.match
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n, n+n/2)
	}
	return s[:n]
}

func growInt(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n, n+n/2)
	}
	return s[:n]
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n, n+n/2)
	}
	return s[:n]
}
