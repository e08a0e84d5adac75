package ssd

import (
	"math/rand/v2"
	"testing"
)

// TestMaxBytes checks every pair of byte values in every lane, with the
// other lanes holding values that would borrow into it if borrows crossed.
func TestMaxBytes(t *testing.T) {
	for lane := range 8 {
		sh := uint(lane * 8)
		for a := range 256 {
			for b := range 256 {
				// Neighbours: 0x00 in a and 0xff in b below and above the lane.
				x := uint64(a)<<sh | 0x00
				y := uint64(b)<<sh | 0xffffffffffffffff&^(0xff<<sh)
				got := maxBytes(x, y) >> sh & 0xff
				if want := uint64(max(a, b)); got != want {
					t.Fatalf("lane %d: max(%d, %d) = %d", lane, a, b, got)
				}
				if got := maxBytes(y, x) >> sh & 0xff; got != uint64(max(a, b)) {
					t.Fatalf("lane %d: max(%d, %d) = %d (swapped)", lane, b, a, got)
				}
			}
		}
	}
}

// TestRowMax compares rowMax with a byte loop on random rows of every
// length up to 100, with values from sparse to dense.
func TestRowMax(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		row := make([]uint8, 1+i%100)
		top := 1 + r.IntN(256)
		for j := range row {
			row[j] = uint8(r.IntN(top))
		}
		want := row[0]
		for _, v := range row {
			want = max(want, v)
		}
		if got := rowMax(row); got != want {
			t.Fatalf("rowMax(%v) = %d, want %d", row, got, want)
		}
	}
}
