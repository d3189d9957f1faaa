#include "textflag.h"

// AVX2 kernels of the batch-innermost convolution (conv_batch_amd64.go)
// for CPUs without AVX-512. They keep the AVX-512 kernels' layout, 16
// lanes a vector, as two YMM registers, and take the same arguments: a
// vector at a time where the AVX-512 kernels take four, within the 16
// registers. Each lane's sums run in the AVX-512 kernels' order, with the
// same fused multiply-adds, so the two compute the same values bit for
// bit. Go's operand order is the reverse of Intel's: VFMADD231PS a, b, c
// adds a·b to c.

// FMA2 adds the weight at m, broadcast through Y14, times Y12 and Y13 (a
// vector's two halves) to a0 and a1.
#define FMA2(m, a0, a1) \
	VBROADCASTSS m, Y14;      \
	VFMADD231PS  Y12, Y14, a0; \
	VFMADD231PS  Y13, Y14, a1

// DWACC moves the accumulators of filter f, taps t and t+1, at lane
// offset half (0 or 32 bytes) between acc (DI, nt taps a filter) and a0,
// a1 with op (LOADV or STOREV).
#define DWACC(op, nt, f, t, half, a0, a1) \
	op(((f*nt+t)*64+half)(DI), a0); \
	op(((f*nt+t+1)*64+half)(DI), a1)

#define LOADV(m, r) VMOVUPS m, r
#define STOREV(m, r) VMOVUPS r, m

// DWFMA adds the vector half of dz at m times the two taps' (Y12, Y13)
// to a0 and a1, through Y14.
#define DWFMA(m, a0, a1) \
	VMOVUPS     m, Y14;        \
	VFMADD231PS Y12, Y14, a0; \
	VFMADD231PS Y13, Y14, a1

// DWSTART points SI and DX at lane offset half of x and dz, R11 and R12
// at taps t and t+1's offsets, and CX at the z vectors.
#define DWSTART(t, half) \
	MOVQ z+40(FP), CX;   \
	MOVQ x+24(FP), SI;   \
	ADDQ $half, SI;      \
	MOVQ dz+8(FP), DX;   \
	ADDQ $half, DX;      \
	MOVQ (t*8)(BX), R11; \
	MOVQ (t*8+8)(BX), R12

// DWSTEP loads the two taps' vector halves into Y12 and Y13, and DWNEXT
// moves on to the next vector, looping to loop while there is one.
#define DWSTEP \
	VMOVUPS (SI)(R11*1), Y12; \
	VMOVUPS (SI)(R12*1), Y13

#define DWNEXT(loop) \
	ADDQ $64, SI; \
	ADDQ $64, DX; \
	DECQ CX;      \
	JNZ  loop

// DW4 is one pass of convDW4x6AVX2: taps t and t+1, lanes at half.
#define DW4(t, half, loop) \
	DWSTART(t, half);                       \
	DWACC(LOADV, 6, 0, t, half, Y0, Y1);    \
	DWACC(LOADV, 6, 1, t, half, Y2, Y3);    \
	DWACC(LOADV, 6, 2, t, half, Y4, Y5);    \
	DWACC(LOADV, 6, 3, t, half, Y6, Y7);    \
loop:                                       \
	DWSTEP;                                 \
	DWFMA((DX), Y0, Y1);                    \
	DWFMA((DX)(R8*1), Y2, Y3);              \
	DWFMA((DX)(R8*2), Y4, Y5);              \
	DWFMA((DX)(R10*1), Y6, Y7);             \
	DWNEXT(loop);                           \
	DWACC(STOREV, 6, 0, t, half, Y0, Y1);   \
	DWACC(STOREV, 6, 1, t, half, Y2, Y3);   \
	DWACC(STOREV, 6, 2, t, half, Y4, Y5);   \
	DWACC(STOREV, 6, 3, t, half, Y6, Y7)

// DW6 is one pass of convDW6x4AVX2.
#define DW6(t, half, loop) \
	DWSTART(t, half);                        \
	DWACC(LOADV, 4, 0, t, half, Y0, Y1);     \
	DWACC(LOADV, 4, 1, t, half, Y2, Y3);     \
	DWACC(LOADV, 4, 2, t, half, Y4, Y5);     \
	DWACC(LOADV, 4, 3, t, half, Y6, Y7);     \
	DWACC(LOADV, 4, 4, t, half, Y8, Y9);     \
	DWACC(LOADV, 4, 5, t, half, Y10, Y11);   \
