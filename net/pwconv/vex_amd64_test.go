//go:build amd64 && !purego

package pwconv

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAVXVNNIIsVEX: the AVX-VNNI and AVX2 kernels use no instruction a
// core without AVX-512 lacks: every VPDPBUSD is VEX-encoded (its bytes
// start with C4, map 0F38, opcode 50, 256 bits, prefix 66), and no line
// names a ZMM register, a mask register, Y16-Y31, an embedded broadcast
// or an EVEX-only mnemonic. (Go's assembler would emit EVEX for the
// VPDPBUSD mnemonic, which faults on an N100.)
func TestAVXVNNIIsVEX(t *testing.T) {
	src, err := os.ReadFile("u8_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	evex := regexp.MustCompile(`\bZ\d|\bK\d|\b[XY](1[6-9]|2\d|3[01])\b|\.BCST|\.Z\b|VPDPBUSD [ZYX]|VMOVDQU(8|16|32|64)|VPMOV[DQ][BW]|VPXOR[DQ]|KMOV`)
	vex := regexp.MustCompile(`^BYTE \$0xc4; BYTE \$0x([0-9a-f]{2}); BYTE \$0x([0-9a-f]{2}); BYTE \$0x50; BYTE \$0x[0-9a-f]{2} // VPDPBUSD`)
	in, kernels, dots := false, 0, 0
	for _, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "TEXT ") {
			in = strings.Contains(l, "AVXVNNI") || strings.Contains(l, "AVX2")
			if in {
				kernels++
			}
			continue
		}
		if !in {
			continue
		}
		code, _, _ := strings.Cut(l, "//")
		if evex.MatchString(code) {
			t.Errorf("AVX-VNNI or AVX2 kernel line %q needs AVX-512", l)
		}
		if strings.Contains(l, "VPDPBUSD") {
			m := vex.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("VPDPBUSD not written as VEX bytes: %q", l)
				continue
			}
			b1, _ := strconv.ParseUint(m[1], 16, 8)
			b2, _ := strconv.ParseUint(m[2], 16, 8)
			if b1&0x1f != 0x02 || b2&0x87 != 0x05 {
				t.Errorf("VPDPBUSD %q: map %#x, W/L/pp %#x; want 0F38, W0 L1 66", l, b1&0x1f, b2&0x87)
			}
			dots++
		}
	}
	// 6 AVX-VNNI tiles, 6 AVX2 ones, 6 AVX2 8-column ones, rowSumsAVX2
	// and widenAVX2.
	if kernels != 20 || dots != 2*(1+2+3+4+5+6) {
		t.Errorf("%d AVX-VNNI and AVX2 functions with %d VPDPBUSD; want 20 and %d", kernels, dots, 2*21)
	}
}
