package track

import "time"

// The motion model is the constant-velocity Kalman filter of SORT,
// DeepSORT, ByteTrack and BoT-SORT over the box's centre, width and height
// (BoT-SORT's x, y, w, h state, with its noise weights), written out per
// coordinate. With F, H, Q, R and the initial covariance all built from
// diagonal blocks, as they are there, the 8-dimensional filter never
// couples one coordinate with another: it is exactly four independent
// 2-state (position, velocity) filters. kalman_test.go checks that
// against the textbook matrix form computed with gonum.
//
// Unlike those trackers, time is the source's clock, not a frame count:
// velocities are in pixels per second, a prediction moves the box by the
// time since the last update, and the process noise grows with that time
// (its variance per nominalFrame is BoT-SORT's per-frame value). A frame
// the pipeline dropped therefore costs the prediction nothing.

// nominalFrame is the frame interval the noise weights were tuned for.
const nominalFrame = time.Second / 30

// Noise weights, relative to the box's width (x, w) or height (y, h).
const (
	stdPos = 1.0 / 20  // position: per frame of process noise, per measurement, and twice it initially
	stdVel = 1.0 / 160 // velocity per frame: per frame of process noise, and ten times it initially
)

// kf1 is one coordinate's filter: position p (pixels), velocity v
// (pixels per second) and their covariance [[p00, p01], [p01, p11]].
type kf1 struct {
	p, v          float64
	p00, p01, p11 float64
}

// init starts the filter at the measurement z; size is the box's width or
// height that scales the noise.
func (k *kf1) init(z, size float64) {
	sp := 2 * stdPos * size
	sv := 10 * stdVel * size / nominalFrame.Seconds()
	*k = kf1{p: z, p00: sp * sp, p11: sv * sv}
}

// predict moves the filter dt seconds on.
func (k *kf1) predict(dt, size float64) {
	f := dt / nominalFrame.Seconds() // nominal frames elapsed
	qp := stdPos * size
	qv := stdVel * size / nominalFrame.Seconds()
	k.p += k.v * dt
	k.p00 += 2*dt*k.p01 + dt*dt*k.p11 + qp*qp*f
	k.p01 += dt * k.p11
	k.p11 += qv * qv * f
}

// update corrects the filter with the measurement z.
func (k *kf1) update(z, size float64) {
	r := stdPos * size
	s := k.p00 + r*r
	k0, k1 := k.p00/s, k.p01/s
	y := z - k.p
	k.p += k0 * y
	k.v += k1 * y
	k.p11 -= k1 * k.p01
	k.p01 -= k0 * k.p01
	k.p00 -= k0 * k.p00
}

// motion is a box's filter: centre x, centre y, width, height.
type motion [4]kf1

func (m *motion) init(b Box) {
	m[0].init(b.X+b.W/2, b.W)
	m[1].init(b.Y+b.H/2, b.H)
	m[2].init(b.W, b.W)
	m[3].init(b.H, b.H)
}

// predict moves the box dt seconds on; the noise scales with the box's
// size before the move.
func (m *motion) predict(dt float64) {
	w, h := m.w(), m.h()
	m[0].predict(dt, w)
	m[1].predict(dt, h)
	m[2].predict(dt, w)
	m[3].predict(dt, h)
}

// update corrects the filter with the detected box; the noise scales with
// the predicted size.
func (m *motion) update(b Box) {
	w, h := m.w(), m.h()
	m[0].update(b.X+b.W/2, w)
	m[1].update(b.Y+b.H/2, h)
	m[2].update(b.W, w)
	m[3].update(b.H, h)
}

// w and h are the filter's size, at least one pixel (a prediction may
// shrink a box through zero).
func (m *motion) w() float64 { return max(m[2].p, 1) }
func (m *motion) h() float64 { return max(m[3].p, 1) }

// box is the filter's box.
func (m *motion) box() Box {
	w, h := m.w(), m.h()
	return Box{X: m[0].p - w/2, Y: m[1].p - h/2, W: w, H: h}
}
