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
	VPXORD Z26, Z26, Z26
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
	// RoundingDivideByPOT as sign(x)·((|x| + Nudge) >> Right), the
	// shift logical: |x| + Nudge may pass 2^31 (TestU8HugeAccumulators).
	VPCMPD $1, Z26, Z0, K2
	VPABSD Z0, Z0
	VPADDD.BCST RQ_NUDGE(AX), Z0, Z0
	VPSRLD X30, Z0, Z0
	VPSUBD Z0, Z26, K2, Z0
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
#define V8_MINB 160
#define V8_MAXB 192
#define V8_LEFT 224
#define V8_RIGHT 232

// func rowU8AVX2(dst, in0, in1, in2 *uint8, w, bias *int32, rq *quant.SIMD256, c, n, step int)
//
// rowU8AVX512 for AVX2, 16 channels at a time and a last 8 (c must be a
// multiple of 8). The taps go by pairs: the bytes of taps 2p and 2p+1
// are interleaved (VPUNPCKLBW/VPUNPCKHBW) and widened to words, so that
// each dword holds (x[2p], x[2p+1]) and one VPMADDWD multiplies and adds
// both taps of 8 channels; tap 8 is widened to a dword alone (its pair
// weight is 0). Exact: x in [0, 255], w − wZero in [−255, 255], a pair
// sum within ±130050. w holds, by groups of 8 channels, 5 vectors of 8
// dwords: group g, pair p at w[(g·5+p)·8 ...], lane j the int16 pair
// (w(2p), w(2p+1)) of channel 8g+j (pair 4: (w(8), 0)); a group of 16
// reads groups g and g+1. The requantization constants are full
// vectors. BP and R14 are saved around the loops (Go's frame pointer and
// the goroutine register).
TEXT ·rowU8AVX2(SB), NOSPLIT, $16-80
	MOVQ BP, 0(SP)
	MOVQ R14, 8(SP)
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

avx2group16:
	LEAQ 16(SI), CX
	CMPQ CX, R11
	JGT avx2group8
	VMOVDQU (DX)(SI*4), Y0
	VMOVDQU 32(DX)(SI*4), Y1
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	LEAQ (R8)(SI*1), CX
	LEAQ (R9)(SI*1), BP
	LEAQ (R10)(SI*1), R14
	VMOVDQU (CX), X2
	VMOVDQU (CX)(R11*1), X3
	VPUNPCKHBW X3, X2, X4
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMOVZXBW X4, Y4
	VPMADDWD 0(R15), Y2, Y2
	VPMADDWD 160(R15), Y4, Y4
	VPADDD Y2, Y0, Y0
	VPADDD Y4, Y1, Y1
	VMOVDQU (CX)(R11*2), X2
	VMOVDQU (BP), X3
	VPUNPCKHBW X3, X2, X4
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMOVZXBW X4, Y4
	VPMADDWD 32(R15), Y2, Y2
	VPMADDWD 192(R15), Y4, Y4
	VPADDD Y2, Y5, Y5
	VPADDD Y4, Y6, Y6
	VMOVDQU (BP)(R11*1), X2
	VMOVDQU (BP)(R11*2), X3
	VPUNPCKHBW X3, X2, X4
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMOVZXBW X4, Y4
	VPMADDWD 64(R15), Y2, Y2
	VPMADDWD 224(R15), Y4, Y4
	VPADDD Y2, Y0, Y0
	VPADDD Y4, Y1, Y1
	VMOVDQU (R14), X2
	VMOVDQU (R14)(R11*1), X3
	VPUNPCKHBW X3, X2, X4
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMOVZXBW X4, Y4
	VPMADDWD 96(R15), Y2, Y2
	VPMADDWD 256(R15), Y4, Y4
	VPADDD Y2, Y5, Y5
	VPADDD Y4, Y6, Y6
	VPMOVZXBD (R14)(R11*2), Y2
	VPMOVZXBD 8(R14)(R11*2), Y4
	VPMADDWD 128(R15), Y2, Y2
	VPMADDWD 288(R15), Y4, Y4
	VPADDD Y2, Y0, Y0
	VPADDD Y4, Y1, Y1
	VPADDD Y5, Y0, Y0
	VPADDD Y6, Y1, Y1

	// Requantize Y0 and Y1 (see net/pwconv/gen_u8_amd64.go).
	VPSLLD X14, Y0, Y0
	VPSRLQ $32, Y0, Y11
	VPMULDQ V8_MULT(AX), Y0, Y10
	VPMULDQ V8_MULT(AX), Y11, Y11
	VPADDQ V8_ROUND(AX), Y10, Y10
	VPADDQ V8_ROUND(AX), Y11, Y11
	VPSRLQ $31, Y10, Y10
	VPSLLQ $1, Y11, Y11
	VPBLENDD $0xaa, Y11, Y10, Y0
	VPABSD Y0, Y11
	VPADDD V8_NUDGE(AX), Y11, Y11
	VPSRLD X15, Y11, Y11
	VPSIGND Y0, Y11, Y0
	VPADDD V8_ZP(AX), Y0, Y0
	VPSLLD X14, Y1, Y1
	VPSRLQ $32, Y1, Y13
	VPMULDQ V8_MULT(AX), Y1, Y12
	VPMULDQ V8_MULT(AX), Y13, Y13
	VPADDQ V8_ROUND(AX), Y12, Y12
	VPADDQ V8_ROUND(AX), Y13, Y13
	VPSRLQ $31, Y12, Y12
	VPSLLQ $1, Y13, Y13
	VPBLENDD $0xaa, Y13, Y12, Y1
	VPABSD Y1, Y13
	VPADDD V8_NUDGE(AX), Y13, Y13
	VPSRLD X15, Y13, Y13
	VPSIGND Y1, Y13, Y1
	VPADDD V8_ZP(AX), Y1, Y1
	VPACKSSDW Y1, Y0, Y0
	VPERMQ $0xd8, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKUSWB X1, X0, X0
	VPMAXUB V8_MINB(AX), X0, X0
	VPMINUB V8_MAXB(AX), X0, X0
	VMOVDQU X0, (DI)(SI*1)

	ADDQ $320, R15
	ADDQ $16, SI
	JMP avx2group16

