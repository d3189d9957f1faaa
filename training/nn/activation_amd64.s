#include "textflag.h"
#include "relu_amd64.h"

// AVX-512 kernels of ReLU (activation.go), 16 values a vector, four
// vectors a loop, then one, then the last 1–15 values under a mask.
// Go's operand order is the reverse of Intel's.

// TAILMASK sets K1 to the low CX bits (CX < 16), through AX.
#define TAILMASK \
	MOVL  $1, AX;  \
	SHLL  CX, AX;  \
	DECL  AX;      \
	KMOVW AX, K1

// func reluFwdVec(h, z *float32, n int)
TEXT ·reluFwdVec(SB), NOSPLIT, $0-24
	MOVQ   h+0(FP), DI
	MOVQ   z+8(FP), SI
	MOVQ   n+16(FP), CX
	ZEROS

fwd4:
	CMPQ    CX, $64
	JLT     fwd1
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	RELU(Z0, Z4, K3)
	RELU(Z1, Z5, K4)
	RELU(Z2, Z6, K5)
	RELU(Z3, Z7, K6)
	VMOVUPS Z4, (DI)
	VMOVUPS Z5, 64(DI)
	VMOVUPS Z6, 128(DI)
	VMOVUPS Z7, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     fwd4

fwd1:
	CMPQ    CX, $16
	JLT     fwdtail
	VMOVUPS (SI), Z0
	RELU(Z0, Z4, K3)
	VMOVUPS Z4, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     fwd1

fwdtail:
	TESTQ CX, CX
	JZ    fwddone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	RELU(Z0, Z4, K3)
	VMOVUPS   Z4, K1, (DI)

fwddone:
	VZEROUPPER
	RET

// func reluBwdVec(dz, z, dh *float32, n int)
TEXT ·reluBwdVec(SB), NOSPLIT, $0-32
	MOVQ   dz+0(FP), DI
	MOVQ   z+8(FP), SI
	MOVQ   dh+16(FP), DX
	MOVQ   n+24(FP), CX
	VPXORD Z31, Z31, Z31

bwd4:
	CMPQ    CX, $64
	JLT     bwd1
	RELUGRAD((SI), (DX), Z0, K2)
	RELUGRAD(64(SI), 64(DX), Z1, K2)
	RELUGRAD(128(SI), 128(DX), Z2, K2)
	RELUGRAD(192(SI), 192(DX), Z3, K2)
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DX
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     bwd4

bwd1:
	CMPQ    CX, $16
	JLT     bwdtail
	RELUGRAD((SI), (DX), Z0, K2)
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     bwd1

bwdtail:
	TESTQ CX, CX
	JZ    bwddone
	TAILMASK
	VMOVUPS.Z (SI), K1, Z17
	RELUGRAD(Z17, (DX), Z0, K2)
	VMOVUPS   Z0, K1, (DI)

bwddone:
	VZEROUPPER
	RET
