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
func add(name string, a, b *G.Node) (*G.Node, error) { return sum(name, a, b, false) }

// addReLU returns the node relu(a + b), as a residual block ends: one
// pass over memory instead of two forward. Both inputs' gradient is the
// ReLU's, computed once.
func addReLU(name string, a, b *G.Node) (*G.Node, error) { return sum(name, a, b, true) }

// sum is add, followed by a ReLU if relu is set.
func sum(name string, a, b *G.Node, relu bool) (*G.Node, error) {
	as, bs := a.Shape(), b.Shape()
	if len(as) != 2 || !as.Eq(bs) {
		return nil, fmt.Errorf("%s: inputs are %v and %v, want two matrices of one shape", name, as, bs)
	}
	n, cols := as[0], as[1]
	y := newMatrix(n, cols)
	yd := y.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType, matType),
		shape: tensor.Shape{n, cols}, out: y, arity: 2, wrt: []bool{true, true},
		run: func(v []G.Value) { addInto(yd, f32s(v[0]), f32s(v[1]), relu) },
	}
	k.diff = func(_ G.Nodes, output, dy *G.Node) (G.Nodes, error) {
		if !relu {
			return G.Nodes{dy, dy}, nil
		}
		dz := newMatrix(n, cols)
		dzd := dz.Float32s()
		// ReLU's derivative from its output: h > 0 exactly where its
		// input is.
		g, err := G.ApplyOp(&kernel{
			name: name + "/dz", typ: hm.NewFnType(matType, matType, matType),
			shape: tensor.Shape{n, cols}, out: dz, arity: 2,
			run: func(v []G.Value) { ReLU.backward(dzd, f32s(v[0]), nil, f32s(v[1])) },
		}, output, dy)
		return G.Nodes{g, g}, err
	}
	return G.ApplyOp(k, a, b)
}

// addInto writes a + b into y, and max(·, 0) with relu.
func addInto(y, a, b []float32, relu bool) {
	if normVector && len(a) > 0 {
		addVec(&y[0], &a[0], &b[0], len(a), relu)
		return
	}
	y, b = y[:len(a)], b[:len(a)]
	for i, av := range a {
		y[i] = av + b[i]
	}
	if relu {
		ReLU.forward(y, y)
	}
}