loop:                                        \
	DWSTEP;                                  \
	DWFMA((DX), Y0, Y1);                     \
	DWFMA((DX)(R8*1), Y2, Y3);               \
	DWFMA((DX)(R8*2), Y4, Y5);               \
	DWFMA((DX)(R10*1), Y6, Y7);              \
	DWFMA((DX)(R8*4), Y8, Y9);               \
	DWFMA((DX)(R9*1), Y10, Y11);             \
	DWNEXT(loop);                            \
	DWACC(STOREV, 4, 0, t, half, Y0, Y1);    \
	DWACC(STOREV, 4, 1, t, half, Y2, Y3);    \
	DWACC(STOREV, 4, 2, t, half, Y4, Y5);    \
	DWACC(STOREV, 4, 3, t, half, Y6, Y7);    \
	DWACC(STOREV, 4, 4, t, half, Y8, Y9);    \
	DWACC(STOREV, 4, 5, t, half, Y10, Y11)

// DWSETUP loads acc, dzstride (R8), 3 and 5 times it (R10, R9) and taps.
#define DWSETUP \
	MOVQ acc+0(FP), DI;      \
	MOVQ dzstride+16(FP), R8; \
	LEAQ (R8)(R8*2), R10;    \
	LEAQ (R8)(R8*4), R9;     \
	MOVQ taps+32(FP), BX

// TRANSPOSE8 transposes the 8×8 matrix whose rows are Y0…Y7 into Y8…Y15:
// unpack pairs of rows, shuffle pairs of pairs, exchange 128-bit halves.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8;         \
	VUNPCKHPS  Y1, Y0, Y9;         \
	VUNPCKLPS  Y3, Y2, Y10;        \
	VUNPCKHPS  Y3, Y2, Y11;        \
	VUNPCKLPS  Y5, Y4, Y12;        \
	VUNPCKHPS  Y5, Y4, Y13;        \
	VUNPCKLPS  Y7, Y6, Y14;        \
	VUNPCKHPS  Y7, Y6, Y15;        \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xee, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xee, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xee, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xee, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8;  \
	VPERM2F128 $0x20, Y5, Y1, Y9;  \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

// STRIDED8 moves eight 8-float halves at off bytes into the rows p, p+s,
// …, p+7·s (R10 = 3s, R11 = 5s, R12 = 7s) with op, from or to r0…r7.
#define STRIDED8(op, p, off, s, r0, r1, r2, r3, r4, r5, r6, r7) \
	op(off(p), r0);        \
	op(off(p)(s*1), r1);   \
	op(off(p)(s*2), r2);   \
	op(off(p)(R10*1), r3); \
	op(off(p)(s*4), r4);   \
	op(off(p)(R11*1), r5); \
	op(off(p)(R10*2), r6); \
	op(off(p)(R12*1), r7)

// MAPPED8 moves eight 8-float halves between r0…r7 and p + off +
// 4·rows[f+j] (rows the int32s at BX), with op, through R13.
#define MAPPED8(op, p, off, f, r0, r1, r2, r3, r4, r5, r6, r7) \
	MOVLQSX (f*4)(BX), R13;    op(off(p)(R13*4), r0); \
	MOVLQSX (f*4+4)(BX), R13;  op(off(p)(R13*4), r1); \
	MOVLQSX (f*4+8)(BX), R13;  op(off(p)(R13*4), r2); \
	MOVLQSX (f*4+12)(BX), R13; op(off(p)(R13*4), r3); \
	MOVLQSX (f*4+16)(BX), R13; op(off(p)(R13*4), r4); \
	MOVLQSX (f*4+20)(BX), R13; op(off(p)(R13*4), r5); \
	MOVLQSX (f*4+24)(BX), R13; op(off(p)(R13*4), r6); \
	MOVLQSX (f*4+28)(BX), R13; op(off(p)(R13*4), r7)

#define LDY(m, r) VMOVUPS m, r
#define STY(m, r) VMOVUPS r, m

// GRADY loads into r the gradient where ReLU's output at m is > 0, and +0
// elsewhere: m is the output's address, and R14 holds the gradient's
// address less the output's. Y15 must be zero; through Y8 and R13.
#define GRADY(m, r) \
	VMOVUPS  m, Y8;      \
	VPCMPGTD Y15, Y8, Y8; \
	LEAQ     m, R13;     \
	VPAND    (R13)(R14*1), Y8, r

