package pwconv

import (
	"fmt"

	"github.com/livecam/livecam/net/internal/kernelenv"
	"github.com/livecam/livecam/net/quant"
)

// u8Kernel is one implementation of the uint8 product: the portable Go
// kernel or a SIMD one. The u8Kernel a U8Weights was packed for runs it.
type u8Kernel struct {
	name    string
	vnni    bool
	avxvnni bool
	avx2    bool
	amx     bool // with vnni: the AMX blocks on the VNNI kernel's panels
	arm     int  // armDot or armNEON for the arm64 kernels
}

// The arm64 kernel families.
const (
	armDot  = 1
	armNEON = 2
)

// u8GenericKernel is the portable Go kernel of the uint8 product, on
// every path.
var u8GenericKernel = &u8Kernel{name: "generic"}

// u8Kernels lists the uint8 kernels of this build, whatever the CPU:
// kernelenv's paths say which one runs.
var u8Kernels = append(u8SIMDKernels(), u8GenericKernel)

func u8KernelName(k *u8Kernel) string { return k.name }

// u8KernelFor returns the uint8 kernel of path p.
func u8KernelFor(p kernelenv.Path) *u8Kernel {
	return kernelenv.Pick(u8Kernels, u8KernelName, p, kernelenv.U8Pointwise)
}

// U8Weights is a uint8 pointwise layer ready to run, TFLite's arithmetic:
// dst = requant(Σ (x − xZero)·(w − wZero) + bias) with int32 accumulation.
// It is immutable after PackU8 and safe for concurrent use.
type U8Weights struct {
	kern *u8Kernel
	k, n int
	// wc holds w − wZero, [n][k], for the portable kernel.
	wc []int32
	// bias is the layer's bias with −xZero·Σ(w − wZero) folded in, so
	// kernels accumulate Σ x·(w − wZero) on raw input bytes.
	bias []int32
	rq   quant.Requant

	// For the VNNI kernel: panels of 64 columns; in each, for every group
	// of 4 inputs, 16-lane vectors of 4 int8 weights (w − 128) per lane;
	// the bias padded to whole panels; c = 128 − wZero, the factor of
	// each pixel's byte sum that turns Σ x·(w − 128) into Σ x·(w − wZero).
	packed []int8
	pbias  []int32
	kp     int // k rounded up to a multiple of 4
	c      int32
	vrq    quant.SIMD
	// kstep is the AMX kernel's inputs a step (amxKStep).
	kstep int

	// For the arm64 kernels: panels of 8 columns of raw bytes (dot
	// product: per 4 inputs, 2 vectors of 4 columns × 4 bytes) or of
	// 16-bit values (ARMv8.0: per input, 8 columns); c is then −wZero.
	packed8    []uint8
	panelBytes int

	// For the AVX-VNNI kernel: packed, pbias, kp and c as above, but
	// panels of 16 columns of two 8-lane vectors (packAVXVNNI), and v8.

	// For the AVX2 kernel: panels of 16 columns; per 4 inputs, four
	// vectors of 8 columns × a pair of int16 weights w − wZero.
	packed16 []int16
	v8       *quant.SIMD256
}

// PackU8 prepares a uint8 layer of n outputs over k inputs: w holds the
// weights [n][k] (TFLite's OHWI order), quantized with zero point wZero;
// bias holds n int32 values (zero point 0); the input's zero point is
// xZero; rq turns each accumulator into its output byte. It packs them
// for the uint8 pointwise kernel of the kernel path ($LIVECAM_KERNELS or
// the fastest this CPU runs; a value naming no path this CPU runs is an
// error). A SIMD kernel needs k to be a multiple of 4; for other layers
// the portable kernel runs instead.
func PackU8(w []uint8, wZero int32, bias []int32, xZero int32, k, n int, rq quant.Requant) (*U8Weights, error) {
	p, err := kernelenv.Current()
	if err != nil {
		return nil, err
	}
	kern := u8KernelFor(p)
	if testU8Kernel != nil {
		kern = testU8Kernel
	}
	return packU8(kern, w, wZero, bias, xZero, k, n, rq)
}

// testU8Kernel, when set (only by tests, before any model is built), is
// the kernel PackU8 packs for whatever the path says: how the AMX kernel's
// Go model runs whole networks on CPUs without AMX (UseAMXModel).
var testU8Kernel *u8Kernel

// maxAVX2K is the largest k of the AVX2 kernel, whose input rows are
// widened to int16 in a 48 KiB scratch (at least 6 rows of 4096); wider
// layers run the portable kernel (MobileNet's widest is 1024).
const maxAVX2K = 4096

