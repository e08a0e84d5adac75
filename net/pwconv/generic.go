package pwconv

// applyGeneric is the portable kernel. Its panels are 4 columns wide, so
// that a row of a panel is four adjacent values; it computes 2 rows × 4
// columns per step, which keeps the 8 accumulators, 2 inputs and 4
// weights in registers (the Go compiler spills a 4×4 tile's on amd64)
// and lets the compiler drop the bounds checks from the inner loop.
func applyGeneric(w *Weights, dst, src []float32, m0, m1, p0, p1 int, relu6 bool) {
	K, N := w.K, w.N
	// Row blocks of rowBlock pixels stay in cache while every panel
	// passes over them.
	const rowBlock = 32
	for r0 := m0; r0 < m1; r0 += rowBlock {
		r1 := min(r0+rowBlock, m1)
		for p := p0; p < p1; p++ {
			panel := w.panels[p*K*genericNR : (p+1)*K*genericNR]
			bias := (*[genericNR]float32)(w.bias[p*genericNR:])
			col := p * genericNR
			i := r0
			for ; i+2 <= r1; i += 2 {
				c0, c1 := kernel2x4(src[i*K:(i+1)*K], src[(i+1)*K:(i+2)*K], panel, bias)
				store4(dst[i*N:(i+1)*N], col, relu6, &c0)
				store4(dst[(i+1)*N:(i+2)*N], col, relu6, &c1)
			}
			if i < r1 {
				c := kernel1x4(src[i*K:(i+1)*K], panel, bias)
				store4(dst[i*N:(i+1)*N], col, relu6, &c)
			}
		}
	}
}

// genericNR is the generic kernel's panel width.
const genericNR = 4

// kernel2x4 returns bias + a0·B and bias + a1·B for a K×4 panel B.
func kernel2x4(a0, a1, b []float32, bias *[4]float32) (r0, r1 [4]float32) {
	c00, c01, c02, c03 := bias[0], bias[1], bias[2], bias[3]
	c10, c11, c12, c13 := c00, c01, c02, c03
	a1 = a1[:len(a0)]
	b = b[:4*len(a0)]
	for k, x0 := range a0 {
		x1 := a1[k]
		bk := (*[4]float32)(b[4*k:])
		b0, b1, b2, b3 := bk[0], bk[1], bk[2], bk[3]
		c00 += x0 * b0
		c01 += x0 * b1
		c02 += x0 * b2
		c03 += x0 * b3
		c10 += x1 * b0
		c11 += x1 * b1
		c12 += x1 * b2
		c13 += x1 * b3
	}
	return [4]float32{c00, c01, c02, c03}, [4]float32{c10, c11, c12, c13}
}

// kernel1x4 returns bias + a·B for a K×4 panel B.
func kernel1x4(a, b []float32, bias *[4]float32) [4]float32 {
	c0, c1, c2, c3 := bias[0], bias[1], bias[2], bias[3]
	b = b[:4*len(a)]
	for k, x := range a {
		bk := (*[4]float32)(b[4*k:])
		c0 += x * bk[0]
		c1 += x * bk[1]
		c2 += x * bk[2]
		c3 += x * bk[3]
	}
	return [4]float32{c0, c1, c2, c3}
}

// store4 writes up to four outputs starting at column col of a row of
// len(row) columns, skipping the zero-padded columns past its end.
func store4(row []float32, col int, relu6 bool, v *[4]float32) {
	for q := 0; q < 4 && col+q < len(row); q++ {
		x := v[q]
		if relu6 {
			x = Clamp6(x)
		}
		row[col+q] = x
	}
}

// Clamp6 returns x clamped to [0, 6] (ReLU6). NaN stays NaN.
func Clamp6(x float32) float32 {
	if x < 0 {
		return 0
	}
	if x > 6 {
		return 6
	}
	return x
}
