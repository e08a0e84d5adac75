package net

// conv3x3 computes output rows [oy0, oy1) of the first layer: a standard
// 3x3 convolution on a 3-channel NHWC input with SAME padding, bias and
// ReLU6. w is laid out [ky][kx][ci][co] (Keras' kernel), acc is scratch of
// at least OutC values.
func conv3x3(dst, src, w, bias []float32, l *Layer, oy0, oy1 int) {
	C, inC := l.OutC, l.InC
	for oy := oy0; oy < oy1; oy++ {
		for ox := range l.OutW {
			out := dst[(oy*l.OutW+ox)*C:][:C]
			copy(out, bias)
			for ky := range 3 {
				iy := oy*l.Stride - l.PadTop + ky
				if iy < 0 || iy >= l.InH {
					continue
				}
				for kx := range 3 {
					ix := ox*l.Stride - l.PadLeft + kx
					if ix < 0 || ix >= l.InW {
						continue
					}
					in := src[(iy*l.InW+ix)*inC:][:inC]
					for ci, x := range in {
						wk := w[((ky*3+kx)*inC+ci)*C:][:C]
						for c := range out {
							out[c] += x * wk[c]
						}
					}
				}
			}
			for c, v := range out {
				out[c] = min(max(v, 0), 6)
			}
		}
	}
}

// averagePool writes the mean over all pixels of each channel of src
// (h*w pixels of c channels) into dst.
func averagePool(dst, src []float32, pixels, c int) {
	dst = dst[:c]
	clear(dst)
	for p := range pixels {
		row := src[p*c:][:c]
		for i, v := range row {
			dst[i] += v
		}
	}
	inv := 1 / float32(pixels)
	for i := range dst {
		dst[i] *= inv
	}
}
