#include "textflag.h"

// func adamAVX2(p, grad, m, v *float32, n int, k *adamConsts)
//
// One Adam/AdamW step over n elements (n a multiple of 8), eight at a time
// with AVX2 and FMA, flushing denormals to zero (MXCSR FTZ and DAZ) for the
// duration of the call and restoring MXCSR before returning. Per element:
//   pj = p*decay, d = g + l2*pj
//   m = beta1*m + (1-beta1)*d, v = beta2*v + (1-beta2)*d*d
//   p = pj - step*m / (sqrt(v)*invBC2 + eps)
TEXT ·adamAVX2(SB), NOSPLIT, $8-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX

	STMXCSR saved-4(SP)
	MOVL    saved-4(SP), BX
	ORL     $0x8040, BX
	MOVL    BX, ftz-8(SP)
	LDMXCSR ftz-8(SP)

	VBROADCASTSS 0(AX), Y0  // decay
	VBROADCASTSS 4(AX), Y1  // l2
	VBROADCASTSS 8(AX), Y2  // beta1
	VBROADCASTSS 12(AX), Y3 // 1-beta1
	VBROADCASTSS 16(AX), Y4 // beta2
	VBROADCASTSS 20(AX), Y5 // 1-beta2
	VBROADCASTSS 24(AX), Y6 // 1/sqrt(1-beta2^t)
	VBROADCASTSS 28(AX), Y7 // eps
	VBROADCASTSS 32(AX), Y8 // lr/(1-beta1^t)

loop:
	CMPQ CX, $8
	JL   done
	VMULPS      (DI), Y0, Y9   // pj
	VMOVUPS     (SI), Y10
	VFMADD231PS Y9, Y1, Y10    // d = g + l2*pj
	VMULPS      (R8), Y2, Y11
	VFMADD231PS Y10, Y3, Y11   // m
	VMOVUPS     Y11, (R8)
	VMULPS      Y10, Y10, Y12  // d*d
	VMULPS      (R9), Y4, Y13
	VFMADD231PS Y12, Y5, Y13   // v
	VMOVUPS     Y13, (R9)
	VSQRTPS     Y13, Y14
	VFMADD213PS Y7, Y6, Y14    // sqrt(v)*invBC2 + eps
	VMULPS      Y11, Y8, Y15   // step*m
	VDIVPS      Y14, Y15, Y15
	VSUBPS      Y15, Y9, Y9
	VMOVUPS     Y9, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $8, CX
	JMP         loop

done:
	VZEROUPPER
	LDMXCSR saved-4(SP)
	RET
