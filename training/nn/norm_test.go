package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The helpers below serve the dropout and add tests too.

// bnInput is a value a probe feeds its kernels and differentiates: a
// network input (a matrix) or a parameter (a vector).
type bnInput struct {
	name  string
	shape []int
	data  []float32
}

// bnRandInput returns an input of the given shape with values drawn from
// N(0, 1).
func bnRandInput(rng *rand.Rand, name string, shape ...int) bnInput {
	size := 1
	for _, s := range shape {
		size *= s
	}
	in := bnInput{name: name, shape: shape, data: make([]float32, size)}
	for i := range in.data {
		in.data[i] = float32(rng.NormFloat64())
	}
	return in
}

// bnProbe is a tiny graph for checking kernels: inputs → the kernels under
// test → the scalar L = Σ rᵢ·yᵢ with fixed r, differentiated by gorgonia's
// Grad and run on a TapeMachine.
type bnProbe struct {
	inputs []bnInput
	r      []float32
	y      *G.Node // the kernels' output
	grads  G.Nodes // dL/d input, in the order of inputs
	loss   float64 // L of the last run, summed in float64
	before func()  // if set, called before each run
	vm     G.VM
}

// bnNewProbe builds the probe of the kernels that build makes of the
// inputs' nodes; r holds the functional's weights, one per output value.
func bnNewProbe(t testing.TB, build func(in G.Nodes) (*G.Node, error), r []float32, inputs ...bnInput) *bnProbe {
	t.Helper()
	graphMu.Lock()
	defer graphMu.Unlock()
	g := G.NewGraph()
	p := &bnProbe{inputs: inputs, r: r}
	nodes := make(G.Nodes, len(inputs))
	for i, in := range inputs {
		nodes[i] = bnLeaf(g, in)
	}
	var err error
	if p.y, err = build(nodes); err != nil {
		t.Fatal(err)
	}
	loss, err := bnLinearLoss(p.y, r, &p.loss)
	if err != nil {
		t.Fatal(err)
	}
	if p.grads, err = G.Grad(loss, nodes...); err != nil {
		t.Fatal(err)
	}
	p.vm = G.NewTapeMachine(g)
	t.Cleanup(func() { p.vm.Close() })
	return p
}

// bnLeaf returns a node of g holding in's values: a vector for one
// dimension, a matrix for two.
func bnLeaf(g *G.ExprGraph, in bnInput) *G.Node {
	v := tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(in.data))
	opts := []G.NodeConsOpt{G.WithShape(in.shape...), G.WithName(in.name), G.WithValue(v)}
	if len(in.shape) == 1 {
		return G.NewVector(g, tensor.Float32, opts...)
	}
	return G.NewMatrix(g, tensor.Float32, opts...)
}

// run computes the probe for the inputs' current values.
func (p *bnProbe) run(t testing.TB) {
	if p.before != nil {
		p.before()
	}
	err := p.vm.RunAll()
	p.vm.Reset()
	if err != nil {
		t.Fatal(err)
	}
}

// output is the kernels' output of the last run.
func (p *bnProbe) output() []float32 { return f32s(p.y.Value()) }

// grad is dL/d inputs[i] of the last run.
func (p *bnProbe) grad(i int) []float32 { return f32s(p.grads[i].Value()) }

// checkGradients compares every input's gradient with a central difference
// of L (step 1e-2), within 1e-3 + 1e-3·|gradient|: the kernels compute in
// float32, L is summed in float64.
func (p *bnProbe) checkGradients(t *testing.T) {
	t.Helper()
	const eps, atol, rtol = 1e-2, 1e-3, 1e-3
	p.run(t)
	grads := make([][]float32, len(p.inputs))
	for i := range p.inputs {
		grads[i] = append([]float32(nil), p.grad(i)...)
	}
	worst := 0.0
	for i, in := range p.inputs {
		for j, orig := range in.data {
			in.data[j] = orig + eps
			p.run(t)
			up := p.loss
			in.data[j] = orig - eps
			p.run(t)
			down := p.loss
			in.data[j] = orig
			fd, g := (up-down)/(2*eps), float64(grads[i][j])
			worst = max(worst, math.Abs(fd-g)/(atol+rtol*math.Abs(g)))
			if math.Abs(fd-g) > atol+rtol*math.Abs(g) {
				t.Errorf("d/d%s[%d]: gradient %.6g, central difference %.6g", in.name, j, g, fd)
			}
		}
	}
	t.Logf("largest error: %.2g of the tolerance", worst)
}

