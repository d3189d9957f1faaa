#include "textflag.h"

// AVX-512 kernels of 2×2 max pooling (pool.go), sixteen windows at a
// time: the window's four values a, b (top row) and c, d (bottom row) are
// gathered from two pairs of vectors of the input's rows by VPERMT2PS.

// Indices of the even and odd values of two vectors, and of the first
// and second halves of two vectors interleaved.
DATA poolEven<>+0(SB)/4, $0
DATA poolEven<>+4(SB)/4, $2
DATA poolEven<>+8(SB)/4, $4
DATA poolEven<>+12(SB)/4, $6
DATA poolEven<>+16(SB)/4, $8
DATA poolEven<>+20(SB)/4, $10
DATA poolEven<>+24(SB)/4, $12
DATA poolEven<>+28(SB)/4, $14
DATA poolEven<>+32(SB)/4, $16
DATA poolEven<>+36(SB)/4, $18
DATA poolEven<>+40(SB)/4, $20
DATA poolEven<>+44(SB)/4, $22
DATA poolEven<>+48(SB)/4, $24
DATA poolEven<>+52(SB)/4, $26
DATA poolEven<>+56(SB)/4, $28
DATA poolEven<>+60(SB)/4, $30
GLOBL poolEven<>(SB), RODATA, $64

DATA poolLow<>+0(SB)/4, $0
DATA poolLow<>+4(SB)/4, $16
DATA poolLow<>+8(SB)/4, $1
DATA poolLow<>+12(SB)/4, $17
DATA poolLow<>+16(SB)/4, $2
DATA poolLow<>+20(SB)/4, $18
DATA poolLow<>+24(SB)/4, $3
DATA poolLow<>+28(SB)/4, $19
DATA poolLow<>+32(SB)/4, $4
DATA poolLow<>+36(SB)/4, $20
DATA poolLow<>+40(SB)/4, $5
DATA poolLow<>+44(SB)/4, $21
DATA poolLow<>+48(SB)/4, $6
DATA poolLow<>+52(SB)/4, $22
DATA poolLow<>+56(SB)/4, $7
DATA poolLow<>+60(SB)/4, $23
GLOBL poolLow<>(SB), RODATA, $64

// poolMasks sets K1 and K2 to the input masks of the first and second
// vector of a row for the rem (1…16) windows in CX (2·rem values), and
// K3 to the mask of the rem outputs, using AX.
#define POOLMASKS \
	MOVQ  $1, AX;    \
	SHLQ  CX, AX;    \
	DECQ  AX;        \
	KMOVW AX, K3;    \
	MOVQ  $1, AX;    \
	SHLQ  CX, AX;    \
	SHLQ  CX, AX;    \
	DECQ  AX;        \
	KMOVW AX, K1;    \
	SHRQ  $16, AX;   \
	KMOVW AX, K2

// GOMAX sets m to Go's max(p, q): NaN if either is, which VMAXPS alone
// is not when p is NaN. (Unlike Go's, it may give −0 for +0 and −0.)
#define GOMAX(p, q, m) \
	VMAXPS    q, p, m;      \
	VCMPPS    $3, p, p, K4; \
	VMOVAPS   p, K4, m

// func poolMax2Vec(y *float32, code *uint8, x *float32, w, ow, oh, planes, plane int)
//
// For each of the planes (plane values apart in x, oh·ow apart in y and
// code) and each of its oh pairs of rows (w values long): writes the
// maximum of each of the ow 2×2 windows to y and which of a, b, c, d it
// is (0…3) to code: the first, as PyTorch picks, when several are equal;
// the one before any NaN (whose maximum is NaN) otherwise.
TEXT ·poolMax2Vec(SB), NOSPLIT, $0-64
	MOVQ y+0(FP), DI
	MOVQ code+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), R8
	SHLQ $2, R8 // row length in bytes
	MOVQ planes+48(FP), R11
	MOVQ plane+56(FP), R12
	SHLQ $2, R12

	VMOVUPS      poolEven<>(SB), Z28
	MOVL         $1, AX
	VPBROADCASTD AX, Z29
	VPADDD       Z29, Z28, Z29 // the odd indices
	MOVL         $1, AX
	VPBROADCASTD AX, Z25
	MOVL         $2, AX
	VPBROADCASTD AX, Z26
	MOVL         $3, AX
	VPBROADCASTD AX, Z27

maxplane:
	MOVQ SI, R13 // this plane's first row
	MOVQ oh+40(FP), R9

maxpair:
	MOVQ R13, BX // the pair's first window
	MOVQ ow+32(FP), R10

