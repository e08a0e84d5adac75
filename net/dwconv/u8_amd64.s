//go:build amd64 && !purego

#include "textflag.h"

// Offsets in quant.SIMD.
#define RQ_MULT 0
#define RQ_ROUND 8
#define RQ_NUDGE 16
#define RQ_SIGNMASK 20
#define RQ_ZP 24
#define RQ_MIN 28
#define RQ_MAX 32
#define RQ_LEFT 40
#define RQ_RIGHT 48

// func rowU8AVX512(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD, c, n, step int, mask uint16)
//
// Computes n output pixels of a 3x3 depthwise layer whose input has no
// zero point: for each channel j < c,
//
//	acc = bias[j] + Σ_ky Σ_kx in_ky[kx·c + j]·w(j, ky·3+kx)
//
// requantized as TFLite does (see net/pwconv/gen_u8_amd64.go); then the
// input rows advance by step bytes and dst by c bytes. w holds int32
// weights by groups of 16 channels: group g, tap t at w[(g·9+t)·16 ...].
// mask selects the lanes of the last group of 16 channels.
//
// The products are VPMADDWD, not VPMULLD (one µop instead of two, half
// the latency), and exact: each dword of input holds x in [0, 255] in its
// low word and 0 in its high one (VPMOVZXBD), each weight w − wZero in
// [−255, 255] sign-extended, so the pair sum is x·(w − wZero) + 0·(0 or
// −1). TestU8Extremes fails if the input were sign-extended instead.
TEXT ·rowU8AVX512(SB), NOSPLIT, $0-82
	MOVQ dst+0(FP), DI
	MOVQ in0+8(FP), R8
	MOVQ in1+16(FP), R9
	MOVQ in2+24(FP), R10
	MOVQ w+32(FP), BX
	MOVQ bias+40(FP), DX
	MOVQ rq+48(FP), AX
	MOVQ c+56(FP), R11
	MOVQ n+64(FP), R12
	MOVQ step+72(FP), R13
	MOVL $0xaaaa, CX
	KMOVW CX, K1
	MOVWLZX mask+80(FP), CX
	KMOVW CX, K4
	MOVL $0xffff, CX
	KMOVW CX, K5
	VMOVQ RQ_RIGHT(AX), X30
	VMOVQ RQ_LEFT(AX), X31
	TESTQ R12, R12
	JZ done

pixel:
	XORQ SI, SI  // channel offset
	MOVQ BX, R15 // weights of this channel group

group:
	KMOVW K5, K3
	MOVQ R11, CX
	SUBQ SI, CX
	CMPQ CX, $16
	JGE full
	KMOVW K4, K3
full:
	VMOVDQU32.Z (DX)(SI*4), K3, Z0
	LEAQ (R8)(SI*1), CX
	VPMOVZXBD.Z (CX), K3, Z1
	VPMOVZXBD.Z (CX)(R11*1), K3, Z2
	VPMOVZXBD.Z (CX)(R11*2), K3, Z3
	VPMADDWD 0(R15), Z1, Z1
	VPMADDWD 64(R15), Z2, Z2
	VPMADDWD 128(R15), Z3, Z3
	VPADDD Z1, Z0, Z0
	VPADDD Z2, Z3, Z3
	LEAQ (R9)(SI*1), CX
	VPMOVZXBD.Z (CX), K3, Z4
	VPMOVZXBD.Z (CX)(R11*1), K3, Z5
	VPMOVZXBD.Z (CX)(R11*2), K3, Z6
	VPMADDWD 192(R15), Z4, Z4
	VPMADDWD 256(R15), Z5, Z5
	VPMADDWD 320(R15), Z6, Z6
	VPADDD Z4, Z0, Z0
	VPADDD Z5, Z3, Z3
	VPADDD Z6, Z0, Z0
	LEAQ (R10)(SI*1), CX
	VPMOVZXBD.Z (CX), K3, Z1
	VPMOVZXBD.Z (CX)(R11*1), K3, Z2
	VPMOVZXBD.Z (CX)(R11*2), K3, Z4
	VPMADDWD 384(R15), Z1, Z1
	VPMADDWD 448(R15), Z2, Z2
	VPMADDWD 512(R15), Z4, Z4
	VPADDD Z1, Z0, Z0
	VPADDD Z2, Z3, Z3
	VPADDD Z4, Z0, Z0
	VPADDD Z3, Z0, Z0

	// Requantize Z0.
	VPSLLD X31, Z0, Z0
	VPSRLQ $32, Z0, Z25
	VPMULDQ.BCST RQ_MULT(AX), Z0, Z24
	VPMULDQ.BCST RQ_MULT(AX), Z25, Z25
	VPADDQ.BCST RQ_ROUND(AX), Z24, Z24
	VPADDQ.BCST RQ_ROUND(AX), Z25, Z25
	VPSRLQ $31, Z24, Z24
	VPSLLQ $1, Z25, Z25
	VPBLENDMD Z25, Z24, K1, Z0
	VPSRAD $31, Z0, Z25
	VPANDD.BCST RQ_SIGNMASK(AX), Z25, Z25
	VPADDD Z25, Z0, Z0
	VPADDD.BCST RQ_NUDGE(AX), Z0, Z0
	VPSRAD X30, Z0, Z0
	VPADDD.BCST RQ_ZP(AX), Z0, Z0
	VPMAXSD.BCST RQ_MIN(AX), Z0, Z0
	VPMINSD.BCST RQ_MAX(AX), Z0, Z0
	VPMOVDB Z0, K3, (DI)(SI*1)

	ADDQ $576, R15
	ADDQ $16, SI
	CMPQ SI, R11
	JLT group

	ADDQ R13, R8
	ADDQ R13, R9
	ADDQ R13, R10
	ADDQ R11, DI
	DECQ R12
	JNZ pixel
