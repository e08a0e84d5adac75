package ssd

import "encoding/binary"

// rowMax returns the largest byte of row (len(row) >= 1), eight bytes at a
// time in a uint64 (SWAR): about twice as fast as a byte loop over a
// 90-class score row, and the scan of every anchor's row is most of Run.
func rowMax(row []uint8) uint8 {
	var m, m1 uint64 // two chains, for the CPU to overlap
	i := 0
	for ; i+16 <= len(row); i += 16 {
		m = maxBytes(m, binary.LittleEndian.Uint64(row[i:]))
		m1 = maxBytes(m1, binary.LittleEndian.Uint64(row[i+8:]))
	}
	if i+8 <= len(row) {
		m = maxBytes(m, binary.LittleEndian.Uint64(row[i:]))
		i += 8
	}
	m = maxBytes(m, m1)
	m = maxBytes(m, m>>32)
	m = maxBytes(m, m>>16)
	m = maxBytes(m, m>>8)
	r := uint8(m)
	for _, v := range row[i:] {
		r = max(r, v)
	}
	return r
}

// maxBytes returns the unsigned maximum of each of the eight byte lanes of
// a and b. d is a−b in every lane without borrows crossing lanes, the
// lane's borrow out (a < b) is its top bit of (^a & b) | (^(a^b) & d), and
// the lanes where a < b take b.
func maxBytes(a, b uint64) uint64 {
	const hi = 0x8080808080808080
	d := ((a | hi) - (b &^ hi)) ^ ((a ^ ^b) & hi)
	borrow := ((^a & b) | (^(a ^ b) & d)) & hi
	mask := (borrow >> 7) * 0xFF
	return a ^ ((a ^ b) & mask)
}
