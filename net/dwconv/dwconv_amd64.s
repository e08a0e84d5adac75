//go:build amd64 && !purego

#include "textflag.h"

DATA six<>+0(SB)/4, $6.0
GLOBL six<>(SB), RODATA|NOPTR, $4

// func rowAVX512(dst, in0, in1, in2, w, bias *float32, c, n, step int)
//
// Computes n output pixels of one row of a 3x3 depthwise convolution with
// bias and ReLU6. in0..in2 point at the input pixel under the kernel's
// top-left tap for the first output pixel (one per kernel row; a zero row
// stands in for padding); consecutive output pixels' inputs are step bytes
// apart, consecutive input pixels c*4 bytes. w holds 9 taps of c weights,
// [ky][kx][c]. Channels go 16 at a time, the last chunk masked.
TEXT ·rowAVX512(SB), NOSPLIT, $0-72
	MOVQ c+48(FP), R8
	SHLQ $2, R8              // R8 = c*4: bytes per pixel
	MOVQ step+64(FP), R9
	VPXORD Z10, Z10, Z10
	VBROADCASTSS six<>(SB), Z11
	XORQ R13, R13            // R13 = channel byte offset of this chunk

chunk:
	// K1 = mask of the channels left in this chunk (up to 16).
	MOVQ R8, AX
	SUBQ R13, AX
	SHRQ $2, AX              // channels left
	CMPQ AX, $16
	JLT  partial
	MOVL $0xffff, AX
	JMP  setmask
partial:
	MOVQ AX, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
setmask:
	KMOVW AX, K1

	// Weights of the 9 taps and the bias for this chunk.
	MOVQ w+32(FP), SI
	ADDQ R13, SI
	VMOVUPS.Z (SI), K1, Z0
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z1
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z2
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z3
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z4
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z5
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z6
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z7
	ADDQ R8, SI
	VMOVUPS.Z (SI), K1, Z8
	MOVQ bias+40(FP), SI
	VMOVUPS.Z (SI)(R13*1), K1, Z9

	MOVQ dst+0(FP), DI
	ADDQ R13, DI
	MOVQ in0+8(FP), R10
	ADDQ R13, R10
	MOVQ in1+16(FP), R11
	ADDQ R13, R11
	MOVQ in2+24(FP), R12
	ADDQ R13, R12
	MOVQ n+56(FP), CX
	TESTQ CX, CX
	JZ   next

pixel:
	VMOVUPS.Z (R10), K1, Z12
	VMOVUPS.Z (R10)(R8*1), K1, Z13
	VMOVUPS.Z (R10)(R8*2), K1, Z14
	VMOVUPS.Z (R11), K1, Z15
	VMOVUPS.Z (R11)(R8*1), K1, Z16
	VMOVUPS.Z (R11)(R8*2), K1, Z17
	VMOVUPS.Z (R12), K1, Z18
	VMOVUPS.Z (R12)(R8*1), K1, Z19
	VMOVUPS.Z (R12)(R8*2), K1, Z20
	// Three partial sums, one per kernel row, for a shorter chain.
	VMOVAPS Z9, Z21
	VMULPS  Z3, Z15, Z22
	VMULPS  Z6, Z18, Z23
	VFMADD231PS Z0, Z12, Z21
	VFMADD231PS Z4, Z16, Z22
	VFMADD231PS Z7, Z19, Z23
	VFMADD231PS Z1, Z13, Z21
	VFMADD231PS Z5, Z17, Z22
	VFMADD231PS Z8, Z20, Z23
	VFMADD231PS Z2, Z14, Z21
	VADDPS Z22, Z21, Z21
	VADDPS Z23, Z21, Z21
	VMAXPS Z21, Z10, Z21 // NaN (the second source) propagates, as in Go
	VMINPS Z21, Z11, Z21
	VMOVUPS Z21, K1, (DI)
	ADDQ R9, R10
	ADDQ R9, R11
	ADDQ R9, R12
	ADDQ R8, DI
	DECQ CX
	JNZ  pixel

next:
	ADDQ $64, R13
	CMPQ R13, R8
	JLT  chunk
	VZEROUPPER
	RET

// func rowAVX2(dst, in0, in1, in2, w, bias *float32, c, n, step int)
//
// rowAVX512 for AVX2+FMA: channels 8 at a time; c must be a multiple of 8.
TEXT ·rowAVX2(SB), NOSPLIT, $0-72
	MOVQ c+48(FP), R8
	SHLQ $2, R8
	MOVQ step+64(FP), R9
	XORQ R13, R13

chunk2:
	MOVQ w+32(FP), SI
	ADDQ R13, SI
	VMOVUPS (SI), Y0
	ADDQ R8, SI
	VMOVUPS (SI), Y1
	ADDQ R8, SI
	VMOVUPS (SI), Y2
	ADDQ R8, SI
	VMOVUPS (SI), Y3
	ADDQ R8, SI
	VMOVUPS (SI), Y4
	ADDQ R8, SI
	VMOVUPS (SI), Y5
	ADDQ R8, SI
	VMOVUPS (SI), Y6
	ADDQ R8, SI
	VMOVUPS (SI), Y7
	ADDQ R8, SI
	VMOVUPS (SI), Y8
	MOVQ bias+40(FP), SI
	VMOVUPS (SI)(R13*1), Y9
	VXORPS Y10, Y10, Y10
	VBROADCASTSS six<>(SB), Y11

	MOVQ dst+0(FP), DI
	ADDQ R13, DI
	MOVQ in0+8(FP), R10
	ADDQ R13, R10
	MOVQ in1+16(FP), R11
	ADDQ R13, R11
	MOVQ in2+24(FP), R12
	ADDQ R13, R12
	MOVQ n+56(FP), CX
	TESTQ CX, CX
	JZ   next2

pixel2:
	VMOVAPS Y9, Y12
	VMULPS  (R11), Y3, Y13
	VFMADD231PS (R10), Y0, Y12
	VFMADD231PS (R11)(R8*1), Y4, Y13
	VFMADD231PS (R10)(R8*1), Y1, Y12
	VFMADD231PS (R11)(R8*2), Y5, Y13
	VFMADD231PS (R10)(R8*2), Y2, Y12
	VMULPS  (R12), Y6, Y14
	VFMADD231PS (R12)(R8*1), Y7, Y14
	VFMADD231PS (R12)(R8*2), Y8, Y14
	VADDPS Y13, Y12, Y12
	VADDPS Y14, Y12, Y12
	VMAXPS Y12, Y10, Y12 // NaN (the second source) propagates, as in Go
	VMINPS Y12, Y11, Y12
	VMOVUPS Y12, (DI)
	ADDQ R9, R10
	ADDQ R9, R11
	ADDQ R9, R12
	ADDQ R8, DI
	DECQ CX
	JNZ  pixel2

next2:
	ADDQ $32, R13
	CMPQ R13, R8
	JLT  chunk2
	VZEROUPPER
	RET
