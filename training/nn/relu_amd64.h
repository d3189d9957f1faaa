// Macros shared by the AVX-512 files that apply ReLU (activation_amd64.s
// and conv_batch_amd64.s). Go's operand order is the reverse of Intel's.

// RELU sets r to max(x, 0) as Go's max computes it, with Z31 zero, Z30
// holding 0x7fffffff in every lane, and k a scratch mask: where x is not
// a NaN (k), Intel's VMAXPS with the zero as its second source, which it
// returns for ±0; a NaN comes out with its sign cleared and its payload
// kept, as Go's max(NaN, 0) does (it negates, takes MINSS twice and
// negates back).
#define RELU(x, r, k) \
	VCMPPS $7, x, x, k; \
	VPANDD Z30, x, r;   \
	VMAXPS Z31, x, k, r

// ZEROS sets Z31 to zeros and Z30 to 0x7fffffff, through AX.
#define ZEROS \
	VPXORD       Z31, Z31, Z31; \
	MOVL         $0x7fffffff, AX; \
	VPBROADCASTD AX, Z30

// RELUGRAD sets r to the vector at dh where the int32s at z (the bits of
// ReLU's input or output) are > 0, positive floats, and to +0 elsewhere,
// with Z31 zero, through Z16 and the mask k.
#define RELUGRAD(z, dh, r, k) \
	VMOVUPS   z, Z16;     \
	VPCMPGTD  Z31, Z16, k; \
	VMOVUPS.Z dh, k, r
