package nn

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// add returns the node a + b of two matrices of one shape, as a residual
// block adds its identity shortcut. The gradient of each input is the
// output's gradient itself, so the backward pass costs nothing.
func add(name string, a, b *G.Node) (*G.Node, error) {
	as, bs := a.Shape(), b.Shape()
	if len(as) != 2 || !as.Eq(bs) {
		return nil, fmt.Errorf("%s: inputs are %v and %v, want two matrices of one shape", name, as, bs)
	}
	n, cols := as[0], as[1]
	y := newMatrix(n, cols)
	yd := y.Float32s()
	return G.ApplyOp(&kernel{
		name: name, typ: hm.NewFnType(matType, matType, matType),
		shape: tensor.Shape{n, cols}, out: y, arity: 2, wrt: []bool{true, true},
		run: func(v []G.Value) {
			bd := f32s(v[1])
			for i, av := range f32s(v[0]) {
				yd[i] = av + bd[i]
			}
		},
		diff: func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) { return G.Nodes{dy, dy}, nil },
	}, a, b)
}
