//go:build !amd64

package nn

// normVector is false: the vector kernels of batch normalisation and the
// residual add are amd64 assembly.
var normVector = false

func bnAffineVec(y, x *float32, n int, scale, shift float32, relu bool) {
	panic("batchnorm: no vector kernels on this architecture")
}

func addVec(y, a, b *float32, n int, relu bool) { panic("add: no vector kernels on this architecture") }

func bnGradXVec(dx, dy, x, h *float32, n int, meanDy, mean, k, scale float32) {
	panic("batchnorm: no vector kernels on this architecture")
}

func bnMomentsVec(x *float32, n int, k float64) (s, q float64) {
	panic("batchnorm: no vector kernels on this architecture")
}

func bnGradSumsVec(dy, x, h *float32, n int, mu float64) (s, sx float64) {
	panic("batchnorm: no vector kernels on this architecture")
}
