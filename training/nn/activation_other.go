//go:build !amd64

package nn

// reluVector is false: the vector ReLU kernels are amd64 assembly.
var reluVector = false

func reluFwdVec(h, z *float32, n int) { panic("relu: no vector kernels on this architecture") }

func reluBwdVec(dz, z, dh *float32, n int) { panic("relu: no vector kernels on this architecture") }
