package track

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// matrixKF is the textbook 8-state constant-velocity Kalman filter
// (x, y, w, h and their velocities) in gonum matrices, with BoT-SORT's
// noise, on the source's clock as motion runs it.
type matrixKF struct {
	x *mat.VecDense
	p *mat.Dense
}

func newMatrixKF(b Box) *matrixKF {
	z := []float64{b.X + b.W/2, b.Y + b.H/2, b.W, b.H}
	x := mat.NewVecDense(8, append(z, 0, 0, 0, 0))
	sizes := []float64{b.W, b.H, b.W, b.H}
	d := make([]float64, 8)
	for i, s := range sizes {
		d[i] = math.Pow(2*stdPos*s, 2)
		d[i+4] = math.Pow(10*stdVel*s/nominalFrame.Seconds(), 2)
	}
	return &matrixKF{x: x, p: mat.NewDense(8, 8, diag(d))}
}

func diag(d []float64) []float64 {
	n := len(d)
	m := make([]float64, n*n)
	for i, v := range d {
		m[i*n+i] = v
	}
	return m
}

func (k *matrixKF) sizes() []float64 {
	w, h := k.x.AtVec(2), k.x.AtVec(3)
	return []float64{w, h, w, h}
}

func (k *matrixKF) predict(dt float64) {
	f := mat.NewDense(8, 8, diag([]float64{1, 1, 1, 1, 1, 1, 1, 1}))
	for i := 0; i < 4; i++ {
		f.Set(i, i+4, dt)
	}
	frames := dt / nominalFrame.Seconds()
	q := make([]float64, 8)
	for i, s := range k.sizes() {
		q[i] = math.Pow(stdPos*s, 2) * frames
		q[i+4] = math.Pow(stdVel*s/nominalFrame.Seconds(), 2) * frames
	}
	var x mat.VecDense
	x.MulVec(f, k.x)
	k.x = &x
	var fp, p mat.Dense
	fp.Mul(f, k.p)
	p.Mul(&fp, f.T())
	p.Add(&p, mat.NewDense(8, 8, diag(q)))
	k.p = &p
}

func (k *matrixKF) update(b Box) {
	h := mat.NewDense(4, 8, nil)
	for i := 0; i < 4; i++ {
		h.Set(i, i, 1)
	}
	r := make([]float64, 4)
	for i, s := range k.sizes() {
		r[i] = math.Pow(stdPos*s, 2)
	}
	var hp, s, sInv, pht, gain mat.Dense
	hp.Mul(h, k.p)
	s.Mul(&hp, h.T())
	s.Add(&s, mat.NewDense(4, 4, diag(r)))
	if err := sInv.Inverse(&s); err != nil {
		panic(err)
	}
	pht.Mul(k.p, h.T())
	gain.Mul(&pht, &sInv)
	z := mat.NewVecDense(4, []float64{b.X + b.W/2, b.Y + b.H/2, b.W, b.H})
	var hx, y, dx mat.VecDense
	hx.MulVec(h, k.x)
	y.SubVec(z, &hx)
	dx.MulVec(&gain, &y)
	k.x.AddVec(k.x, &dx)
	var kh, ikh, p mat.Dense
	kh.Mul(&gain, h)
	ikh.Sub(mat.NewDense(8, 8, diag([]float64{1, 1, 1, 1, 1, 1, 1, 1})), &kh)
	p.Mul(&ikh, k.p)
	k.p = &p
}

func TestKalmanMatchesMatrixForm(t *testing.T) {
	// Four 2-state filters are the 8-state filter: same state, same
	// covariance (and none between coordinates), step after step, with
	// uneven time steps and missed measurements.
	rng := rand.New(rand.NewPCG(3, 4))
	b := Box{100, 200, 60, 120}
	var m motion
	m.init(b)
	ref := newMatrixKF(b)
	for step := 0; step < 200; step++ {
		dt := nominalFrame.Seconds() * (0.5 + 2*rng.Float64())
		m.predict(dt)
		ref.predict(dt)
		if rng.IntN(5) != 0 {
			b.X += 3 + rng.NormFloat64()
			b.Y -= 1 + rng.NormFloat64()
			b.W += 0.2 * rng.NormFloat64()
			b.H += 0.4 * rng.NormFloat64()
			m.update(b)
			ref.update(b)
		}
		for i := 0; i < 4; i++ {
			near := func(what string, got, want float64) {
				if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
					t.Fatalf("step %d coordinate %d %s: %v, matrix form %v", step, i, what, got, want)
				}
			}
			near("position", m[i].p, ref.x.AtVec(i))
			near("velocity", m[i].v, ref.x.AtVec(i+4))
			near("var(position)", m[i].p00, ref.p.At(i, i))
			near("cov(position, velocity)", m[i].p01, ref.p.At(i, i+4))
			near("cov(velocity, position)", m[i].p01, ref.p.At(i+4, i))
			near("var(velocity)", m[i].p11, ref.p.At(i+4, i+4))
			for j := 0; j < 8; j++ {
				if j != i && j != i+4 {
					near("cross-covariance", 0, ref.p.At(i, j))
					near("cross-covariance", 0, ref.p.At(i+4, j))
				}
			}
		}
	}
}
