//go:build !amd64

package nn

// poolVector is false: the vector pooling kernels are amd64 assembly.
var poolVector = false

func poolMax2Vec(y *float32, code *uint8, x *float32, w, ow, oh, planes, plane int) {
	panic("maxpool: no vector kernels on this architecture")
}

func poolMax2VecGrad(dx *float32, dy *float32, code *uint8, w, ow, oh, planes, plane int) {
	panic("maxpool: no vector kernels on this architecture")
}