done:
	VZEROUPPER
	RET

// Offsets in quant.SIMD256.
#define V8_MULT 0
#define V8_ROUND 32
#define V8_NUDGE 64
#define V8_SIGNMASK 96
#define V8_ZP 128
#define V8_MIN 160
#define V8_MAX 192
#define V8_LEFT 224
#define V8_RIGHT 232

// func rowU8AVX2(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD256, c, n, step int)
//
// rowU8AVX512 for AVX2, 8 channels at a time (c must be a multiple of 8):
// w holds int32 weights by groups of 8 channels, group g, tap t at
// w[(g·9+t)·8 ...]; the requantization constants are full vectors.
TEXT ·rowU8AVX2(SB), NOSPLIT, $0-80
	MOVQ dst+0(FP), DI
	MOVQ in0+8(FP), R8
	MOVQ in1+16(FP), R9
	MOVQ in2+24(FP), R10
	MOVQ w+32(FP), BX
	MOVQ bias+40(FP), DX
	MOVQ rq+48(FP), AX
	MOVQ c+56(FP), R11
	MOVQ n+64(FP), R12
	MOVQ step+72(FP), R13
	VMOVQ V8_LEFT(AX), X14
	VMOVQ V8_RIGHT(AX), X15
	TESTQ R12, R12
	JZ avx2done

avx2pixel:
	XORQ SI, SI
	MOVQ BX, R15

avx2group:
	VMOVDQU (DX)(SI*4), Y0
	LEAQ (R8)(SI*1), CX
	VPMOVZXBD (CX), Y1
	VPMOVZXBD (CX)(R11*1), Y2
	VPMOVZXBD (CX)(R11*2), Y3
	VPMADDWD 0(R15), Y1, Y1
	VPMADDWD 32(R15), Y2, Y2
	VPMADDWD 64(R15), Y3, Y3
	VPADDD Y1, Y0, Y0
	VPADDD Y2, Y3, Y3
	LEAQ (R9)(SI*1), CX
	VPMOVZXBD (CX), Y4
	VPMOVZXBD (CX)(R11*1), Y5
	VPMOVZXBD (CX)(R11*2), Y6
	VPMADDWD 96(R15), Y4, Y4
	VPMADDWD 128(R15), Y5, Y5
	VPMADDWD 160(R15), Y6, Y6
	VPADDD Y4, Y0, Y0
	VPADDD Y5, Y3, Y3
	VPADDD Y6, Y0, Y0
	LEAQ (R10)(SI*1), CX
	VPMOVZXBD (CX), Y1
	VPMOVZXBD (CX)(R11*1), Y2
	VPMOVZXBD (CX)(R11*2), Y4
	VPMADDWD 192(R15), Y1, Y1
	VPMADDWD 224(R15), Y2, Y2
	VPMADDWD 256(R15), Y4, Y4
	VPADDD Y1, Y0, Y0
	VPADDD Y2, Y3, Y3
	VPADDD Y4, Y0, Y0
	VPADDD Y3, Y0, Y0

	// Requantize Y0 (see net/pwconv/gen_u8_amd64.go).
	VPSLLD X14, Y0, Y0
	VPSRLQ $32, Y0, Y11
	VPMULDQ V8_MULT(AX), Y0, Y10
	VPMULDQ V8_MULT(AX), Y11, Y11
	VPADDQ V8_ROUND(AX), Y10, Y10
	VPADDQ V8_ROUND(AX), Y11, Y11
	VPSRLQ $31, Y10, Y10
	VPSLLQ $1, Y11, Y11
	VPBLENDD $0xaa, Y11, Y10, Y0
	VPSRAD $31, Y0, Y11
	VPAND V8_SIGNMASK(AX), Y11, Y11
	VPADDD Y11, Y0, Y0
	VPADDD V8_NUDGE(AX), Y0, Y0
	VPSRAD X15, Y0, Y0
	VPADDD V8_ZP(AX), Y0, Y0
	VPMAXSD V8_MIN(AX), Y0, Y0
	VPMINSD V8_MAX(AX), Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW X1, X0, X0
	VPACKUSWB X0, X0, X0
	MOVQ X0, (DI)(SI*1)

	ADDQ $288, R15
	ADDQ $8, SI
	CMPQ SI, R11
	JLT avx2group

	ADDQ R13, R8
	ADDQ R13, R9
	ADDQ R13, R10
	ADDQ R11, DI
	DECQ R12
	JNZ avx2pixel
avx2done:
	VZEROUPPER
	RET