// TRANSIN8 moves one quarter of a 16×16 block: the samples p, p+s, …
// (p a register)
// (their values off … off+32 bytes), through TRANSPOSE8, to the lanes
// at lane offset lane of the features f … f+7; with LD LDY or, for
// ReLU's gradient, GRADY on the output's rows.
#define TRANSIN8(LD, p, off, f, lane) \
	STRIDED8(LD, p, off, R8, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7); \
	TRANSPOSE8;                                              \
	MAPPED8(STY, DI, lane, f, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15)

// RELUY sets r to max(r, 0) as Go's max computes it (a NaN comes out
// with its sign cleared), with Y0 zero and Y1 0x7fffffff, through Y2
// and Y3.
#define RELUY(r) \
	VCMPPS    $3, r, r, Y2;   \
	VANDPS    Y1, r, Y3;      \
	VMAXPS    Y0, r, r;       \
	VBLENDVPS Y2, Y3, r, r

#define RELU8 \
	VXORPS       Y0, Y0, Y0; \
	MOVL         $0x7fffffff, AX; \
	MOVD         AX, X1;     \
	VPBROADCASTD X1, Y1;     \
	RELUY(Y8);               \
	RELUY(Y9);               \
	RELUY(Y10);              \
	RELUY(Y11);              \
	RELUY(Y12);              \
	RELUY(Y13);              \
	RELUY(Y14);              \
	RELUY(Y15)

#define NORELU8 VMOVAPS Y8, Y8

// TRANSOUT8 moves one quarter of a 16×16 block back: the lanes at lane
// offset lane of the features f … f+7, through TRANSPOSE8 and POST, to
// the samples' rows p, p+s, … at off bytes.
#define TRANSOUT8(POST, p, off, f, lane) \
	MAPPED8(LDY, SI, lane, f, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7); \
	TRANSPOSE8;                                               \
	POST;                                                     \
	STRIDED8(STY, p, off, R8, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15)

// func convFwd6AVX2(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)
//
// convFwd6 with AVX2: 6 filters, a vector at a time in 12 accumulators.
TEXT ·convFwd6AVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ ostride+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ z+24(FP), CX
	MOVQ w+32(FP), DX
	MOVQ taps+40(FP), BX
	MOVQ k+48(FP), R9
	MOVQ bias+56(FP), R10
	LEAQ (R8)(R8*2), R11 // 3·ostride

fwd6vec:
	TESTQ CX, CX
	JZ    fwd6done
	VBROADCASTSS 0(R10), Y0
	VMOVAPS      Y0, Y1
	VBROADCASTSS 4(R10), Y2
	VMOVAPS      Y2, Y3
	VBROADCASTSS 8(R10), Y4
	VMOVAPS      Y4, Y5
	VBROADCASTSS 12(R10), Y6
	VMOVAPS      Y6, Y7
	VBROADCASTSS 16(R10), Y8
	VMOVAPS      Y8, Y9
	VBROADCASTSS 20(R10), Y10
	VMOVAPS      Y10, Y11
	MOVQ BX, R13
	MOVQ DX, R14
	MOVQ R9, AX

fwd6tap:
	MOVQ    (R13), R12
	VMOVUPS (SI)(R12*1), Y12
	VMOVUPS 32(SI)(R12*1), Y13
	FMA2(0(R14), Y0, Y1)
	FMA2(4(R14), Y2, Y3)
	FMA2(8(R14), Y4, Y5)
	FMA2(12(R14), Y6, Y7)
	FMA2(16(R14), Y8, Y9)
	FMA2(20(R14), Y10, Y11)
	ADDQ $8, R13
	ADDQ $24, R14
	DECQ AX
	JNZ  fwd6tap

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, (DI)(R8*1)
	VMOVUPS Y3, 32(DI)(R8*1)
	VMOVUPS Y4, (DI)(R8*2)
	VMOVUPS Y5, 32(DI)(R8*2)
	VMOVUPS Y6, (DI)(R11*1)
	VMOVUPS Y7, 32(DI)(R11*1)
	VMOVUPS Y8, (DI)(R8*4)
	VMOVUPS Y9, 32(DI)(R8*4)
	LEAQ    (DI)(R8*4), AX
	VMOVUPS Y10, (AX)(R8*1)
	VMOVUPS Y11, 32(AX)(R8*1)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JMP     fwd6vec

fwd6done:
	VZEROUPPER
	RET

