package pwconv

// applyGeneric is the portable kernel: 4 rows × 4 columns of accumulators
// per step, walking each 16-wide panel in four column slices.
func applyGeneric(w *Weights, dst, src []float32, m0, m1, p0, p1 int, relu6 bool) {
	K, N := w.K, w.N
	// Row blocks of rowBlock pixels stay in cache while every panel
	// passes over them.
	const rowBlock = 32
	nr := w.nr
	for r0 := m0; r0 < m1; r0 += rowBlock {
		r1 := min(r0+rowBlock, m1)
		for p := p0; p < p1; p++ {
			panel := w.panels[p*K*nr : (p+1)*K*nr]
			for j := 0; j < nr && p*nr+j < N; j += 4 {
				col := p*nr + j
				i := r0
				for ; i+4 <= r1; i += 4 {
					kernel4x4(dst[i*N:], src[i*K:(i+4)*K], panel[j:], w.bias[col:col+4], K, N, nr, col, relu6)
				}
				for ; i < r1; i++ {
					kernel1x4(dst[i*N:], src[i*K:(i+1)*K], panel[j:], w.bias[col:col+4], K, N, nr, col, relu6)
				}
			}
		}
	}
}

func kernel4x4(dst, a, b, bias []float32, K, N, nr, col int, relu6 bool) {
	a0, a1, a2, a3 := a[:K], a[K:2*K], a[2*K:3*K], a[3*K:4*K]
	c00, c01, c02, c03 := bias[0], bias[1], bias[2], bias[3]
	c10, c11, c12, c13 := c00, c01, c02, c03
	c20, c21, c22, c23 := c00, c01, c02, c03
	c30, c31, c32, c33 := c00, c01, c02, c03
	for k := range K {
		bk := b[k*nr : k*nr+4]
		b0, b1, b2, b3 := bk[0], bk[1], bk[2], bk[3]
		x := a0[k]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		x = a1[k]
		c10 += x * b0
		c11 += x * b1
		c12 += x * b2
		c13 += x * b3
		x = a2[k]
		c20 += x * b0
		c21 += x * b1
		c22 += x * b2
		c23 += x * b3
		x = a3[k]
		c30 += x * b0
		c31 += x * b1
		c32 += x * b2
		c33 += x * b3
	}
	store4(dst[0:], col, N, relu6, c00, c01, c02, c03)
	store4(dst[N:], col, N, relu6, c10, c11, c12, c13)
	store4(dst[2*N:], col, N, relu6, c20, c21, c22, c23)
	store4(dst[3*N:], col, N, relu6, c30, c31, c32, c33)
}

func kernel1x4(dst, a, b, bias []float32, K, N, nr, col int, relu6 bool) {
	c0, c1, c2, c3 := bias[0], bias[1], bias[2], bias[3]
	for k := range K {
		bk := b[k*nr : k*nr+4]
		x := a[k]
		c0 += x * bk[0]
		c1 += x * bk[1]
		c2 += x * bk[2]
		c3 += x * bk[3]
	}
	store4(dst, col, N, relu6, c0, c1, c2, c3)
}

// store4 writes up to four outputs starting at column col of a row,
// skipping the zero-padded columns past N.
func store4(row []float32, col, N int, relu6 bool, v0, v1, v2, v3 float32) {
	v := [4]float32{v0, v1, v2, v3}
	for q := 0; q < 4 && col+q < N; q++ {
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