// bnLinearLoss returns the scalar node L = Σ rᵢ·yᵢ, summed in float64 into
// *sum as well as returned in float32.
func bnLinearLoss(y *G.Node, r []float32, sum *float64) (*G.Node, error) {
	n, cols := y.Shape()[0], y.Shape()[1]
	if len(r) != n*cols {
		return nil, fmt.Errorf("%d weights for a %d×%d output", len(r), n, cols)
	}
	out := G.NewF32(0)
	k := &kernel{
		name: "linear-loss", typ: hm.NewFnType(matType, f32Type),
		shape: tensor.ScalarShape(), out: out, arity: 1, wrt: []bool{true},
		run: func(v []G.Value) {
			var s float64
			for i, yv := range f32s(v[0]) {
				s += float64(r[i]) * float64(yv)
			}
			*sum = s
			*out = G.F32(s)
		},
	}
	k.diff = func(_ G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		dy := newMatrix(n, cols)
		dyd := dy.Float32s()
		g, err := G.ApplyOp(&kernel{
			name: "linear-loss/dy", typ: hm.NewFnType(f32Type, f32Type, matType),
			shape: tensor.Shape{n, cols}, out: dy, arity: 2,
			run: func(v []G.Value) {
				s := scalar(v[1])
				for i, ri := range r {
					dyd[i] = ri * s
				}
			},
		}, output, grad)
		return G.Nodes{g}, err
	}
	return G.ApplyOp(k, y)
}

// bnCase is a batch normalisation probe: x (n×c·h·w), γ and β, and the
// running statistics.
type bnCase struct {
	n, c, h, w int
	st         *BatchNormState
	training   bool
}

func (tc bnCase) probe(t testing.TB, x, gamma, beta bnInput, r []float32) *bnProbe {
	t.Helper()
	build := func(in G.Nodes) (*G.Node, error) {
		return batchnorm("bn", in[0], in[1], in[2], tc.c, tc.h, tc.w, tc.st, tc.training)
	}
	return bnNewProbe(t, build, r, x, gamma, beta)
}

// bnShape names a batch of n samples of c channels of h×w.
type bnShape struct {
	name       string
	n, c, h, w int
}

// TestBatchNormGradients checks dx, dγ and dβ against central differences
// in both modes, for the 2-D form (images) and the 1-D form (features).
func TestBatchNormGradients(t *testing.T) {
	for _, tt := range []bnShape{
		{"2d", 4, 3, 3, 5},
		{"1d", 4, 3, 1, 1},
	} {
		for _, training := range []bool{true, false} {
			mode := map[bool]string{true: "train", false: "eval"}[training]
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 6))
				tc := bnCase{tt.n, tt.c, tt.h, tt.w, NewBatchNormState(tt.c), training}
				for ch := range tt.c {
					tc.st.RunningMean[ch] = float32(rng.NormFloat64())
					tc.st.RunningVar[ch] = float32(0.5 + rng.Float64())
				}
				x := bnRandInput(rng, "x", tt.n, tt.c*tt.h*tt.w)
				for i := range x.data { // channels with their own means and spreads
					ch := i / (tt.h * tt.w) % tt.c
					x.data[i] = x.data[i]*float32(1+ch) + float32(ch) - 1
				}
				gamma, beta := bnRandInput(rng, "gamma", tt.c), bnRandInput(rng, "beta", tt.c)
				r := bnRandInput(rng, "r", len(x.data)).data
				tc.probe(t, x, gamma, beta, r).checkGradients(t)
			})
		}
	}
}

// bnTorchPass is one pass of PyTorch's layer in testdata/norm_*.json.
type bnTorchPass struct {
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
	DX     []float64 `json:"dx"`
	DGamma []float64 `json:"dgamma"`
	DBeta  []float64 `json:"dbeta"`
}

