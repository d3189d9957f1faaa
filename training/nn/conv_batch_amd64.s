#include "textflag.h"
#include "relu_amd64.h"

// AVX-512 kernels of the batch-innermost convolution (conv_batch.go).
// A row is the 16·m values of one feature (or one output position of one
// filter) for every sample of the batch; a stream is a run of such rows
// that are consecutive in memory, read or written one 64-byte vector at
// a time. Go's operand order is the reverse of Intel's: VFMADD231PS a, b,
// c adds a·b to c.

// FMA4 adds the weight at w, broadcast, times x0…x3 to a0…a3.
#define FMA4(w, x0, x1, x2, x3, a0, a1, a2, a3) \
	VBROADCASTSS w, Z28;      \
	VFMADD231PS  x0, Z28, a0; \
	VFMADD231PS  x1, Z28, a1; \
	VFMADD231PS  x2, Z28, a2; \
	VFMADD231PS  x3, Z28, a3

// LOAD4 and STORE4 move the four vectors at off bytes from the address
// b to and from a0…a3.
#define LOAD4(off, b, a0, a1, a2, a3) \
	VMOVUPS (off)b, a0;     \
	VMOVUPS (off+64)b, a1;  \
	VMOVUPS (off+128)b, a2; \
	VMOVUPS (off+192)b, a3

#define STORE4(off, b, a0, a1, a2, a3) \
	VMOVUPS a0, (off)b;     \
	VMOVUPS a1, (off+64)b;  \
	VMOVUPS a2, (off+128)b; \
	VMOVUPS a3, (off+192)b

// BIAS4 sets a0…a3 to the value at b, broadcast.
#define BIAS4(b, a0, a1, a2, a3) \
	VBROADCASTSS b, a0; \
	VMOVAPS      a0, a1; \
	VMOVAPS      a0, a2; \
	VMOVAPS      a0, a3