maxchunk:
	MOVQ   $16, CX
	CMPQ   R10, CX
	CMOVQLT R10, CX
	POOLMASKS
	VMOVUPS.Z   (BX), K1, Z0
	VMOVUPS.Z   64(BX), K2, Z1
	VMOVUPS.Z   (BX)(R8*1), K1, Z2
	VMOVUPS.Z   64(BX)(R8*1), K2, Z3
	VMOVAPS     Z0, Z4
	VPERMT2PS   Z1, Z28, Z4 // a
	VMOVAPS     Z0, Z5
	VPERMT2PS   Z1, Z29, Z5 // b
	VMOVAPS     Z2, Z6
	VPERMT2PS   Z3, Z28, Z6 // c
	VMOVAPS     Z2, Z7
	VPERMT2PS   Z3, Z29, Z7 // d

	VPXORD      Z8, Z8, Z8    // code
	VCMPPS      $0x1e, Z4, Z5, K5 // b > a
	VMOVDQA32   Z25, K5, Z8
	GOMAX(Z4, Z5, Z9)
	VCMPPS      $0x1e, Z9, Z6, K5 // c > best
	VMOVDQA32   Z26, K5, Z8
	GOMAX(Z9, Z6, Z10)
	VCMPPS      $0x1e, Z10, Z7, K5 // d > best
	VMOVDQA32   Z27, K5, Z8
	GOMAX(Z10, Z7, Z11)

	VMOVUPS Z11, K3, (DI)
	VPMOVDB Z8, K3, (DX)
	LEAQ    (DI)(CX*4), DI
	ADDQ    CX, DX
	ADDQ    $128, BX
	SUBQ    CX, R10
	JNZ     maxchunk

	LEAQ (R13)(R8*2), R13
	DECQ R9
	JNZ  maxpair
	ADDQ R12, SI
	DECQ R11
	JNZ  maxplane
	VZEROUPPER
	RET

// func poolMax2VecGrad(dx *float32, dy *float32, code *uint8, w, ow, oh, planes, plane int)
//
// The gradient of poolMax2Vec: each window's gradient dy goes to the value
// its code names and zero to the other three, written over dx's 2·oh rows
// of 2·ow values of each plane; the rest of dx is not written.
TEXT ·poolMax2VecGrad(SB), NOSPLIT, $0-64
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ code+16(FP), DX
	MOVQ w+24(FP), R8
	SHLQ $2, R8
	MOVQ planes+48(FP), R11
	MOVQ plane+56(FP), R12
	SHLQ $2, R12

	VMOVUPS      poolLow<>(SB), Z28
	MOVL         $8, AX
	VPBROADCASTD AX, Z29
	VPADDD       Z29, Z28, Z29 // the second halves
	VPXORD       Z24, Z24, Z24
	MOVL         $1, AX
	VPBROADCASTD AX, Z25
	MOVL         $2, AX
	VPBROADCASTD AX, Z26
	MOVL         $3, AX
	VPBROADCASTD AX, Z27

gradplane:
	MOVQ DI, R13
	MOVQ oh+40(FP), R9

gradpair:
	MOVQ R13, BX
	MOVQ ow+32(FP), R10

gradchunk:
	MOVQ    $16, CX
	CMPQ    R10, CX
	CMOVQLT R10, CX
	POOLMASKS
	VMOVUPS.Z   (SI), K3, Z0
	VPMOVZXBD.Z (DX), K3, Z1
	VPCMPEQD    Z24, Z1, K5
	VMOVAPS.Z   Z0, K5, Z4 // to a
	VPCMPEQD    Z25, Z1, K5
	VMOVAPS.Z   Z0, K5, Z5 // to b
	VPCMPEQD    Z26, Z1, K5
	VMOVAPS.Z   Z0, K5, Z6 // to c
	VPCMPEQD    Z27, Z1, K5
	VMOVAPS.Z   Z0, K5, Z7 // to d
	VMOVAPS     Z4, Z8
	VPERMT2PS   Z5, Z28, Z8
	VPERMT2PS   Z5, Z29, Z4
	VMOVAPS     Z6, Z9
	VPERMT2PS   Z7, Z28, Z9
	VPERMT2PS   Z7, Z29, Z6
	VMOVUPS     Z8, K1, (BX)
	VMOVUPS     Z4, K2, 64(BX)
	VMOVUPS     Z9, K1, (BX)(R8*1)
	VMOVUPS     Z6, K2, 64(BX)(R8*1)
	LEAQ        (SI)(CX*4), SI
	ADDQ        CX, DX
	ADDQ        $128, BX
	SUBQ        CX, R10
	JNZ         gradchunk

	LEAQ (R13)(R8*2), R13
	DECQ R9
	JNZ  gradpair
	ADDQ R12, DI
	DECQ R11
	JNZ  gradplane
	VZEROUPPER
	RET