// packU8 is PackU8 for kernel kern.
func packU8(kern *u8Kernel, w []uint8, wZero int32, bias []int32, xZero int32, k, n int, rq quant.Requant) (*U8Weights, error) {
	switch {
	case k < 1 || n < 1:
		return nil, fmt.Errorf("pwconv: bad shape k=%d n=%d", k, n)
	case len(w) != k*n:
		return nil, fmt.Errorf("pwconv: %d weights for %d×%d", len(w), n, k)
	case len(bias) != n:
		return nil, fmt.Errorf("pwconv: %d biases for %d outputs", len(bias), n)
	case wZero < 0 || wZero > 255 || xZero < 0 || xZero > 255:
		return nil, fmt.Errorf("pwconv: zero points %d, %d out of the uint8 range", wZero, xZero)
	}
	if ((kern.vnni || kern.avxvnni || kern.avx2) && k%4 != 0) || (kern.avx2 && k > maxAVX2K) || (kern.arm != 0 && (k%4 != 0 || k > 2048)) {
		kern = u8GenericKernel
	}
	if kern.amx && amxKStep(k) < amxMinStep {
		kern = u8AMXFallback
	}
	p := &U8Weights{kern: kern, k: k, n: n, wc: make([]int32, k*n), bias: make([]int32, n), rq: rq}
	for j := range n {
		sum := int64(0)
		for i := range k {
			v := int32(w[j*k+i]) - wZero
			p.wc[j*k+i] = v
			sum += int64(v)
		}
		b := int64(bias[j]) - int64(xZero)*sum
		if b != int64(int32(b)) {
			return nil, fmt.Errorf("pwconv: bias %d of output %d overflows int32 once the zero points are folded in", bias[j], j)
		}
		p.bias[j] = int32(b)
	}
	if kern.vnni {
		p.packVNNI(w, wZero)
	}
	if kern.arm != 0 {
		p.packARM(w, wZero)
	}
	if kern.avx2 {
		p.packAVX2()
	}
	if kern.avxvnni {
		p.packAVXVNNI(w, wZero)
	}
	return p, nil
}

// packVNNI lays the weights out for the VNNI tiles.
func (p *U8Weights) packVNNI(w []uint8, wZero int32) {
	panels := (p.n + 63) / 64
	p.kp = (p.k + 3) &^ 3
	p.c = 128 - wZero
	p.packed = make([]int8, panels*p.kp*64)
	p.pbias = make([]int32, panels*64)
	copy(p.pbias, p.bias)
	for pn := range panels {
		nz, _ := p.panelShape(pn)
		base := pn * p.kp * 64
		for g := range p.kp / 4 {
			for z := range nz {
				for lane := range 16 {
					j := pn*64 + z*16 + lane
					for b := range 4 {
						i := g*4 + b
						if j < p.n && i < p.k {
							p.packed[base+(g*nz+z)*64+lane*4+b] = int8(int32(w[j*p.k+i]) - 128)
						}
					}
				}
			}
		}
	}
	p.vrq = p.rq.SIMD()
	if p.kern.amx {
		p.kstep = amxKStep(p.kp)
	}
}

// amxMinStep is the shortest AMX step worth a tile configuration: a
// layer whose inputs divide into no multiple of 4 from 24 to 64 (k of 8,
// 16, 68, 148) would use at most a quarter of each TDPBUSD's 64-byte
// depth, and runs the AVX-512 VNNI kernel on the same panels instead. A
// guess until measured on AMX hardware; it keeps the first convolution's
// 28-byte patches and MobileNet 0.75's 24-input layer on the tiles.
const amxMinStep = 24

// amxKStep returns the inputs of an AMX step for a layer of kp inputs (a
// multiple of 4): the largest multiple of 4 up to 64 that divides kp, so
// that every step is whole (96 inputs: two steps of 48).
func amxKStep(kp int) int {
	for s := 64; s > 4; s -= 4 {
		if kp%s == 0 {
			return s
		}
	}
	return 4
}

// packARM lays the weights out for the arm64 tiles.
func (p *U8Weights) packARM(w []uint8, wZero int32) {
	panels := (p.n + 7) / 8
	p.c = -wZero
	p.pbias = make([]int32, panels*8)
	copy(p.pbias, p.bias)
	p.panelBytes = p.k * 8
	if p.kern.arm == armNEON {
		p.panelBytes = p.k * 16
	}
	p.packed8 = make([]uint8, panels*p.panelBytes)
	for pn := range panels {
		base := pn * p.panelBytes
		for i := range p.k {
			for col := range 8 {
				j := pn*8 + col
				if j >= p.n {
					continue
				}
				v := w[j*p.k+i]
				if p.kern.arm == armNEON {
					p.packed8[base+i*16+2*col] = v // little-endian uint16
				} else {
					g, lane := i/4, i%4
					p.packed8[base+g*32+col*4+lane] = v
				}
			}
		}
	}
	p.vrq = p.rq.SIMD()
}

// packAVX2 lays the weights out for the AVX2 tiles: for panel pn, group
// of 4 inputs g, half h (pair k, k+1 or k+2, k+3) and block of 8 columns
// v, the vector at ((pn·k/4 + g)·4 + 2h + v)·16 holds, for each column,
// the int16 pair (w[k] − wZero, w[k+1] − wZero).
func (p *U8Weights) packAVX2() {
	panels := (p.n + 15) / 16
	p.packed16 = make([]int16, panels*p.k*16)
	p.pbias = make([]int32, panels*16)
	copy(p.pbias, p.bias)
	for pn := range panels {
		for g := range p.k / 4 {
			for h := range 2 {
				for v := range 2 {
					base := ((pn*(p.k/4)+g)*4 + 2*h + v) * 16
					for col := range 8 {
						j := pn*16 + v*8 + col
						if j >= p.n {
							continue
						}
						i := 4*g + 2*h
						p.packed16[base+2*col] = int16(p.wc[j*p.k+i])
						p.packed16[base+2*col+1] = int16(p.wc[j*p.k+i+1])
					}
				}
			}
		}
	}
	p.v8 = p.rq.SIMD256()
}

