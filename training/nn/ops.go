package nn

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/neuralworkbench/workbench/training/openblas"
)

// The network is a gorgonia expression graph whose nodes use the fused
// kernels below instead of gorgonia's generic operators. Gorgonia still
// builds the graph, differentiates it symbolically (Grad calls each op's
// SymDiff) and runs it on a TapeMachine; the kernels only decide how each
// node is computed. Each kernel owns its output buffer and overwrites it on
// every run, so a training step allocates no tensors, where gorgonia's own
// operators allocate every intermediate again after each Reset (0.9 MB and
// 1,100 allocations a step for the default network), and the kernels call
// sgemm with the transpose flags directly instead of materialising
// transposes and broadcasts.

var (
	matType = G.TensorType{Dims: 2, Of: tensor.Float32}
	vecType = G.TensorType{Dims: 1, Of: tensor.Float32}
	f32Type = tensor.Float32
)

// kernel is a gorgonia Op computed by a Go function into a buffer it owns.
type kernel struct {
	name  string // unique within a graph; also the op's hash
	typ   hm.Type
	shape tensor.Shape
	out   G.Value // *tensor.Dense, or *G.F32 for a scalar
	run   func(in []G.Value)
	wrt   []bool // which inputs SymDiff differentiates; nil: none
	diff  func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error)
	arity int
}

func (k *kernel) Arity() int                                     { return k.arity }
func (k *kernel) Type() hm.Type                                  { return k.typ }
func (k *kernel) InferShape(...G.DimSizer) (tensor.Shape, error) { return k.shape.Clone(), nil }
func (k *kernel) ReturnsPtr() bool                               { return false }
func (k *kernel) CallsExtern() bool                              { return false }
func (k *kernel) OverwritesInput() int                           { return -1 }
func (k *kernel) WriteHash(h hash.Hash)                          { fmt.Fprint(h, k.name) }
func (k *kernel) String() string                                 { return k.name }

func (k *kernel) Hashcode() uint32 {
	h := fnv.New32a()
	k.WriteHash(h)
	return h.Sum32()
}

// Do runs the kernel and returns its own output buffer.
func (k *kernel) Do(in ...G.Value) (G.Value, error) {
	if len(in) != k.arity {
		return nil, fmt.Errorf("%s: got %d inputs, want %d", k.name, len(in), k.arity)
	}
	k.run(in)
	return k.out, nil
}

// DiffWRT reports which inputs the kernel is differentiable with respect to.
func (k *kernel) DiffWRT(n int) []bool {
	if k.wrt == nil {
		return make([]bool, n)
	}
	return k.wrt
}

// SymDiff returns the gradient nodes of the kernel's inputs.
func (k *kernel) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if k.diff == nil {
		return nil, fmt.Errorf("%s is not differentiable", k.name)
	}
	return k.diff(inputs, output, grad)
}

var (
	_ G.Op   = (*kernel)(nil)
	_ G.SDOp = (*kernel)(nil)
)

func f32s(v G.Value) []float32 { return v.(*tensor.Dense).Float32s() }

func scalar(v G.Value) float32 { return float32(*v.(*G.F32)) }

func newMatrix(rows, cols int) *tensor.Dense {
	return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(make([]float32, rows*cols)))
}

// linear returns the node x·Wᵀ + b for x (n×in), W (out×in, PyTorch's
// layout) and b (out). inputGrad says whether x needs a gradient: the
// network's input does not, and skipping it saves a third of the first
// layer's work.
func linear(name string, x, w, b *G.Node, inputGrad bool) (*G.Node, error) {
	n, in, out := x.Shape()[0], x.Shape()[1], w.Shape()[0]
	z := newMatrix(n, out)
	zd := z.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType, vecType, matType),
		shape: tensor.Shape{n, out}, out: z, arity: 3,
		wrt: []bool{inputGrad, true, true},
		run: func(v []G.Value) {
			bias := f32s(v[2])
			for r := 0; r < n; r++ {
				copy(zd[r*out:(r+1)*out], bias)
			}
			openblas.Sgemm(false, true, n, out, in, 1, f32s(v[0]), in, f32s(v[1]), in, 1, zd, out)
		},
	}
	k.diff = func(inputs G.Nodes, _, dz *G.Node) (G.Nodes, error) {
		grads := make(G.Nodes, 3)
		var err error
		if inputGrad {
			if grads[0], err = linearGradX(name, dz, inputs[1], n, in, out); err != nil {
				return nil, err
			}
		}
		if grads[1], err = linearGradW(name, dz, inputs[0], n, in, out); err != nil {
			return nil, err
		}
		grads[2], err = linearGradB(name, dz, n, out)
		return grads, err
	}
	return G.ApplyOp(k, x, w, b)
}