// bnTorchCase is a file written by testdata/gen_norm.py.
type bnTorchCase struct {
	Module            string        `json:"module"`
	N                 int           `json:"n"`
	C                 int           `json:"c"`
	H                 int           `json:"h"`
	W                 int           `json:"w"`
	Eps               float64       `json:"eps"`
	Momentum          float64       `json:"momentum"`
	Gamma             []float64     `json:"gamma"`
	Beta              []float64     `json:"beta"`
	R                 []float64     `json:"r"`
	Train             []bnTorchPass `json:"train"`
	RunningMean       []float64     `json:"running_mean"`
	RunningVar        []float64     `json:"running_var"`
	NumBatchesTracked int64         `json:"num_batches_tracked"`
	Eval              bnTorchPass   `json:"eval"`
}

func bnFloat32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// bnCompare reports values of got that differ from want by more than
// rtol relative to the larger of |want| and the root mean square of want
// (so that values near zero in a vector of larger ones are compared at
// that vector's scale).
func bnCompare(t *testing.T, what string, got []float32, want []float64, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, want %d", what, len(got), len(want))
	}
	var ss float64
	for _, w := range want {
		ss += w * w
	}
	rms := math.Sqrt(ss / float64(len(want)))
	worst := 0.0
	for i, w := range want {
		rel := math.Abs(float64(got[i])-w) / max(math.Abs(w), rms)
		worst = max(worst, rel)
		if rel > rtol {
			t.Errorf("%s[%d] = %.8g, PyTorch gives %.8g", what, i, got[i], w)
		}
	}
	t.Logf("%s: largest relative difference %.2g", what, worst)
}

// TestBatchNormMatchesPyTorch compares outputs, gradients and running
// statistics with PyTorch's BatchNorm2d and BatchNorm1d
// (testdata/gen_norm.py): two training passes over different batches, each
// with its backward pass, then an evaluation pass.
func TestBatchNormMatchesPyTorch(t *testing.T) {
	const rtol = 1e-5
	files, err := filepath.Glob(filepath.Join("testdata", "norm_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/norm_*.json (%v): run gen_norm.py", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var pt bnTorchCase
			if err := json.Unmarshal(data, &pt); err != nil {
				t.Fatal(err)
			}
			if pt.Eps != bnEps || pt.Momentum != bnMomentum || len(pt.Train) != 2 {
				t.Fatalf("%s: eps %g, momentum %g, %d training passes; want %g, %g, 2", file, pt.Eps, pt.Momentum, len(pt.Train), bnEps, bnMomentum)
			}
			st := NewBatchNormState(pt.C)
			x := bnInput{name: "x", shape: []int{pt.N, pt.C * pt.H * pt.W}, data: make([]float32, len(pt.R))}
			gamma := bnInput{name: "gamma", shape: []int{pt.C}, data: bnFloat32s(pt.Gamma)}
			beta := bnInput{name: "beta", shape: []int{pt.C}, data: bnFloat32s(pt.Beta)}
			r := bnFloat32s(pt.R)
			passes := []bnTorchPass{pt.Train[0], pt.Train[1], pt.Eval}
			probes := []*bnProbe{
				bnCase{pt.N, pt.C, pt.H, pt.W, st, true}.probe(t, x, gamma, beta, r),
				bnCase{pt.N, pt.C, pt.H, pt.W, st, false}.probe(t, x, gamma, beta, r),
			}
			if st.NumBatchesTracked != 0 {
				t.Fatalf("building the graphs tracked %d batches, want 0", st.NumBatchesTracked)
			}
			for i, pass := range passes {
				name := fmt.Sprintf("train %d", i+1)
				p := probes[0]
				if i == 2 {
					name, p = "eval", probes[1]
					bnCompare(t, "running_mean", st.RunningMean, pt.RunningMean, rtol)
					bnCompare(t, "running_var", st.RunningVar, pt.RunningVar, rtol)
					if st.NumBatchesTracked != pt.NumBatchesTracked {
						t.Errorf("num_batches_tracked = %d, PyTorch gives %d", st.NumBatchesTracked, pt.NumBatchesTracked)
					}
				}
				copy(x.data, bnFloat32s(pass.X))
				p.run(t)
				bnCompare(t, name+": y", p.output(), pass.Y, rtol)
				bnCompare(t, name+": dx", p.grad(0), pass.DX, rtol)
				bnCompare(t, name+": dgamma", p.grad(1), pass.DGamma, rtol)
				bnCompare(t, name+": dbeta", p.grad(2), pass.DBeta, rtol)
			}
			if st.NumBatchesTracked != pt.NumBatchesTracked {
				t.Errorf("an evaluation run changed num_batches_tracked to %d", st.NumBatchesTracked)
			}
		})
	}
}

