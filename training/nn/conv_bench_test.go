package nn

import (
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/neuralworkbench/workbench/training/openblas"
)

// convBenchStep returns a function that runs the kernels of the layer
// called name (its forward kernel and every kernel whose name starts with
// name + "/") in the order the TapeMachine runs them, on their inputs'
// current values, but without the loss around them, so that a benchmark
// times only the layer. The graph must have run once, so that every input
// has a value.
func convBenchStep(b *testing.B, p *bnProbe, name string) func() {
	b.Helper()
	p.run(b)
	g := p.y.Graph()
	sorted, err := G.Sort(g) // the loss first
	if err != nil {
		b.Fatal(err)
	}
	type call struct {
		op G.Op
		in []G.Value
	}
	var calls []call
	for i := len(sorted) - 1; i >= 0; i-- {
		n := sorted[i]
		k, ok := n.Op().(*kernel)
		if !ok || (k.name != name && !strings.HasPrefix(k.name, name+"/")) {
			continue
		}
		var in []G.Value
		for it := g.From(n.ID()); it.Next(); { // the inputs, in order
			in = append(in, it.Node().(*G.Node).Value())
		}
		calls = append(calls, call{n.Op(), in})
	}
	return func() {
		for _, c := range calls {
			if _, err := c.op.Do(c.in...); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// convBenchLayer is a convolution benchmarked at batch 64.
type convBenchLayer struct {
	name                     string
	c, h, w, filters, k, pad int
	inputGrad                bool
}

// BenchmarkConv2dLeNet times a forward and backward pass of LeNet-5's two
// convolutions at batch 64: 1×28×28 → 6@5×5 padding 2 (no input gradient:
// it is the network's input) and 6×14×14 → 16@5×5, with im2col and sgemm,
// with the batched kernels, and with the AVX2 ones on a CPU with AVX-512.
func BenchmarkConv2dLeNet(b *testing.B) {
	b.Log(openblas.Load())
	convBench(b, convBenchLayer{"conv1", 1, 28, 28, 6, 5, 2, false}, convBenchLayer{"conv2", 6, 14, 14, 16, 5, 0, true})
}

// BenchmarkConv2dResidual times a forward and backward pass of one of the
// residual network's 3×3 convolutions, 16×28×28 → 16@3×3 padding 1, at
// batch 64.
func BenchmarkConv2dResidual(b *testing.B) {
	b.Log(openblas.Load())
	convBench(b, convBenchLayer{"conv", 16, 28, 28, 16, 3, 1, true})
}

func convBench(b *testing.B, layers ...convBenchLayer) {
	const n = 64
	for _, l := range layers {
		for _, kernels := range []string{"im2col", "batched", "avx2"} {
			b.Run(l.name+"/"+kernels, func(b *testing.B) {
				batched := kernels != "im2col"
				switch {
				case batched && !convBatched:
					b.Skip("no AVX-512 or AVX2")
				case kernels == "avx2" && !(convAVX512 && convAVX2):
					b.Skip("batched is already AVX2's, or there is no AVX2")
				}
				defer func(b, w bool) { convBatched, convAVX512 = b, w }(convBatched, convAVX512)
				convBatched = batched
				convAVX512 = convAVX512 && kernels == "batched"
				rng := rand.New(rand.NewPCG(1, 2))
				rows := l.c * l.k * l.k
				x := bnRandInput(rng, "x", n, l.c*l.h*l.w)
				w, bias := convScaled(rng, "w", 0.2, l.filters, rows), convScaled(rng, "b", 0.1, l.filters)
				r := bnRandInput(rng, "r", n*l.filters*(l.h+2*l.pad-l.k+1)*(l.w+2*l.pad-l.k+1)).data
				build := func(in G.Nodes) (*G.Node, error) {
					return conv2d(l.name, in[0], in[1], in[2], l.c, l.h, l.w, l.filters, l.k, 1, l.pad, l.inputGrad)
				}
				var p *bnProbe
				if l.inputGrad {
					p = bnNewProbe(b, build, r, x, w, bias)
				} else {
					p = bnNewProbe(b, convNoGrad(x, build), r, w, bias)
				}
				step := convBenchStep(b, p, l.name)
				b.ReportAllocs()
				for b.Loop() {
					step()
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

// BenchmarkMaxpoolLeNet times a forward and backward pass of LeNet-5's
// first pooling layer (6×28×28, 2×2 windows) at batch 64, with the scalar
// loops and with the vector kernels.
func BenchmarkMaxpoolLeNet(b *testing.B) {
	const n, c, h, w = 64, 6, 28, 28
	for _, vector := range []bool{false, true} {
		name := "scalar"
		if vector {
			name = "vector"
		}
		b.Run(name, func(b *testing.B) {
			if vector && !poolVector {
				b.Skip("no AVX-512")
			}
			defer func(saved bool) { poolVector = saved }(poolVector)
			poolVector = vector
			rng := rand.New(rand.NewPCG(1, 2))
			x, r := bnRandInput(rng, "x", n, c*h*w), bnRandInput(rng, "r", n*c*h*w/4).data
			p := bnNewProbe(b, func(in G.Nodes) (*G.Node, error) {
				return maxpool("pool", in[0], c, h, w, 2)
			}, r, x)
			step := convBenchStep(b, p, "pool")
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// BenchmarkConv2dGorgonia times gorgonia's own Conv2d on LeNet-5's first
// layer, forward and backward with a sum for a loss, through a
// TapeMachine: the baseline conv2d replaces.
func BenchmarkConv2dGorgonia(b *testing.B) {
	openblas.Load()
	const n = 64
	rng := rand.New(rand.NewPCG(1, 2))
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(n, 1, 28, 28), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(bnRandInput(rng, "x", n*28*28).data))))
	w := G.NewTensor(g, tensor.Float32, 4, G.WithShape(6, 1, 5, 5), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(6, 1, 5, 5), tensor.WithBacking(convScaled(rng, "w", 0.2, 6*25).data))))
	y, err := G.Conv2d(x, w, tensor.Shape{5, 5}, []int{2, 2}, []int{1, 1}, []int{1, 1})
	if err != nil {
		b.Fatal(err)
	}
	loss := G.Must(G.Sum(y))
	if _, err := G.Grad(loss, w); err != nil {
		b.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(w))
	defer vm.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "samples/s")
}