// linearGradX is dL/dx = dz·W.
func linearGradX(name string, dz, w *G.Node, n, in, out int) (*G.Node, error) {
	dx := newMatrix(n, in)
	dxd := dx.Float32s()
	return G.ApplyOp(&kernel{
		name: name + "/dx", typ: hm.NewFnType(matType, matType, matType),
		shape: tensor.Shape{n, in}, out: dx, arity: 2,
		run: func(v []G.Value) {
			openblas.Sgemm(false, false, n, in, out, 1, f32s(v[0]), out, f32s(v[1]), in, 0, dxd, in)
		},
	}, dz, w)
}

// linearGradW is dL/dW = dzᵀ·x.
func linearGradW(name string, dz, x *G.Node, n, in, out int) (*G.Node, error) {
	dw := newMatrix(out, in)
	dwd := dw.Float32s()
	return G.ApplyOp(&kernel{
		name: name + "/dW", typ: hm.NewFnType(matType, matType, matType),
		shape: tensor.Shape{out, in}, out: dw, arity: 2,
		run: func(v []G.Value) {
			openblas.Sgemm(true, false, out, in, n, 1, f32s(v[0]), out, f32s(v[1]), in, 0, dwd, in)
		},
	}, dz, x)
}

// linearGradB is dL/db, the column sums of dz.
func linearGradB(name string, dz *G.Node, n, out int) (*G.Node, error) {
	db := tensor.New(tensor.WithShape(out), tensor.WithBacking(make([]float32, out)))
	dbd := db.Float32s()
	return G.ApplyOp(&kernel{
		name: name + "/db", typ: hm.NewFnType(matType, vecType),
		shape: tensor.Shape{out}, out: db, arity: 1,
		run: func(v []G.Value) {
			d := f32s(v[0])
			copy(dbd, d[:out])
			for r := 1; r < n; r++ {
				row := d[r*out : (r+1)*out]
				for j, g := range row {
					dbd[j] += g
				}
			}
		},
	}, dz)
}

// activate returns the node act(z).
func activate(name string, act Activation, z *G.Node) (*G.Node, error) {
	n, w := z.Shape()[0], z.Shape()[1]
	h := newMatrix(n, w)
	hd := h.Float32s()
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType),
		shape: tensor.Shape{n, w}, out: h, arity: 1, wrt: []bool{true},
		run: func(v []G.Value) { act.forward(hd, f32s(v[0])) },
	}
	k.diff = func(inputs G.Nodes, output, dh *G.Node) (G.Nodes, error) {
		dz := newMatrix(n, w)
		dzd := dz.Float32s()
		g, err := G.ApplyOp(&kernel{
			name: name + "/dz", typ: hm.NewFnType(matType, matType, matType, matType),
			shape: tensor.Shape{n, w}, out: dz, arity: 3,
			run: func(v []G.Value) { act.backward(dzd, f32s(v[0]), f32s(v[1]), f32s(v[2])) },
		}, inputs[0], output, dh)
		return G.Nodes{g}, err
	}
	return G.ApplyOp(k, z)
}

// softmax returns the node of row-wise probabilities of the logits z.
func softmax(name string, z *G.Node) (*G.Node, error) {
	n, c := z.Shape()[0], z.Shape()[1]
	p := newMatrix(n, c)
	pd := p.Float32s()
	return G.ApplyOp(&kernel{
		name: name, typ: hm.NewFnType(matType, matType),
		shape: tensor.Shape{n, c}, out: p, arity: 1,
		run: func(v []G.Value) { Softmax(pd, f32s(v[0]), c) },
	}, z)
}

// lossNode returns the scalar node loss(z, y) for logits z and one-hot
// targets y (both n×c).
func lossNode(name string, loss Loss, z, y *G.Node) (*G.Node, error) {
	n, c := z.Shape()[0], z.Shape()[1]
	if !y.Shape().Eq(z.Shape()) {
		return nil, fmt.Errorf("targets %v do not match logits %v", y.Shape(), z.Shape())
	}
	out := G.NewF32(0)
	probs := make([]float32, n*c) // softmax(z), kept for the gradient
	k := &kernel{
		name: name, typ: hm.NewFnType(matType, matType, f32Type),
		shape: tensor.ScalarShape(), out: out, arity: 2, wrt: []bool{true, false},
		run: func(v []G.Value) { *out = G.F32(loss.value(probs, f32s(v[0]), f32s(v[1]), c)) },
	}
	k.diff = func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		dz := newMatrix(n, c)
		dzd := dz.Float32s()
		// The loss node is an input so that the gradient runs after it.
		g, err := G.ApplyOp(&kernel{
			name: name + "/dz", typ: hm.NewFnType(matType, f32Type, f32Type, matType),
			shape: tensor.Shape{n, c}, out: dz, arity: 3,
			run: func(v []G.Value) { loss.gradient(dzd, probs, f32s(v[0]), c, scalar(v[2])) },
		}, inputs[1], output, grad)
		return G.Nodes{g, nil}, err
	}
	return G.ApplyOp(k, z, y)
}
