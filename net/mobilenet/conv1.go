package mobilenet

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
		for ox := range l.OutW {
			row := dst[((oy-oy0)*l.OutW+ox)*k:][:k]
			if inC == 3 && interior(l, oy, ox) {
				// The 3 taps of a kernel row are 9 contiguous inputs.
				ix := ox*l.Stride - l.PadLeft
				for ky := range 3 {
					iy := oy*l.Stride - l.PadTop + ky
					*(*[9]float32)(row[9*ky:]) = *(*[9]float32)(src[(iy*l.InW+ix)*3:])
				}
				continue
			}
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
	}
}

// interior reports whether every tap of output pixel (oy, ox) lies inside
// the input.
func interior(l *Layer, oy, ox int) bool {
	iy, ix := oy*l.Stride-l.PadTop, ox*l.Stride-l.PadLeft
	return iy >= 0 && ix >= 0 && iy+2 < l.InH && ix+2 < l.InW
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