// func convFwd4AVX2(out *float32, ostride int, x *float32, z int, w *float32, taps *int, k int, bias *float32)
//
// convFwd4 with AVX2: 4 filters, a vector at a time in 8 accumulators.
TEXT ·convFwd4AVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ ostride+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ z+24(FP), CX
	MOVQ w+32(FP), DX
	MOVQ taps+40(FP), BX
	MOVQ k+48(FP), R9
	MOVQ bias+56(FP), R10
	LEAQ (R8)(R8*2), R11 // 3·ostride

fwd4vec:
	TESTQ CX, CX
	JZ    fwd4done
	VBROADCASTSS 0(R10), Y0
	VMOVAPS      Y0, Y1
	VBROADCASTSS 4(R10), Y2
	VMOVAPS      Y2, Y3
	VBROADCASTSS 8(R10), Y4
	VMOVAPS      Y4, Y5
	VBROADCASTSS 12(R10), Y6
	VMOVAPS      Y6, Y7
	MOVQ BX, R13
	MOVQ DX, R14
	MOVQ R9, AX

fwd4tap:
	MOVQ    (R13), R12
	VMOVUPS (SI)(R12*1), Y12
	VMOVUPS 32(SI)(R12*1), Y13
	FMA2(0(R14), Y0, Y1)
	FMA2(4(R14), Y2, Y3)
	FMA2(8(R14), Y4, Y5)
	FMA2(12(R14), Y6, Y7)
	ADDQ $8, R13
	ADDQ $16, R14
	DECQ AX
	JNZ  fwd4tap

	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, (DI)(R8*1)
	VMOVUPS Y3, 32(DI)(R8*1)
	VMOVUPS Y4, (DI)(R8*2)
	VMOVUPS Y5, 32(DI)(R8*2)
	VMOVUPS Y6, (DI)(R11*1)
	VMOVUPS Y7, 32(DI)(R11*1)
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JMP     fwd4vec

fwd4done:
	VZEROUPPER
	RET

// func convDW4x6AVX2(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)
//
// convDW4x6 with AVX2: for each half of the lanes and each pair of taps,
// the four filters' sums with the two taps in 8 accumulators over the z
// vectors (z ≥ 1), each lane's in the same order.
TEXT ·convDW4x6AVX2(SB), NOSPLIT, $0-48
	DWSETUP
	DW4(0, 0, dw46a)
	DW4(2, 0, dw46b)
	DW4(4, 0, dw46c)
	DW4(0, 32, dw46d)
	DW4(2, 32, dw46e)
	DW4(4, 32, dw46f)
	VZEROUPPER
	RET

// func convDW6x4AVX2(acc *float32, dz *float32, dzstride int, x *float32, taps *int, z int)
//
// convDW6x4 with AVX2, as convDW4x6AVX2 with 12 accumulators.
TEXT ·convDW6x4AVX2(SB), NOSPLIT, $0-48
	DWSETUP
	DW6(0, 0, dw64a)
	DW6(2, 0, dw64b)
	DW6(0, 32, dw64c)
	DW6(2, 32, dw64d)
	VZEROUPPER
	RET

// func convDX6AVX2(dx *float32, taps *int, z int, dz *float32, dzstride int, f int, w *float32)
//
// convDX6 with AVX2: a vector of the six streams at a time in 12
// accumulators.
TEXT ·convDX6AVX2(SB), NOSPLIT, $0-56
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

dx6vec:
	TESTQ CX, CX
	JZ    dx6done
	VMOVUPS (R9), Y0
	VMOVUPS 32(R9), Y1
	VMOVUPS (R10), Y2
	VMOVUPS 32(R10), Y3
	VMOVUPS (R11), Y4
	VMOVUPS 32(R11), Y5
	VMOVUPS (R12), Y6
	VMOVUPS 32(R12), Y7
	VMOVUPS (R13), Y8
	VMOVUPS 32(R13), Y9
	VMOVUPS (R14), Y10
	VMOVUPS 32(R14), Y11
	MOVQ DI, SI
	MOVQ DX, AX
	MOVQ f+40(FP), BX

