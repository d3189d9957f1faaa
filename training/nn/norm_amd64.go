//go:build amd64

package nn

import "golang.org/x/sys/cpu"

// normVector says whether batch normalisation and the residual add use
// the AVX-512 kernels of norm_amd64.s. Tests turn it off to check the Go
// loops, which compute the same values bit for bit.
var normVector = cpu.X86.HasAVX512F

//go:noescape
func bnAffineVec(y, x *float32, n int, scale, shift float32, relu bool)

//go:noescape
func addVec(y, a, b *float32, n int, relu bool)

//go:noescape
func bnGradXVec(dx, dy, x, h *float32, n int, meanDy, mean, k, scale float32)

//go:noescape
func bnMomentsVec(x *float32, n int, k float64) (s, q float64)

//go:noescape
func bnGradSumsVec(dy, x, h *float32, n int, mu float64) (s, sx float64)
