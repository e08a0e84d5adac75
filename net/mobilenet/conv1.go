package mobilenet

import "github.com/livecam/livecam/net/pwconv"

// stripRows is how many output rows of the first layer are unfolded
// (im2col) at a time: a strip stays in cache while the GEMM consumes it.
const stripRows = 4

// im2col writes, for output rows [oy0, oy1) of the first layer, one row of
// 3*3*InC input values per output pixel, in the [ky][kx][ci] order of the
// Keras kernel, with zeros for the padding. The first layer then is the
// matrix product of these rows with the 27×C kernel.
func im2col(dst, src []float32, l *Layer, oy0, oy1 int) {
	inC := l.InC
	k := 9 * inC
	for oy := oy0; oy < oy1; oy++ {
		out := dst[(oy-oy0)*l.OutW*k:][:l.OutW*k]
		lo, hi := 0, 0 // the output columns whose taps are all inside
		if iy := oy*l.Stride - l.PadTop; inC == 3 && iy >= 0 && iy+2 < l.InH {
			lo, hi = interiorCols(l)
			// The 3 taps of a kernel row are 9 contiguous inputs; the
			// input rows are sliced once for the row of outputs.
			w := 3 * l.InW
			r0, r1, r2 := src[iy*w:][:w], src[(iy+1)*w:][:w], src[(iy+2)*w:][:w]
			for ox := lo; ox < hi; ox++ {
				ix := 3 * (ox*l.Stride - l.PadLeft)
				// Through locals, which the compiler copies inline (a
				// copy between two slices calls memmove).
				a, b, c := *(*[9]float32)(r0[ix:]), *(*[9]float32)(r1[ix:]), *(*[9]float32)(r2[ix:])
				o := (*[27]float32)(out[27*ox:])
				*(*[9]float32)(o[0:]), *(*[9]float32)(o[9:]), *(*[9]float32)(o[18:]) = a, b, c
			}
		}
		for ox := 0; ox < l.OutW; ox++ {
			if ox == lo && hi > lo {
				ox = hi - 1
				continue
			}
			patch(out[ox*k:][:k], src, l, oy, ox)
		}
	}
}

// patch writes the 3×3×InC inputs of output pixel (oy, ox) of the first
// layer into row, zeros for the taps in the padding.
func patch(row, src []float32, l *Layer, oy, ox int) {
	inC := l.InC
	for ky := range 3 {
		iy := oy*l.Stride - l.PadTop + ky
		for kx := range 3 {
			ix := ox*l.Stride - l.PadLeft + kx
			tap := row[(ky*3+kx)*inC:][:inC]
			if iy < 0 || iy >= l.InH || ix < 0 || ix >= l.InW {
				clear(tap)
				continue
			}
			copy(tap, src[(iy*l.InW+ix)*inC:][:inC])
		}
	}
}

// conv3Patches computes output rows [oy0, oy1) of a first layer of 3×3
// over 3 channels with a kernel that reads the patches where they lie in
// the image (pwconv.Weights.ApplyPatches3): no im2col copy but for the
// pixels whose patch reaches into the padding, unfolded into strip. The
// bits are those of im2col and Apply.
func conv3Patches(dst, src, strip []float32, l *Layer, w *pwconv.Weights, oy0, oy1 int) {
	lo, hi := interiorCols(l)
	for oy := oy0; oy < oy1; oy++ {
		out := dst[oy*l.OutW*l.OutC:][:l.OutW*l.OutC]
		iy := oy*l.Stride - l.PadTop
		if iy < 0 || iy+2 >= l.InH || hi <= lo {
			im2col(strip, src, l, oy, oy+1)
			w.Apply(out, strip, 0, l.OutW, pwconv.ReLU6)
			continue
		}
		w.ApplyPatches3(out[lo*l.OutC:], src, 3*(iy*l.InW+lo*l.Stride-l.PadLeft), hi-lo, 3*l.Stride, 3*l.InW, pwconv.ReLU6)
		for _, edge := range [2][2]int{{0, lo}, {hi, l.OutW}} {
			for ox := edge[0]; ox < edge[1]; ox++ {
				patch(strip[(ox-edge[0])*27:][:27], src, l, oy, ox)
			}
			if edge[1] > edge[0] {
				w.Apply(out[edge[0]*l.OutC:], strip, 0, edge[1]-edge[0], pwconv.ReLU6)
			}
		}
	}
}

// interiorCols returns the output columns [lo, hi) whose three taps in x
// all lie inside the input.
func interiorCols(l *Layer) (lo, hi int) {
	lo = (l.PadLeft + l.Stride - 1) / l.Stride
	if l.InW+l.PadLeft < 3 {
		return lo, lo // no column (Go's division would round -1/2 up to 0)
	}
	hi = (l.InW-3+l.PadLeft)/l.Stride + 1
	return lo, min(max(hi, lo), l.OutW)
}

// averagePool writes the mean over all pixels of channels [c0, c1) of src
// (pixels rows of c channels) into dst.
func averagePool(dst, src []float32, pixels, c, c0, c1 int) {
	out := dst[c0:c1]
	clear(out)
	for p := range pixels {
		row := src[p*c+c0 : p*c+c1]
		for i, v := range row {
			out[i] += v
		}
	}
	inv := 1 / float32(pixels)
	for i := range out {
		out[i] *= inv
	}
}