dx6filter:
	VMOVUPS (SI), Y12
	VMOVUPS 32(SI), Y13
	FMA2(0(AX), Y0, Y1)
	FMA2(4(AX), Y2, Y3)
	FMA2(8(AX), Y4, Y5)
	FMA2(12(AX), Y6, Y7)
	FMA2(16(AX), Y8, Y9)
	FMA2(20(AX), Y10, Y11)
	ADDQ R8, SI
	ADDQ $24, AX
	DECQ BX
	JNZ  dx6filter

	VMOVUPS Y0, (R9)
	VMOVUPS Y1, 32(R9)
	VMOVUPS Y2, (R10)
	VMOVUPS Y3, 32(R10)
	VMOVUPS Y4, (R11)
	VMOVUPS Y5, 32(R11)
	VMOVUPS Y6, (R12)
	VMOVUPS Y7, 32(R12)
	VMOVUPS Y8, (R13)
	VMOVUPS Y9, 32(R13)
	VMOVUPS Y10, (R14)
	VMOVUPS Y11, 32(R14)
	ADDQ    $64, DI
	ADDQ    $64, R9
	ADDQ    $64, R10
	ADDQ    $64, R11
	ADDQ    $64, R12
	ADDQ    $64, R13
	ADDQ    $64, R14
	DECQ    CX
	JMP     dx6vec

dx6done:
	VZEROUPPER
	RET

// func convTransInAVX2(dst *float32, rows *int32, src *float32, sstride int, nq int, h *float32)
//
// convTransIn with AVX2, a 16×16 block as four 8×8 ones.
TEXT ·convTransInAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ sstride+24(FP), R8
	MOVQ nq+32(FP), CX
	MOVQ h+40(FP), AX
	LEAQ (R8)(R8*2), R10
	LEAQ (R8)(R8*4), R11
	LEAQ (R10)(R8*4), R12
	LEAQ (SI)(R8*8), R9
	LEAQ (AX)(R8*8), DX
	MOVQ SI, R14
	SUBQ AX, R14 // src − h, for GRADY
	VPXOR Y15, Y15, Y15
	TESTQ AX, AX
	JNZ   transinrelu

transin:
	TRANSIN8(LDY, SI, 0, 0, 0)
	TRANSIN8(LDY, SI, 32, 8, 0)
	TRANSIN8(LDY, R9, 0, 0, 32)
	TRANSIN8(LDY, R9, 32, 8, 32)
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, BX
	DECQ CX
	JNZ  transin
	VZEROUPPER
	RET

transinrelu:
	VPXOR Y15, Y15, Y15
	TRANSIN8(GRADY, AX, 0, 0, 0)
	VPXOR Y15, Y15, Y15
	TRANSIN8(GRADY, AX, 32, 8, 0)
	VPXOR Y15, Y15, Y15
	TRANSIN8(GRADY, DX, 0, 0, 32)
	VPXOR Y15, Y15, Y15
	TRANSIN8(GRADY, DX, 32, 8, 32)
	ADDQ $64, AX
	ADDQ $64, DX
	ADDQ $64, BX
	DECQ CX
	JNZ  transinrelu
	VZEROUPPER
	RET

// func convTransOutAVX2(dst *float32, dstride int, src *float32, rows *int32, nq int, relu bool)
//
// convTransOut with AVX2, a 16×16 block as four 8×8 ones.
TEXT ·convTransOutAVX2(SB), NOSPLIT, $0-41
	MOVQ    dst+0(FP), DI
	MOVQ    dstride+8(FP), R8
	MOVQ    src+16(FP), SI
	MOVQ    rows+24(FP), BX
	MOVQ    nq+32(FP), CX
	MOVBLZX relu+40(FP), DX
	LEAQ    (R8)(R8*2), R10
	LEAQ    (R8)(R8*4), R11
	LEAQ    (R10)(R8*4), R12
	LEAQ    (DI)(R8*8), R9
	TESTQ   DX, DX
	JNZ     transoutrelu

transout:
	TRANSOUT8(NORELU8, DI, 0, 0, 0)
	TRANSOUT8(NORELU8, DI, 32, 8, 0)
	TRANSOUT8(NORELU8, R9, 0, 0, 32)
	TRANSOUT8(NORELU8, R9, 32, 8, 32)
	ADDQ $64, DI
	ADDQ $64, R9
	ADDQ $64, BX
	DECQ CX
	JNZ  transout
	VZEROUPPER
	RET

transoutrelu:
	TRANSOUT8(RELU8, DI, 0, 0, 0)
	TRANSOUT8(RELU8, DI, 32, 8, 0)
	TRANSOUT8(RELU8, R9, 0, 0, 32)
	TRANSOUT8(RELU8, R9, 32, 8, 32)
	ADDQ $64, DI
	ADDQ $64, R9
	ADDQ $64, BX
	DECQ CX
	JNZ  transoutrelu
	VZEROUPPER
	RET
