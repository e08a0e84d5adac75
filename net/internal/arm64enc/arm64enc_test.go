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
		// From GNU as 2.40 (aarch64-linux-gnu-as, .arch armv8.2-a+dotprod).
		"UDOT V3.4S, V17.16B, V20.4B[3]": {UDOTElem(3, 17, 20, 3), 0x6fb4ea23},
		"UDOT V0.4S, V1.16B, V2.4B[0]":   {UDOTElem(0, 1, 2, 0), 0x6f82e020},
		"UDOT V5.4S, V6.16B, V7.16B":     {UDOT(5, 6, 7), 0x6e8794c5},
		"UMLAL V1.4S, V2.4H, V3.H[5]":    {UMLALElem(1, 2, 3, 5, false), 0x2f532841},
		"UMLAL2 V9.4S, V10.8H, V15.H[7]": {UMLALElem(9, 10, 15, 7, true), 0x6f7f2949},
		"UMLAL V1.4S, V2.4H, V3.H[2]":    {UMLALElem(1, 2, 3, 2, false), 0x2f632041},
		"SQRDMULH V1.4S, V2.4S, V3.4S":   {SQRDMULH(1, 2, 3), 0x6ea3b441},
		"SSHR V4.4S, V5.4S, #31":         {SSHR31(4, 5), 0x4f2104a4},
		"SQADD V1.4S, V2.4S, V3.4S":      {SQADD(1, 2, 3), 0x4ea30c41},
		"SRSHL V1.4S, V2.4S, V3.4S":      {SRSHL(1, 2, 3), 0x4ea35441},
		"SSHL V1.4S, V2.4S, V3.4S":       {SSHL(1, 2, 3), 0x4ea34441},
		"SMAX V1.4S, V2.4S, V3.4S":       {SMAX(1, 2, 3), 0x4ea36441},
		"SMIN V1.4S, V2.4S, V3.4S":       {SMIN(1, 2, 3), 0x4ea36c41},
		"SQXTN V1.4H, V2.4S":             {SQXTN(1, 2, false), 0x0e614841},
		"SQXTN2 V1.8H, V2.4S":            {SQXTN(1, 2, true), 0x4e614841},
		"SQXTUN V1.8B, V2.8H":            {SQXTUN(1, 2, false), 0x2e212841},
		"SQXTUN2 V1.16B, V2.8H":          {SQXTUN(1, 2, true), 0x6e212841},
		"UADALP V1.8H, V2.16B":           {UADALP(1, 2), 0x6e206841},
		"UADDLV S1, V2.8H":               {UADDLV(1, 2), 0x6e703841},
		"MUL V1.4S, V2.4S, V19.S[3]":     {MULElem(1, 2, 19, 3), 0x4fb38841},
		"MLA V1.4S, V2.4S, V3.4S":        {MLA(1, 2, 3), 0x4ea39441},
		"SMLAL V1.4S, V2.4H, V3.4H":      {SMLAL(1, 2, 3, false), 0x0e638041},
		"SMLAL2 V4.4S, V5.8H, V6.8H":     {SMLAL(4, 5, 6, true), 0x4e6680a4},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %#08x, want %#08x", name, c[0], c[1])
		}
	}
}