avx2group8:
	CMPQ SI, R11
	JGE avx2next
	VMOVDQU (DX)(SI*4), Y0
	VPXOR Y5, Y5, Y5
	LEAQ (R8)(SI*1), CX
	LEAQ (R9)(SI*1), BP
	LEAQ (R10)(SI*1), R14
	VMOVQ (CX), X2
	VMOVQ (CX)(R11*1), X3
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMADDWD 0(R15), Y2, Y2
	VPADDD Y2, Y0, Y0
	VMOVQ (CX)(R11*2), X2
	VMOVQ (BP), X3
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMADDWD 32(R15), Y2, Y2
	VPADDD Y2, Y5, Y5
	VMOVQ (BP)(R11*1), X2
	VMOVQ (BP)(R11*2), X3
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMADDWD 64(R15), Y2, Y2
	VPADDD Y2, Y0, Y0
	VMOVQ (R14), X2
	VMOVQ (R14)(R11*1), X3
	VPUNPCKLBW X3, X2, X2
	VPMOVZXBW X2, Y2
	VPMADDWD 96(R15), Y2, Y2
	VPADDD Y2, Y5, Y5
	VPMOVZXBD (R14)(R11*2), Y2
	VPMADDWD 128(R15), Y2, Y2
	VPADDD Y2, Y0, Y0
	VPADDD Y5, Y0, Y0

	VPSLLD X14, Y0, Y0
	VPSRLQ $32, Y0, Y11
	VPMULDQ V8_MULT(AX), Y0, Y10
	VPMULDQ V8_MULT(AX), Y11, Y11
	VPADDQ V8_ROUND(AX), Y10, Y10
	VPADDQ V8_ROUND(AX), Y11, Y11
	VPSRLQ $31, Y10, Y10
	VPSLLQ $1, Y11, Y11
	VPBLENDD $0xaa, Y11, Y10, Y0
	VPABSD Y0, Y11
	VPADDD V8_NUDGE(AX), Y11, Y11
	VPSRLD X15, Y11, Y11
	VPSIGND Y0, Y11, Y0
	VPADDD V8_ZP(AX), Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW X1, X0, X0
	VPACKUSWB X0, X0, X0
	VPMAXUB V8_MINB(AX), X0, X0
	VPMINUB V8_MAXB(AX), X0, X0
	MOVQ X0, (DI)(SI*1)

avx2next:
	ADDQ R13, R8
	ADDQ R13, R9
	ADDQ R13, R10
	ADDQ R11, DI
	DECQ R12
	JNZ avx2pixel
avx2done:
	MOVQ 0(SP), BP
	MOVQ 8(SP), R14
	VZEROUPPER
	RET