// TestBatchNormRejects checks the errors for shapes that do not fit.
func TestBatchNormRejects(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 12), G.WithName("x"))
	one := G.NewMatrix(g, tensor.Float32, G.WithShape(1, 3), G.WithName("one"))
	v3 := G.NewVector(g, tensor.Float32, G.WithShape(3), G.WithName("gamma"))
	v4 := G.NewVector(g, tensor.Float32, G.WithShape(4), G.WithName("beta"))
	for _, tt := range []struct {
		x, gamma, beta *G.Node
		c, h, w        int
		st             *BatchNormState
		training       bool
		want           string
	}{
		{x, v3, v3, 3, 2, 2, NewBatchNormState(3), true, ""},
		{x, v3, v3, 3, 2, 3, NewBatchNormState(3), true, "input is (4, 12), want n×18 (3 channels of 2×3)"},
		{x, v3, v3, 0, 2, 2, NewBatchNormState(3), true, "must be ≥ 1 (got 0, 2, 2)"},
		{x, v3, v4, 3, 2, 2, NewBatchNormState(3), true, "beta is (4), want (3) for 3 channels"},
		{x, v3, v3, 3, 2, 2, NewBatchNormState(2), true, "running statistics must hold 3 channels"},
		{x, v3, v3, 3, 2, 2, nil, false, "running statistics must hold 3 channels"},
		{one, v3, v3, 3, 1, 1, NewBatchNormState(3), true, "more than one value per channel (got a batch of 1 of 1×1)"},
		{one, v3, v3, 3, 1, 1, NewBatchNormState(3), false, ""},
	} {
		_, err := batchnorm("bn", tt.x, tt.gamma, tt.beta, tt.c, tt.h, tt.w, tt.st, tt.training)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("batchnorm(%v, c=%d, h=%d, w=%d, training=%v) = %v, want %q", tt.x.Shape(), tt.c, tt.h, tt.w, tt.training, err, tt.want)
		}
	}
}

// BenchmarkBatchNorm runs batch normalisation forward and backward in
// training mode on 64 samples of 16 channels of 14×14 (and, for scale, of
// 128 features), with a fixed output gradient so that only the layer's
// kernels run.
func BenchmarkBatchNorm(b *testing.B) {
	for _, tt := range []bnShape{
		{"64x16x14x14", 64, 16, 14, 14},
		{"64x16x28x28", 64, 16, 28, 28}, // the residual network's
		{"64x128", 64, 128, 1, 1},
	} {
		b.Run(tt.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			graphMu.Lock()
			g := G.NewGraph()
			leaf := func(name string, shape ...int) *G.Node { return bnLeaf(g, bnRandInput(rng, name, shape...)) }
			x, dy := leaf("x", tt.n, tt.c*tt.h*tt.w), leaf("dy", tt.n, tt.c*tt.h*tt.w)
			gamma, beta := leaf("gamma", tt.c), leaf("beta", tt.c)
			y, err := batchnorm("bn", x, gamma, beta, tt.c, tt.h, tt.w, NewBatchNormState(tt.c), true)
			if err == nil {
				_, err = G.Backpropagate(G.Nodes{y}, G.Nodes{dy}, G.Nodes{x, gamma, beta})
			}
			graphMu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			b.ReportAllocs()
			for b.Loop() {
				err := vm.RunAll()
				vm.Reset()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(tt.n*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
