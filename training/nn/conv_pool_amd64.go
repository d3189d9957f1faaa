//go:build amd64

package nn

import "golang.org/x/sys/cpu"

// poolVector says whether maxpool's 2×2 windows use the AVX-512 kernels
// of conv_pool_amd64.s. Tests turn it off to check the scalar loops.
var poolVector = cpu.X86.HasAVX512F

//go:noescape
func poolMax2Vec(y *float32, code *uint8, x *float32, w, ow, oh, planes, plane int)

//go:noescape
func poolMax2VecGrad(dx *float32, dy *float32, code *uint8, w, ow, oh, planes, plane int)