// func convFwd6(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)
//
// Six filters' output streams of z vectors: out + f·ostride (bytes) gets
// bias[f] + Σ_t w[t·6+f]·(x + taps[t]), for the k taps t, four vectors at
// a time with 24 accumulators, then one at a time.
TEXT ·convFwd6(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ ostride+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ z+24(FP), CX
	MOVQ w+32(FP), DX
	MOVQ taps+40(FP), BX
	MOVQ k+48(FP), R9
	MOVQ bias+56(FP), R10
	LEAQ (R8)(R8*2), R11 // 3·ostride

fwd6tile:
	CMPQ  CX, $4
	JLT   fwd6rest
	BIAS4(0(R10), Z0, Z1, Z2, Z3)
	BIAS4(4(R10), Z4, Z5, Z6, Z7)
	BIAS4(8(R10), Z8, Z9, Z10, Z11)
	BIAS4(12(R10), Z12, Z13, Z14, Z15)
	BIAS4(16(R10), Z16, Z17, Z18, Z19)
	BIAS4(20(R10), Z20, Z21, Z22, Z23)
	MOVQ  BX, R13
	MOVQ  DX, R14
	MOVQ  R9, AX

fwd6tap:
	MOVQ (R13), R12
	LOAD4(0, (SI)(R12*1), Z24, Z25, Z26, Z27)
	FMA4(0(R14), Z24, Z25, Z26, Z27, Z0, Z1, Z2, Z3)
	FMA4(4(R14), Z24, Z25, Z26, Z27, Z4, Z5, Z6, Z7)
	FMA4(8(R14), Z24, Z25, Z26, Z27, Z8, Z9, Z10, Z11)
	FMA4(12(R14), Z24, Z25, Z26, Z27, Z12, Z13, Z14, Z15)
	FMA4(16(R14), Z24, Z25, Z26, Z27, Z16, Z17, Z18, Z19)
	FMA4(20(R14), Z24, Z25, Z26, Z27, Z20, Z21, Z22, Z23)
	ADDQ $8, R13
	ADDQ $24, R14
	DECQ AX
	JNZ  fwd6tap

	STORE4(0, (DI), Z0, Z1, Z2, Z3)
	STORE4(0, (DI)(R8*1), Z4, Z5, Z6, Z7)
	STORE4(0, (DI)(R8*2), Z8, Z9, Z10, Z11)
	STORE4(0, (DI)(R11*1), Z12, Z13, Z14, Z15)
	STORE4(0, (DI)(R8*4), Z16, Z17, Z18, Z19)
	LEAQ  (DI)(R8*4), AX
	STORE4(0, (AX)(R8*1), Z20, Z21, Z22, Z23)
	ADDQ  $256, DI
	ADDQ  $256, SI
	SUBQ  $4, CX
	JMP   fwd6tile

fwd6rest:
	TESTQ CX, CX
	JZ    fwd6done
	VBROADCASTSS 0(R10), Z0
	VBROADCASTSS 4(R10), Z4
	VBROADCASTSS 8(R10), Z8
	VBROADCASTSS 12(R10), Z12
	VBROADCASTSS 16(R10), Z16
	VBROADCASTSS 20(R10), Z20
	MOVQ  BX, R13
	MOVQ  DX, R14
	MOVQ  R9, AX

fwd6resttap:
	MOVQ (R13), R12
	VMOVUPS (SI)(R12*1), Z24
	VFMADD231PS.BCST 0(R14), Z24, Z0
	VFMADD231PS.BCST 4(R14), Z24, Z4
	VFMADD231PS.BCST 8(R14), Z24, Z8
	VFMADD231PS.BCST 12(R14), Z24, Z12
	VFMADD231PS.BCST 16(R14), Z24, Z16
	VFMADD231PS.BCST 20(R14), Z24, Z20
	ADDQ $8, R13
	ADDQ $24, R14
	DECQ AX
	JNZ  fwd6resttap

	VMOVUPS Z0, (DI)
	VMOVUPS Z4, (DI)(R8*1)
	VMOVUPS Z8, (DI)(R8*2)
	VMOVUPS Z12, (DI)(R11*1)
	VMOVUPS Z16, (DI)(R8*4)
	LEAQ    (DI)(R8*4), AX
	VMOVUPS Z20, (AX)(R8*1)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JMP     fwd6rest

fwd6done:
	VZEROUPPER
	RET

// func convFwd4(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)
//
// convFwd6 for four filters: w holds 4 weights a tap.
TEXT ·convFwd4(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ ostride+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ z+24(FP), CX
	MOVQ w+32(FP), DX
	MOVQ taps+40(FP), BX
	MOVQ k+48(FP), R9
	MOVQ bias+56(FP), R10
	LEAQ (R8)(R8*2), R11

fwd4tile:
	CMPQ  CX, $4
	JLT   fwd4rest
	BIAS4(0(R10), Z0, Z1, Z2, Z3)
	BIAS4(4(R10), Z4, Z5, Z6, Z7)
	BIAS4(8(R10), Z8, Z9, Z10, Z11)
	BIAS4(12(R10), Z12, Z13, Z14, Z15)
	MOVQ  BX, R13
	MOVQ  DX, R14
	MOVQ  R9, AX

fwd4tap:
	MOVQ (R13), R12
	LOAD4(0, (SI)(R12*1), Z24, Z25, Z26, Z27)
	FMA4(0(R14), Z24, Z25, Z26, Z27, Z0, Z1, Z2, Z3)
	FMA4(4(R14), Z24, Z25, Z26, Z27, Z4, Z5, Z6, Z7)
	FMA4(8(R14), Z24, Z25, Z26, Z27, Z8, Z9, Z10, Z11)
	FMA4(12(R14), Z24, Z25, Z26, Z27, Z12, Z13, Z14, Z15)
	ADDQ $8, R13
	ADDQ $16, R14
	DECQ AX
	JNZ  fwd4tap

	STORE4(0, (DI), Z0, Z1, Z2, Z3)
	STORE4(0, (DI)(R8*1), Z4, Z5, Z6, Z7)
	STORE4(0, (DI)(R8*2), Z8, Z9, Z10, Z11)
	STORE4(0, (DI)(R11*1), Z12, Z13, Z14, Z15)
	ADDQ  $256, DI
	ADDQ  $256, SI
	SUBQ  $4, CX
	JMP   fwd4tile

fwd4rest:
	TESTQ CX, CX
	JZ    fwd4done
	VBROADCASTSS 0(R10), Z0
	VBROADCASTSS 4(R10), Z4
	VBROADCASTSS 8(R10), Z8
	VBROADCASTSS 12(R10), Z12
	MOVQ  BX, R13
	MOVQ  DX, R14
	MOVQ  R9, AX

fwd4resttap:
	MOVQ (R13), R12
	VMOVUPS (SI)(R12*1), Z24
	VFMADD231PS.BCST 0(R14), Z24, Z0
	VFMADD231PS.BCST 4(R14), Z24, Z4
	VFMADD231PS.BCST 8(R14), Z24, Z8
	VFMADD231PS.BCST 12(R14), Z24, Z12
	ADDQ $8, R13
	ADDQ $16, R14
	DECQ AX
	JNZ  fwd4resttap

	VMOVUPS Z0, (DI)
	VMOVUPS Z4, (DI)(R8*1)
	VMOVUPS Z8, (DI)(R8*2)
	VMOVUPS Z12, (DI)(R11*1)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JMP     fwd4rest

fwd4done:
	VZEROUPPER
	RET

// func convDW4x6(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)
//
// Adds to the 24 vectors at acc, in the order (filter, tap), the products
// of four filters' gradient streams dz + f·dzstride with six input
// streams x + taps[t], vector by vector over z vectors (z ≥ 1).
TEXT ·convDW4x6(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), AX
	MOVQ dz+8(FP), DI
	MOVQ dzstride+16(FP), R8
	LEAQ (DI)(R8*1), SI
	LEAQ (DI)(R8*2), DX
	LEAQ (SI)(R8*2), R8
	MOVQ x+24(FP), R9
	MOVQ taps+32(FP), BX
	MOVQ 8(BX), R10
	MOVQ 16(BX), R11
	MOVQ 24(BX), R12
	MOVQ 32(BX), R13
	MOVQ 40(BX), R14
	MOVQ (BX), BX
	ADDQ R9, R10
	ADDQ R9, R11
	ADDQ R9, R12
	ADDQ R9, R13
	ADDQ R9, R14
	ADDQ BX, R9
	MOVQ z+40(FP), CX
	SHLQ $6, CX
	XORQ BX, BX

	LOAD4(0, (AX), Z0, Z1, Z2, Z3)
	LOAD4(256, (AX), Z4, Z5, Z6, Z7)
	LOAD4(512, (AX), Z8, Z9, Z10, Z11)
	LOAD4(768, (AX), Z12, Z13, Z14, Z15)
	LOAD4(1024, (AX), Z16, Z17, Z18, Z19)
	LOAD4(1280, (AX), Z20, Z21, Z22, Z23)

dw46loop:
	VMOVUPS     (DI)(BX*1), Z24
	VMOVUPS     (SI)(BX*1), Z25
	VMOVUPS     (DX)(BX*1), Z26
	VMOVUPS     (R8)(BX*1), Z27
	VMOVUPS     (R9)(BX*1), Z28
	VFMADD231PS Z28, Z24, Z0
	VFMADD231PS Z28, Z25, Z6
	VFMADD231PS Z28, Z26, Z12
	VFMADD231PS Z28, Z27, Z18
	VMOVUPS     (R10)(BX*1), Z29
	VFMADD231PS Z29, Z24, Z1
	VFMADD231PS Z29, Z25, Z7
	VFMADD231PS Z29, Z26, Z13
	VFMADD231PS Z29, Z27, Z19
	VMOVUPS     (R11)(BX*1), Z30
	VFMADD231PS Z30, Z24, Z2
	VFMADD231PS Z30, Z25, Z8
	VFMADD231PS Z30, Z26, Z14
	VFMADD231PS Z30, Z27, Z20
	VMOVUPS     (R12)(BX*1), Z31
	VFMADD231PS Z31, Z24, Z3
	VFMADD231PS Z31, Z25, Z9
	VFMADD231PS Z31, Z26, Z15
	VFMADD231PS Z31, Z27, Z21
	VMOVUPS     (R13)(BX*1), Z28
	VFMADD231PS Z28, Z24, Z4
	VFMADD231PS Z28, Z25, Z10
	VFMADD231PS Z28, Z26, Z16
	VFMADD231PS Z28, Z27, Z22
	VMOVUPS     (R14)(BX*1), Z29
	VFMADD231PS Z29, Z24, Z5
	VFMADD231PS Z29, Z25, Z11
	VFMADD231PS Z29, Z26, Z17
	VFMADD231PS Z29, Z27, Z23
	ADDQ        $64, BX
	CMPQ        BX, CX
	JLT         dw46loop

	STORE4(0, (AX), Z0, Z1, Z2, Z3)
	STORE4(256, (AX), Z4, Z5, Z6, Z7)
	STORE4(512, (AX), Z8, Z9, Z10, Z11)
	STORE4(768, (AX), Z12, Z13, Z14, Z15)
	STORE4(1024, (AX), Z16, Z17, Z18, Z19)
	STORE4(1280, (AX), Z20, Z21, Z22, Z23)
	VZEROUPPER
	RET

// func convDW6x4(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)
//
// convDW4x6 for six filters and four taps.
TEXT ·convDW6x4(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), AX
	MOVQ dz+8(FP), DI
	MOVQ dzstride+16(FP), R8
	LEAQ (DI)(R8*1), SI
	LEAQ (DI)(R8*2), DX
	LEAQ (SI)(R8*2), R9
	LEAQ (DX)(R8*2), R10
	LEAQ (R9)(R8*2), R8
	MOVQ x+24(FP), R11
	MOVQ taps+32(FP), BX
	MOVQ 8(BX), R12
	MOVQ 16(BX), R13
	MOVQ 24(BX), R14
	MOVQ (BX), BX
	ADDQ R11, R12
	ADDQ R11, R13
	ADDQ R11, R14
	ADDQ BX, R11
	MOVQ z+40(FP), CX
	SHLQ $6, CX
	XORQ BX, BX

	LOAD4(0, (AX), Z0, Z1, Z2, Z3)
	LOAD4(256, (AX), Z4, Z5, Z6, Z7)
	LOAD4(512, (AX), Z8, Z9, Z10, Z11)
	LOAD4(768, (AX), Z12, Z13, Z14, Z15)
	LOAD4(1024, (AX), Z16, Z17, Z18, Z19)
	LOAD4(1280, (AX), Z20, Z21, Z22, Z23)

dw64loop:
	VMOVUPS     (DI)(BX*1), Z24
	VMOVUPS     (SI)(BX*1), Z25
	VMOVUPS     (DX)(BX*1), Z26
	VMOVUPS     (R9)(BX*1), Z27
	VMOVUPS     (R10)(BX*1), Z28
	VMOVUPS     (R8)(BX*1), Z29
	VMOVUPS     (R11)(BX*1), Z30
	VFMADD231PS Z30, Z24, Z0
	VFMADD231PS Z30, Z25, Z4
	VFMADD231PS Z30, Z26, Z8
	VFMADD231PS Z30, Z27, Z12
	VFMADD231PS Z30, Z28, Z16
	VFMADD231PS Z30, Z29, Z20
	VMOVUPS     (R12)(BX*1), Z31
	VFMADD231PS Z31, Z24, Z1
	VFMADD231PS Z31, Z25, Z5
	VFMADD231PS Z31, Z26, Z9
	VFMADD231PS Z31, Z27, Z13
	VFMADD231PS Z31, Z28, Z17
	VFMADD231PS Z31, Z29, Z21
	VMOVUPS     (R13)(BX*1), Z30
	VFMADD231PS Z30, Z24, Z2
	VFMADD231PS Z30, Z25, Z6
	VFMADD231PS Z30, Z26, Z10
	VFMADD231PS Z30, Z27, Z14
	VFMADD231PS Z30, Z28, Z18
	VFMADD231PS Z30, Z29, Z22
	VMOVUPS     (R14)(BX*1), Z31
	VFMADD231PS Z31, Z24, Z3
	VFMADD231PS Z31, Z25, Z7
	VFMADD231PS Z31, Z26, Z11
	VFMADD231PS Z31, Z27, Z15
	VFMADD231PS Z31, Z28, Z19
	VFMADD231PS Z31, Z29, Z23
	ADDQ        $64, BX
	CMPQ        BX, CX
	JLT         dw64loop

	STORE4(0, (AX), Z0, Z1, Z2, Z3)
	STORE4(256, (AX), Z4, Z5, Z6, Z7)
	STORE4(512, (AX), Z8, Z9, Z10, Z11)
	STORE4(768, (AX), Z12, Z13, Z14, Z15)
	STORE4(1024, (AX), Z16, Z17, Z18, Z19)
	STORE4(1280, (AX), Z20, Z21, Z22, Z23)
	VZEROUPPER
	RET

// func convDX6(dx *float32, taps *int, z int, dz *float32, dzstride int, f int, w *float32)
//
// Adds to six streams dx + taps[t] of z vectors Σ_f w[f·6+t]·(dz +
// f·dzstride), for the f filters (f ≥ 1), four vectors at a time, then
// one. Within four vectors the six streams must not overlap.
TEXT ·convDX6(SB), NOSPLIT, $0-56
	MOVQ dx+0(FP), R9
	MOVQ taps+8(FP), BX
	MOVQ 8(BX), R10
	MOVQ 16(BX), R11
	MOVQ 24(BX), R12
	MOVQ 32(BX), R13
	MOVQ 40(BX), R14
	MOVQ (BX), BX
	ADDQ R9, R10
	ADDQ R9, R11
	ADDQ R9, R12
	ADDQ R9, R13
	ADDQ R9, R14
	ADDQ BX, R9
	MOVQ z+16(FP), CX
	MOVQ dz+24(FP), DI
	MOVQ dzstride+32(FP), R8
	MOVQ w+48(FP), DX

dx6tile:
	CMPQ CX, $4
	JLT  dx6rest
	LOAD4(0, (R9), Z0, Z1, Z2, Z3)
	LOAD4(0, (R10), Z4, Z5, Z6, Z7)
	LOAD4(0, (R11), Z8, Z9, Z10, Z11)
	LOAD4(0, (R12), Z12, Z13, Z14, Z15)
	LOAD4(0, (R13), Z16, Z17, Z18, Z19)
	LOAD4(0, (R14), Z20, Z21, Z22, Z23)
	MOVQ DI, SI
	MOVQ DX, AX
	MOVQ f+40(FP), BX

dx6filter:
	LOAD4(0, (SI), Z24, Z25, Z26, Z27)
	FMA4(0(AX), Z24, Z25, Z26, Z27, Z0, Z1, Z2, Z3)
	FMA4(4(AX), Z24, Z25, Z26, Z27, Z4, Z5, Z6, Z7)
	FMA4(8(AX), Z24, Z25, Z26, Z27, Z8, Z9, Z10, Z11)
	FMA4(12(AX), Z24, Z25, Z26, Z27, Z12, Z13, Z14, Z15)
	FMA4(16(AX), Z24, Z25, Z26, Z27, Z16, Z17, Z18, Z19)
	FMA4(20(AX), Z24, Z25, Z26, Z27, Z20, Z21, Z22, Z23)
	ADDQ R8, SI
	ADDQ $24, AX
	DECQ BX
	JNZ  dx6filter

	STORE4(0, (R9), Z0, Z1, Z2, Z3)
	STORE4(0, (R10), Z4, Z5, Z6, Z7)
	STORE4(0, (R11), Z8, Z9, Z10, Z11)
	STORE4(0, (R12), Z12, Z13, Z14, Z15)
	STORE4(0, (R13), Z16, Z17, Z18, Z19)
	STORE4(0, (R14), Z20, Z21, Z22, Z23)
	ADDQ $256, R9
	ADDQ $256, R10
	ADDQ $256, R11
	ADDQ $256, R12
	ADDQ $256, R13
	ADDQ $256, R14
	ADDQ $256, DI
	SUBQ $4, CX
	JMP  dx6tile

dx6rest:
	TESTQ CX, CX
	JZ    dx6done
	VMOVUPS (R9), Z0
	VMOVUPS (R10), Z4
	VMOVUPS (R11), Z8
	VMOVUPS (R12), Z12
	VMOVUPS (R13), Z16
	VMOVUPS (R14), Z20
	MOVQ  DI, SI
	MOVQ  DX, AX
	MOVQ  f+40(FP), BX

dx6restfilter:
	VMOVUPS (SI), Z24
	VFMADD231PS.BCST 0(AX), Z24, Z0
	VFMADD231PS.BCST 4(AX), Z24, Z4
	VFMADD231PS.BCST 8(AX), Z24, Z8
	VFMADD231PS.BCST 12(AX), Z24, Z12
	VFMADD231PS.BCST 16(AX), Z24, Z16
	VFMADD231PS.BCST 20(AX), Z24, Z20
	ADDQ R8, SI
	ADDQ $24, AX
	DECQ BX
	JNZ  dx6restfilter

	VMOVUPS Z0, (R9)
	VMOVUPS Z4, (R10)
	VMOVUPS Z8, (R11)
	VMOVUPS Z12, (R12)
	VMOVUPS Z16, (R13)
	VMOVUPS Z20, (R14)
	ADDQ    $64, R9
	ADDQ    $64, R10
	ADDQ    $64, R11
	ADDQ    $64, R12
	ADDQ    $64, R13
	ADDQ    $64, R14
	ADDQ    $64, DI
	DECQ    CX
	JMP     dx6rest

dx6done:
	VZEROUPPER
	RET

// TRANSPOSE16 transposes the 16×16 matrix whose rows are Z0…Z15 in
// place, through Z16…Z31: unpack pairs of rows, then pairs of pairs,
// then exchange 128-bit lanes twice.
#define TRANSPOSE16 \
	VUNPCKLPS  Z1, Z0, Z16;          \
	VUNPCKHPS  Z1, Z0, Z17;          \
	VUNPCKLPS  Z3, Z2, Z18;          \
	VUNPCKHPS  Z3, Z2, Z19;          \
	VUNPCKLPS  Z5, Z4, Z20;          \
	VUNPCKHPS  Z5, Z4, Z21;          \
	VUNPCKLPS  Z7, Z6, Z22;          \
	VUNPCKHPS  Z7, Z6, Z23;          \
	VUNPCKLPS  Z9, Z8, Z24;          \
	VUNPCKHPS  Z9, Z8, Z25;          \
	VUNPCKLPS  Z11, Z10, Z26;        \
	VUNPCKHPS  Z11, Z10, Z27;        \
	VUNPCKLPS  Z13, Z12, Z28;        \
	VUNPCKHPS  Z13, Z12, Z29;        \
	VUNPCKLPS  Z15, Z14, Z30;        \
	VUNPCKHPS  Z15, Z14, Z31;        \
	VUNPCKLPD  Z18, Z16, Z0;         \
	VUNPCKHPD  Z18, Z16, Z1;         \
	VUNPCKLPD  Z19, Z17, Z2;         \
	VUNPCKHPD  Z19, Z17, Z3;         \
	VUNPCKLPD  Z22, Z20, Z4;         \
	VUNPCKHPD  Z22, Z20, Z5;         \
	VUNPCKLPD  Z23, Z21, Z6;         \
	VUNPCKHPD  Z23, Z21, Z7;         \
	VUNPCKLPD  Z26, Z24, Z8;         \
	VUNPCKHPD  Z26, Z24, Z9;         \
	VUNPCKLPD  Z27, Z25, Z10;        \
	VUNPCKHPD  Z27, Z25, Z11;        \
	VUNPCKLPD  Z30, Z28, Z12;        \
	VUNPCKHPD  Z30, Z28, Z13;        \
	VUNPCKLPD  Z31, Z29, Z14;        \
	VUNPCKHPD  Z31, Z29, Z15;        \
	VSHUFF32X4 $0x88, Z4, Z0, Z16;   \
	VSHUFF32X4 $0x88, Z5, Z1, Z17;   \
	VSHUFF32X4 $0x88, Z6, Z2, Z18;   \
	VSHUFF32X4 $0x88, Z7, Z3, Z19;   \
	VSHUFF32X4 $0xdd, Z4, Z0, Z20;   \
	VSHUFF32X4 $0xdd, Z5, Z1, Z21;   \
	VSHUFF32X4 $0xdd, Z6, Z2, Z22;   \
	VSHUFF32X4 $0xdd, Z7, Z3, Z23;   \
	VSHUFF32X4 $0x88, Z12, Z8, Z24;  \
	VSHUFF32X4 $0x88, Z13, Z9, Z25;  \
	VSHUFF32X4 $0x88, Z14, Z10, Z26; \
	VSHUFF32X4 $0x88, Z15, Z11, Z27; \
	VSHUFF32X4 $0xdd, Z12, Z8, Z28;  \
	VSHUFF32X4 $0xdd, Z13, Z9, Z29;  \
	VSHUFF32X4 $0xdd, Z14, Z10, Z30; \
	VSHUFF32X4 $0xdd, Z15, Z11, Z31; \
	VSHUFF32X4 $0x88, Z24, Z16, Z0;  \
	VSHUFF32X4 $0x88, Z25, Z17, Z1;  \
	VSHUFF32X4 $0x88, Z26, Z18, Z2;  \
	VSHUFF32X4 $0x88, Z27, Z19, Z3;  \
	VSHUFF32X4 $0x88, Z28, Z20, Z4;  \
	VSHUFF32X4 $0x88, Z29, Z21, Z5;  \
	VSHUFF32X4 $0x88, Z30, Z22, Z6;  \
	VSHUFF32X4 $0x88, Z31, Z23, Z7;  \
	VSHUFF32X4 $0xdd, Z24, Z16, Z8;  \
	VSHUFF32X4 $0xdd, Z25, Z17, Z9;  \
	VSHUFF32X4 $0xdd, Z26, Z18, Z10; \
	VSHUFF32X4 $0xdd, Z27, Z19, Z11; \
	VSHUFF32X4 $0xdd, Z28, Z20, Z12; \
	VSHUFF32X4 $0xdd, Z29, Z21, Z13; \
	VSHUFF32X4 $0xdd, Z30, Z22, Z14; \
	VSHUFF32X4 $0xdd, Z31, Z23, Z15

// STRIDED16 moves 16 vectors between Z0…Z15 and the rows p, p+s, …,
// p+15·s, with R10 = 3s, R11 = 5s, R12 = 7s and q = p+8s.
#define STRIDED16(op, p, q, s) \
	op(p, Z0);              \
	op(p(s*1), Z1);         \
	op(p(s*2), Z2);         \
	op(p(R10*1), Z3);       \
	op(p(s*4), Z4);         \
	op(p(R11*1), Z5);       \
	op(p(R10*2), Z6);       \
	op(p(R12*1), Z7);       \
	op(q, Z8);              \
	op(q(s*1), Z9);         \
	op(q(s*2), Z10);        \
	op(q(R10*1), Z11);      \
	op(q(s*4), Z12);        \
	op(q(R11*1), Z13);      \
	op(q(R10*2), Z14);      \
	op(q(R12*1), Z15)

#define LOADV(m, r) VMOVUPS m, r
#define STOREV(m, r) VMOVUPS r, m

// MAPPED16 moves 16 vectors between Z0…Z15 and the rows p + 4·rows[i]
// (rows an array of int32 at R), through R13.
#define MAPPED16(op, p, R) \
	MOVLQSX 0(R), R13;  op((p)(R13*4), Z0);  \
	MOVLQSX 4(R), R13;  op((p)(R13*4), Z1);  \
	MOVLQSX 8(R), R13;  op((p)(R13*4), Z2);  \
	MOVLQSX 12(R), R13; op((p)(R13*4), Z3);  \
	MOVLQSX 16(R), R13; op((p)(R13*4), Z4);  \
	MOVLQSX 20(R), R13; op((p)(R13*4), Z5);  \
	MOVLQSX 24(R), R13; op((p)(R13*4), Z6);  \
	MOVLQSX 28(R), R13; op((p)(R13*4), Z7);  \
	MOVLQSX 32(R), R13; op((p)(R13*4), Z8);  \
	MOVLQSX 36(R), R13; op((p)(R13*4), Z9);  \
	MOVLQSX 40(R), R13; op((p)(R13*4), Z10); \
	MOVLQSX 44(R), R13; op((p)(R13*4), Z11); \
	MOVLQSX 48(R), R13; op((p)(R13*4), Z12); \
	MOVLQSX 52(R), R13; op((p)(R13*4), Z13); \
	MOVLQSX 56(R), R13; op((p)(R13*4), Z14); \
	MOVLQSX 60(R), R13; op((p)(R13*4), Z15)

// STORERELU stores max(r, 0) to m, through Z16 and K3; RELU needs Z30
// and Z31 set.
#define STORERELU(m, r) \
	RELU(r, Z16, K3); \
	VMOVUPS Z16, m

// STRIDED16GRAD loads Z0…Z15 from the rows p, p+s, …, p+15·s of dh
// (STRIDED16's addressing, R10 = 3s, R11 = 5s, R12 = 7s, q = p+8s) where
// the same rows hp, hq = hp+8s of ReLU's output are > 0, and +0
// elsewhere; Z31 must be zero.
#define STRIDED16GRAD(p, q, hp, hq, s) \
	GRAD8(p, hp, s, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7); \
	GRAD8(q, hq, s, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15)

// GRAD8 is half of STRIDED16GRAD: eight rows into r0…r7.
#define GRAD8(p, hp, s, r0, r1, r2, r3, r4, r5, r6, r7) \
	RELUGRAD(hp, p, r0, K2);               \
	RELUGRAD(hp(s*1), p(s*1), r1, K2);     \
	RELUGRAD(hp(s*2), p(s*2), r2, K2);     \
	RELUGRAD(hp(R10*1), p(R10*1), r3, K2); \
	RELUGRAD(hp(s*4), p(s*4), r4, K2);     \
	RELUGRAD(hp(R11*1), p(R11*1), r5, K2); \
	RELUGRAD(hp(R10*2), p(R10*2), r6, K2); \
	RELUGRAD(hp(R12*1), p(R12*1), r7, K2)

// func convTransIn(dst *float32, rows *int32, src *float32, sstride int, nq int, h *float32)
//
// For nq blocks of 16 features: reads 16 samples' rows src + i·sstride
// (bytes), 16 values each, and writes feature j's 16 values to dst +
// 4·rows[j]; then moves src on by 16 values and rows by 16 entries.
// Unless h is nil, src holds the gradient of ReLU's output and h that
// output, in the same layout, and a value whose h is not > 0 moves as
// +0, the gradient of ReLU's input as ReLU.backward writes it.
TEXT ·convTransIn(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ sstride+24(FP), R8
	MOVQ nq+32(FP), CX
	MOVQ h+40(FP), AX
	LEAQ (R8)(R8*2), R10 // 3s
	LEAQ (R8)(R8*4), R11 // 5s
	LEAQ (R10)(R8*4), R12 // 7s
	LEAQ (SI)(R8*8), R9
	LEAQ (AX)(R8*8), DX

transin:
	TESTQ AX, AX
	JNZ   transinrelu
	STRIDED16(LOADV, (SI), (R9), R8)
	JMP   transpose

transinrelu:
	VPXORD Z31, Z31, Z31
	STRIDED16GRAD((SI), (R9), (AX), (DX), R8)
	ADDQ   $64, AX
	ADDQ   $64, DX

transpose:
	TRANSPOSE16
	MAPPED16(STOREV, DI, BX)
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, BX
	DECQ CX
	JNZ  transin
	VZEROUPPER
	RET

// func convTransOut(dst *float32, dstride int, src *float32, rows *int32, nq int, relu bool)
//
// The inverse of convTransIn: for nq blocks of 16 features, reads the 16
// values at src + 4·rows[j] of feature j and writes sample i's 16
// features to dst + i·dstride (bytes), or with relu their max(v, 0) as
// ReLU.forward computes it; then moves dst on by 16 values and rows by
// 16 entries.
TEXT ·convTransOut(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ dstride+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ rows+24(FP), BX
	MOVQ nq+32(FP), CX
	MOVBLZX relu+40(FP), DX
	LEAQ (R8)(R8*2), R10
	LEAQ (R8)(R8*4), R11
	LEAQ (R10)(R8*4), R12
	LEAQ (DI)(R8*8), R9

transout:
	MAPPED16(LOADV, SI, BX)
	TRANSPOSE16
	TESTQ DX, DX
	JNZ   transoutrelu
	STRIDED16(STOREV, (DI), (R9), R8)
	JMP   transoutnext

transoutrelu:
	ZEROS
	STRIDED16(STORERELU, (DI), (R9), R8)

transoutnext:
	ADDQ $64, DI
	ADDQ $64, R9
	ADDQ $64, BX
	DECQ CX
	JNZ  transout
	VZEROUPPER
	RET

// func convSumVec(sum *float32, v *float32, z int)
//
// Writes to the 16 values at sum the lane-wise sum of the z vectors at v
// (z ≥ 1), in four running sums added at the end.
TEXT ·convSumVec(SB), NOSPLIT, $0-24
	MOVQ   sum+0(FP), DI
	MOVQ   v+8(FP), SI
	MOVQ   z+16(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3

sum4:
	CMPQ   CX, $4
	JLT    sum1
	VADDPS (SI), Z0, Z0
	VADDPS 64(SI), Z1, Z1
	VADDPS 128(SI), Z2, Z2
	VADDPS 192(SI), Z3, Z3
	ADDQ   $256, SI
	SUBQ   $4, CX
	JMP    sum4

sum1:
	TESTQ  CX, CX
	JZ     sumdone
	VADDPS (SI), Z0, Z0
	ADDQ   $64, SI
	DECQ   CX
	JMP    sum1

sumdone:
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z2, Z0, Z0
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET
