#include "textflag.h"
#include "relu_amd64.h"

// AVX-512 kernels of batch normalisation (norm.go) and the residual add
// (add.go): the elementwise passes 16 float32s a vector, the sums 4
// float64s a vector. Each computes what the Go loop it stands for
// computes, operation by operation and in the same order, with no fused
// multiply-adds, so that the results are the same bit for bit. Go's
// operand order is the reverse of Intel's. A loop body takes the load
// and store macros it is to use, and what to do to the result before it
// is stored: whole vectors, or the last 1–15 values under the mask K1;
// the value as it is, or through ReLU.

#define LDFULL(m, r) VMOVUPS m, r
#define LDTAIL(m, r) VMOVUPS.Z m, K1, r
#define STFULL(r, m) VMOVUPS r, m
#define STTAIL(r, m) VMOVUPS r, K1, m
#define ASIS(r) VMOVAPS r, r
#define RELUTO(r) RELU(r, Z1, K3); VMOVAPS Z1, r

// TAILMASK sets K1 to the low CX bits (CX < 16), through AX.
#define TAILMASK \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX;     \
	KMOVW AX, K1

// ELEMENTWISE runs BODY(load, store, POST) over CX values, 16 at a time
// and then the last 1–15 under K1, moving SI, DI, DX and R8 (whichever
// the body reads and writes) on by a vector each time, and jumps to done.
#define ELEMENTWISE(BODY, POST, loop, tail, done) \
loop:                                 \
	CMPQ CX, $16;                     \
	JLT  tail;                        \
	BODY(LDFULL, STFULL, POST);       \
	ADDQ $64, SI;                     \
	ADDQ $64, DI;                     \
	ADDQ $64, DX;                     \
	ADDQ $64, R8;                     \
	SUBQ $16, CX;                     \
	JMP  loop;                        \
tail:                                 \
	TESTQ CX, CX;                     \
	JZ    done;                       \
	TAILMASK;                         \
	BODY(LDTAIL, STTAIL, POST);       \
	JMP   done

// AFFINE stores x·Z28 + Z29 to DI, x the vector at SI.
#define AFFINE(LD, ST, POST) \
	LD((SI), Z0);       \
	VMULPS Z28, Z0, Z0; \
	VADDPS Z29, Z0, Z0; \
	POST(Z0);           \
	ST(Z0, (DI))

// func bnAffineVec(y, x *float32, n int, scale, shift float32, relu bool)
//
// y = x·scale + shift for n values, then max(y, 0) with relu.
TEXT ·bnAffineVec(SB), NOSPLIT, $0-33
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS scale+24(FP), Z28
	VBROADCASTSS shift+28(FP), Z29
	ZEROS
	CMPB         relu+32(FP), $0
	JNE          affinerelu

	ELEMENTWISE(AFFINE, ASIS, affine, affinetail, affinedone)

affinerelu:
	ELEMENTWISE(AFFINE, RELUTO, affinerelu1, affinerelutail, affinedone)

affinedone:
	VZEROUPPER
	RET

// SUM stores a + b to DI, a and b the vectors at SI and DX.
#define SUM(LD, ST, POST) \
	LD((SI), Z0);      \
	LD((DX), Z2);      \
	VADDPS Z2, Z0, Z0; \
	POST(Z0);          \
	ST(Z0, (DI))

// func addVec(y, a, b *float32, n int, relu bool)
//
// y = a + b for n values, then max(y, 0) with relu.
TEXT ·addVec(SB), NOSPLIT, $0-33
	MOVQ y+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	ZEROS
	CMPB relu+32(FP), $0
	JNE  addrelu

	ELEMENTWISE(SUM, ASIS, add, addtail, adddone)

addrelu:
	ELEMENTWISE(SUM, RELUTO, addrelu1, addrelutail, adddone)

adddone:
	VZEROUPPER
	RET

// GRADX stores ((dy − Z25) − (x − Z26)·Z27)·Z28 to DI, with dy at R8
// (masked already into Z0 by the caller when the ReLU applies) and x at
// SI.
#define GRADX(LD, ST) \
	LD((SI), Z2);       \
	VSUBPS Z25, Z0, Z0; \
	VSUBPS Z26, Z2, Z2; \
	VMULPS Z27, Z2, Z2; \
	VSUBPS Z2, Z0, Z0;  \
	VMULPS Z28, Z0, Z0; \
	ST(Z0, (DI))

// GRADPLAIN and GRADMASKED are GRADX's bodies: with dy as it is, or
// where ReLU's output at DX is > 0, and +0 elsewhere, through Z16 and
// K2 (Z31 must be zero).
#define GRADPLAIN(LD, ST, POST) \
	LD((R8), Z0);   \
	GRADX(LD, ST)

#define GRADMASKED(LD, ST, POST) \
	LD((DX), Z16);          \
	VPCMPGTD  Z31, Z16, K2; \
	VMOVUPS.Z (R8), K2, Z0; \
	GRADX(LD, ST)

// func bnGradXVec(dx, dy, x, h *float32, n int, meanDy, mean, k, scale float32)
//
// dx = ((dy − meanDy) − (x − mean)·k)·scale for n values, dy being
// zeroed first where ReLU's output h is not > 0 unless h is nil.
TEXT ·bnGradXVec(SB), NOSPLIT, $0-56
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), R8
	MOVQ         x+16(FP), SI
	MOVQ         h+24(FP), DX
	MOVQ         n+32(FP), CX
	VBROADCASTSS meanDy+40(FP), Z25
	VBROADCASTSS mean+44(FP), Z26
	VBROADCASTSS k+48(FP), Z27
	VBROADCASTSS scale+52(FP), Z28
	VPXORD       Z31, Z31, Z31
	TESTQ        DX, DX
	JNZ          gradxrelu

	ELEMENTWISE(GRADPLAIN, ASIS, gradx, gradxtail, gradxdone)

gradxrelu:
	ELEMENTWISE(GRADMASKED, ASIS, gradxrelu1, gradxrelutail, gradxdone)

gradxdone:
	VZEROUPPER
	RET

// HSUM4 sets X5 to ((X5 + y₁) + y₂) + y₃ for the lanes y₁…y₃ of Y (its
// lane 0 having been added into X5 already), through X6 and X7.
#define HSUM4(Y, X) \
	VPERMILPD    $1, X, X7; \
	VADDSD       X7, X5, X5; \
	VEXTRACTF128 $1, Y, X6;  \
	VADDSD       X6, X5, X5; \
	VPERMILPD    $1, X6, X6; \
	VADDSD       X6, X5, X5

// func bnMomentsVec(x *float32, n int, k float64) (s, q float64)
//
// bnMoments: Σ(x − k) and Σ(x − k)² in four running sums of each, value
// i going to sum i mod 4 and the last n mod 4 values to sum 0, added
// left to right.
TEXT ·bnMomentsVec(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD k+16(FP), Y4
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1

moments:
	CMPQ      CX, $4
	JLT       momentstail
	VCVTPS2PD (SI), Y2
	VSUBPD    Y4, Y2, Y2
	VADDPD    Y2, Y0, Y0
	VMULPD    Y2, Y2, Y2
	VADDPD    Y2, Y1, Y1
	ADDQ      $16, SI
	SUBQ      $4, CX
	JMP       moments

momentstail:
	VMOVAPD X0, X5 // sum 0, which takes the last values
	VMOVAPD X1, X8

momentstail1:
	TESTQ     CX, CX
	JZ        momentsdone
	VCVTSS2SD (SI), X2, X2
	VSUBSD    X4, X2, X2
	VADDSD    X2, X5, X5
	VMULSD    X2, X2, X2
	VADDSD    X2, X8, X8
	ADDQ      $4, SI
	DECQ      CX
	JMP       momentstail1

momentsdone:
	HSUM4(Y0, X0)
	MOVSD   X5, s+24(FP)
	VMOVAPD X8, X5
	HSUM4(Y1, X1)
	MOVSD   X5, q+32(FP)
	VZEROUPPER
	RET

// func bnGradSumsVec(dy, x, h *float32, n int, mu float64) (s, sx float64)
//
// bnGradSums: Σ dy and Σ dy·(x − μ), summed as bnMomentsVec sums, dy
// being zeroed first where ReLU's output h is not > 0 unless h is nil.
TEXT ·bnGradSumsVec(SB), NOSPLIT, $0-56
	MOVQ         dy+0(FP), R8
	MOVQ         x+8(FP), SI
	MOVQ         h+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSD mu+32(FP), Y4
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VPXOR        X9, X9, X9

gradsums:
	CMPQ    CX, $4
	JLT     gradsumstail
	VMOVUPS (R8), X2
	TESTQ   DX, DX
	JZ      gradsums1
	VMOVUPS (DX), X3
	VPCMPGTD X9, X3, X3 // all ones where h > 0
	VPAND   X3, X2, X2
	ADDQ    $16, DX

gradsums1:
	VCVTPS2PD X2, Y2
	VADDPD    Y2, Y0, Y0
	VCVTPS2PD (SI), Y3
	VSUBPD    Y4, Y3, Y3
	VMULPD    Y3, Y2, Y3
	VADDPD    Y3, Y1, Y1
	ADDQ      $16, R8
	ADDQ      $16, SI
	SUBQ      $4, CX
	JMP       gradsums

gradsumstail:
	VMOVAPD X0, X5
	VMOVAPD X1, X8

gradsumstail1:
	TESTQ   CX, CX
	JZ      gradsumsdone
	VMOVSS  (R8), X2
	TESTQ   DX, DX
	JZ      gradsumstail2
	VMOVSS  (DX), X3
	VPCMPGTD X9, X3, X3
	VPAND   X3, X2, X2
	ADDQ    $4, DX

gradsumstail2:
	VCVTSS2SD X2, X2, X2
	VADDSD    X2, X5, X5
	VCVTSS2SD (SI), X3, X3
	VSUBSD    X4, X3, X3
	VMULSD    X3, X2, X3
	VADDSD    X3, X8, X8
	ADDQ      $4, R8
	ADDQ      $4, SI
	DECQ      CX
	JMP       gradsumstail1

gradsumsdone:
	HSUM4(Y0, X0)
	MOVSD   X5, s+40(FP)
	VMOVAPD X8, X5
	HSUM4(Y1, X1)
	MOVSD   X5, sx+48(FP)
	VZEROUPPER
	RET
