//go:build amd64

package nn

import "golang.org/x/sys/cpu"

// reluVector says whether ReLU's forward and backward passes use the
// AVX-512 kernels of activation_amd64.s. Tests turn it off to check the
// loops in activation.go.
var reluVector = cpu.X86.HasAVX512F

// reluFwdVec writes max(z[i], 0) to h[i] for the n values, as Go's max
// does: +0 for ±0, z itself for a NaN.
//
//go:noescape
func reluFwdVec(h, z *float32, n int)

// reluBwdVec writes dh[i] to dz[i] where z[i] > 0 and +0 elsewhere, for
// the n values.
//
//go:noescape
func reluBwdVec(dz, z, dh *float32, n int)
