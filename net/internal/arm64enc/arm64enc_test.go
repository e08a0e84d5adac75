package arm64enc

import "testing"

// TestKnownEncodings checks against encodings an ARM assembler gives.
func TestKnownEncodings(t *testing.T) {
	for name, c := range map[string][2]uint32{
		"FMLA V16.4S, V0.4S, V2.S[0]": {FMLAElem(16, 0, 2, 0), 0x4f821010},
		"FMLA V16.4S, V0.4S, V2.S[1]": {FMLAElem(16, 0, 2, 1), 0x4fa21010},
		"FMLA V16.4S, V0.4S, V2.S[2]": {FMLAElem(16, 0, 2, 2), 0x4f821810},
		"FMAX V16.4S, V16.4S, V0.4S":  {FMAX(16, 16, 0), 0x4e20f610},
		"FMIN V16.4S, V16.4S, V1.4S":  {FMIN(16, 16, 1), 0x4ea1f610},
		"FADD V12.4S, V12.4S, V13.4S": {FADD(12, 12, 13), 0x4e2dd58c},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %#08x, want %#08x", name, c[0], c[1])
		}
	}
}
