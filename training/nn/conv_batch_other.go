//go:build !amd64

package nn

import G "gorgonia.org/gorgonia"

// convBatched is false: the batched kernels are amd64 assembly.
var convBatched = false

// convAVX512 and convAVX2 are false: no batched kernels.
var convAVX512, convAVX2 = false, false

func convBatchFits(s *convShape, n, filters int) bool { return false }

func conv2dBatched(name string, x, w, b *G.Node, s *convShape, filters int, inputGrad, relu bool) (*G.Node, error) {
	panic("conv2d: no batched kernels on this architecture")
}
