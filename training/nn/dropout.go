package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dropout returns the node of x with, in training, each element zeroed with
// probability p and the others scaled by 1/(1 − p): PyTorch's inverted
// dropout. Each forward run draws a new mask from rng, so a caller that
// seeds rng gets the same masks, run after run; the gradient applies the
// run's mask. In evaluation, or with p = 0, dropout is the identity and
// returns x itself. p must be in [0, 1).
func dropout(name string, x *G.Node, p float64, rng *rand.Rand, training bool) (*G.Node, error) {
	if !(p >= 0 && p < 1) {
		return nil, fmt.Errorf("%s: dropout probability must be in [0, 1) (got %g)", name, p)
	}
	xs := x.Shape()
	if len(xs) != 2 {
		return nil, fmt.Errorf("%s: input is %v, want a matrix", name, xs)
	}
	if !training || p == 0 {
		return x, nil
	}
	if rng == nil {
		return nil, fmt.Errorf("%s: training with dropout needs a random source", name)
	}
	n, cols := xs[0], xs[1]
	keep := float32(1 / (1 - p))
	mask := make([]float32, n*cols) // 0 or 1/(1 − p), for the gradient
	y := newMatrix(n, cols)
	yd := y.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType),
		shape: tensor.Shape{n, cols}, out: y, arity: 1, wrt: []bool{true},
		run: func(v []G.Value) {
			for i, xv := range f32s(v[0]) {
				mask[i] = keep
				if rng.Float64() < p {
					mask[i] = 0
				}
				yd[i] = xv * mask[i]
			}
		},
	}
	k.diff = func(_ G.Nodes, output, dy *G.Node) (G.Nodes, error) {
		dx := newMatrix(n, cols)
		dxd := dx.Float32s()
		// The output is an input so that the gradient runs after the
		// forward run that drew the mask.
		g, err := G.ApplyOp(&kernel{
			name: name + "/dx", typ: hm.NewFnType(matType, matType, matType),
			shape: tensor.Shape{n, cols}, out: dx, arity: 2,
			run: func(v []G.Value) {
				for i, d := range f32s(v[0]) {
					dxd[i] = d * mask[i]
				}
			},
		}, dy, output)
		return G.Nodes{g}, err
	}
	return G.ApplyOp(k, x)
}