// packAVXVNNI lays the weights out for the AVX-VNNI tiles: panels of 16
// columns; in each, for every group g of 4 inputs, two vectors of 8
// columns, lane j holding the 4 int8 weights w − 128 of column
// pn·16 + 8·z + j at ((pn·kp/4 + g)·2 + z)·32 + 4·j; columns past n are 0.
// c = 128 − wZero, as for the AVX-512 VNNI kernel.
func (p *U8Weights) packAVXVNNI(w []uint8, wZero int32) {
	panels := (p.n + 15) / 16
	p.kp = p.k // a multiple of 4 (packU8)
	p.c = 128 - wZero
	p.packed = make([]int8, panels*p.kp*16)
	p.pbias = make([]int32, panels*16)
	copy(p.pbias, p.bias)
	for pn := range panels {
		for g := range p.kp / 4 {
			for z := range 2 {
				base := ((pn*p.kp/4+g)*2 + z) * 32
				for lane := range 8 {
					j := pn*16 + z*8 + lane
					if j >= p.n {
						continue
					}
					for b := range 4 {
						p.packed[base+lane*4+b] = int8(int32(w[j*p.k+g*4+b]) - 128)
					}
				}
			}
		}
	}
	p.v8 = p.rq.SIMD256()
}

// panelShape returns the number of 16-column groups of panel pn and the
// lanes of its last group that hold real columns.
func (p *U8Weights) panelShape(pn int) (nz int, mask uint16) {
	cols := min(64, p.n-pn*64)
	nz = (cols + 15) / 16
	last := cols - (nz-1)*16
	return nz, uint16(1<<last - 1)
}

// K returns the number of inputs per output.
func (w *U8Weights) K() int { return w.k }

// N returns the number of outputs.
func (w *U8Weights) N() int { return w.n }

// Apply computes rows pixels: src holds rows×K input bytes, dst receives
// rows×N output bytes. It allocates nothing.
func (w *U8Weights) Apply(dst, src []uint8, rows int) {
	w.ApplyCols(dst, src, rows, 0, w.n)
}

// ApplyCols computes outputs lo..hi−1 of rows pixels (dst keeps its row
// stride of N), so that callers can split a wide layer by columns; lo and
// hi must be multiples of 64 (or hi = N).
func (w *U8Weights) ApplyCols(dst, src []uint8, rows, lo, hi int) {
	if rows == 0 || lo >= hi {
		return
	}
	k, n := w.k, w.n
	if lo < 0 || hi > n {
		panic(fmt.Sprintf("pwconv: ApplyCols: columns [%d, %d) of %d", lo, hi, n))
	}
	// Length checks, not a bounds-check hint such as _ = dst[rows*n-1]:
	// callers split the columns of one row between goroutines, and the
	// hint would read a byte another goroutine writes.
	if len(src) < rows*k || len(dst) < rows*n {
		panic(fmt.Sprintf("pwconv: ApplyCols: %d input and %d output bytes for %d rows of %d×%d", len(src), len(dst), rows, k, n))
	}
	if w.kern.vnni {
		if lo%64 != 0 || (hi%64 != 0 && hi != n) {
			panic("pwconv: ApplyCols: column range not on 64-column panels")
		}
		if w.kern.amx {
			w.applyAMX(dst, src, rows, lo/64, (hi+63)/64)
			return
		}
		w.applyVNNI(dst, src, rows, lo/64, (hi+63)/64)
		return
	}
	if w.kern.avxvnni {
		if lo%16 != 0 || (hi%16 != 0 && hi != n) {
			panic("pwconv: ApplyCols: column range not on 16-column panels")
		}
		w.applyAVXVNNI(dst, src, rows, lo/16, (hi+15)/16)
		return
	}
	if w.kern.avx2 {
		if lo%16 != 0 || (hi%16 != 0 && hi != n) {
			panic("pwconv: ApplyCols: column range not on 16-column panels")
		}
		w.applyAVX2(dst, src, rows, lo/16, (hi+15)/16)
		return
	}
	if w.kern.arm != 0 {
		if lo%8 != 0 || (hi%8 != 0 && hi != n) {
			panic("pwconv: ApplyCols: column range not on 8-column panels")
		}
		w.applyARM(dst, src, rows, lo/8, (hi+7)/8)
		return
	}
	for p := range rows {
		x := src[p*k : p*k+k]
		out := dst[p*n : p*n+n]
		for j := lo; j < hi; j++ {
			wj := w.wc[j*k : j*k+k]
			acc := w.bias[j]
			for i, v := range x {
				acc += int32(v) * wj[i]
			}
			out[j] = w.rq.Apply(acc)
		}
	}
}
