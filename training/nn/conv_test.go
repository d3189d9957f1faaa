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

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The convolution and pooling kernels are checked two ways: gorgonia's
// gradients (G.Grad, then a TapeMachine) against central differences of
// L = Σ rᵢ·yᵢ, with norm_test.go's probes (bnNewProbe, checkGradients),
// and outputs and gradients against PyTorch's, read from
// testdata/conv_*.json (written by testdata/gen_conv.py).

// convScaled returns an input of N(0, scale²) values.
func convScaled(rng *rand.Rand, name string, scale float32, shape ...int) bnInput {
	in := bnRandInput(rng, name, shape...)
	for i := range in.data {
		in.data[i] *= scale
	}
	return in
}

// convNoGrad returns build with x, which the probe does not differentiate,
// made a node of the graph and passed first.
func convNoGrad(x bnInput, build func(in G.Nodes) (*G.Node, error)) func(in G.Nodes) (*G.Node, error) {
	return func(in G.Nodes) (*G.Node, error) {
		return build(append(G.Nodes{bnLeaf(in[0].Graph(), x)}, in...))
	}
}

// convGrads returns copies of the probe's gradients after a run.
func convGrads(t *testing.T, p *bnProbe) [][]float32 {
	t.Helper()
	p.run(t)
	grads := make([][]float32, len(p.inputs))
	for i := range grads {
		grads[i] = append([]float32(nil), p.grad(i)...)
	}
	return grads
}

// bothPaths runs test with *use false, then, if it was true (the CPU has
// the vector kernels), true again, under the names off and on: kernels
// with two implementations are checked both ways.
func bothPaths(t *testing.T, use *bool, off, on string, test func(t *testing.T)) {
	saved := *use
	defer func() { *use = saved }()
	*use = false
	t.Run(off, test)
	if saved {
		*use = true
		t.Run(on, test)
	}
}

// convPaths runs test once for each way conv2d can compute: with im2col
// and sgemm, and with the batched kernels where the CPU has them.
func convPaths(t *testing.T, test func(t *testing.T)) {
	bothPaths(t, &convBatched, "im2col", "batched", test)
}

// convCase is a convolution and its batch size.
type convCase struct{ n, c, h, w, filters, k, stride, pad int }

// inputs returns random images, filters scaled by 1/√(c·k·k) and a bias
// for the case, and coefficients r for the loss Σ r·y.
func (tt convCase) inputs(rng *rand.Rand) (x, w, b bnInput, r []float32) {
	rows := tt.c * tt.k * tt.k
	x = bnRandInput(rng, "x", tt.n, tt.c*tt.h*tt.w)
	w = convScaled(rng, "w", 1/float32(math.Sqrt(float64(rows))), tt.filters, rows)
	b = convScaled(rng, "b", 0.5, tt.filters)
	r = bnRandInput(rng, "r", tt.n*tt.filters*tt.oh()*tt.ow()).data
	return x, w, b, r
}

func (tt convCase) oh() int { return (tt.h+2*tt.pad-tt.k)/tt.stride + 1 }
func (tt convCase) ow() int { return (tt.w+2*tt.pad-tt.k)/tt.stride + 1 }

// TestConv2dGradients checks dx, dW and db against central differences
// (checkGradients: step 1e-2, within 1e-3 + 1e-3·|gradient|) on
// geometries with strides, padding, non-square images and even kernels,
// with and without the input's gradient.
func TestConv2dGradients(t *testing.T) { convPaths(t, convGradients) }

func convGradients(t *testing.T) {
	tests := []convCase{
		{3, 3, 5, 7, 4, 3, 1, 1},
		{3, 2, 7, 5, 3, 3, 2, 1}, // stride 2, padding 1, odd sizes
		{3, 3, 6, 5, 2, 2, 2, 0}, // even kernel, last column unused
		{3, 1, 5, 7, 3, 5, 1, 2}, // LeNet's first layer, small
		{3, 2, 4, 6, 3, 3, 3, 2}, // stride 3, more padding than stride
		{3, 3, 3, 4, 2, 1, 1, 0}, // 1×1 kernel
		{2, 2, 2, 3, 2, 5, 1, 2}, // kernel larger than the image
		{2, 2, 3, 1, 2, 6, 1, 3}, // outputs that read only padding
	}
	for _, tt := range tests {
		name := fmt.Sprintf("n%d_%dx%dx%d_f%d_k%d_s%d_p%d", tt.n, tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad)
		for _, inputGrad := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/dx=%v", name, inputGrad), func(t *testing.T) {
				x, w, b, r := tt.inputs(rand.New(rand.NewPCG(uint64(tt.h), uint64(tt.k))))
				build := func(in G.Nodes) (*G.Node, error) {
					return conv2d("conv", in[0], in[1], in[2], tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad, inputGrad)
				}
				var p *bnProbe
				if inputGrad {
					p = bnNewProbe(t, build, r, x, w, b)
				} else {
					p = bnNewProbe(t, convNoGrad(x, build), r, w, b)
					for _, n := range p.y.Graph().AllNodes() {
						if k, ok := n.Op().(*kernel); ok && k.name == "conv/dx" {
							t.Errorf("graph computes %s without inputGrad", k.name)
						}
					}
				}
				if got, want := p.y.Shape(), (tensor.Shape{tt.n, tt.filters * tt.oh() * tt.ow()}); !got.Eq(want) {
					t.Fatalf("output shape %v, want %v", got, want)
				}
				p.checkGradients(t)
			})
		}
	}
}

// TestConvStackGradients checks a small network of every kind of layer,
// maxpool → conv → tanh → avgpool → conv → tanh → conv → globalavgpool →
// linear, against central differences: the layers agree on the NCHW rows
// they pass each other, and the dense layer and activations work on them
// unchanged. maxpool comes first, on inputs whose maxima stand 0.2 above
// the rest of their windows, so that no step of the differences moves a
// maximum to another place in its window.
func TestConvStackGradients(t *testing.T) { convPaths(t, convStackGradients) }

func convStackGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 3
	x := bnRandInput(rng, "x", n, 2*12*10)
	poolSeparate(x.data, 12, 10, 2)
	inputs := []bnInput{
		x,
		convScaled(rng, "w1", 0.3, 4, 2*3*3), convScaled(rng, "b1", 0.3, 4),
		convScaled(rng, "w2", 0.3, 5, 4*3*3), convScaled(rng, "b2", 0.3, 5),
		convScaled(rng, "w3", 0.3, 6, 5*1*1), convScaled(rng, "b3", 0.3, 6),
		convScaled(rng, "w4", 0.5, 3, 6), convScaled(rng, "b4", 0.3, 3),
	}
	r := bnRandInput(rng, "r", n*3).data
	p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
		h, err := maxpool("pool1", in[0], 2, 12, 10, 2) // 2×6×5
		if err == nil {
			h, err = conv2d("conv1", h, in[1], in[2], 2, 6, 5, 4, 3, 1, 1, true) // 4×6×5
		}
		if err == nil {
			h, err = activate("tanh1", Tanh, h)
		}
		if err == nil {
			h, err = avgpool("pool2", h, 4, 6, 5, 2) // 4×3×2
		}
		if err == nil {
			h, err = conv2d("conv2", h, in[3], in[4], 4, 3, 2, 5, 3, 2, 1, true) // 5×2×1
		}
		if err == nil {
			h, err = activate("tanh2", Tanh, h)
		}
		if err == nil {
			h, err = conv2d("conv3", h, in[5], in[6], 5, 2, 1, 6, 1, 1, 0, true) // 6×2×1
		}
		if err == nil {
			h, err = globalavgpool("gap", h, 6, 2, 1) // 6
		}
		if err == nil {
			h, err = linear("linear", h, in[7], in[8], true) // 3
		}
		return h, err
	}, r, inputs...)
	p.checkGradients(t)
}

// TestConv2dIm2colAdjoint checks that col2im is the transpose of im2col,
// ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩, on geometries with padding and strides
// that skip input columns.
func TestConv2dIm2colAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []convShape{
		{c: 2, h: 5, w: 7, k: 3, stride: 1, pad: 1},
		{c: 3, h: 9, w: 8, k: 3, stride: 2, pad: 1},
		{c: 1, h: 6, w: 11, k: 2, stride: 3, pad: 0},
		{c: 2, h: 3, w: 4, k: 5, stride: 1, pad: 3},
		{c: 2, h: 3, w: 1, k: 6, stride: 1, pad: 3},
	} {
		s.oh, s.ow = (s.h+2*s.pad-s.k)/s.stride+1, (s.w+2*s.pad-s.k)/s.stride+1
		x := bnRandInput(rng, "x", s.c*s.h*s.w).data
		c := bnRandInput(rng, "c", s.rows()*s.oh*s.ow).data
		cols, dx := make([]float32, len(c)), make([]float32, len(x))
		s.im2col(cols, x)
		s.col2im(dx, c)
		var a, b float64
		for i := range c {
			a += float64(cols[i]) * float64(c[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(dx[i])
		}
		if math.Abs(a-b) > 1e-4*(1+math.Abs(a)) {
			t.Errorf("%+v: ⟨im2col(x), c⟩ = %g, ⟨x, col2im(c)⟩ = %g", s, a, b)
		}
	}
}

func TestConv2dRejectsBadShapes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3*5*5), G.WithName("x"))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 3*3*3), G.WithName("w"))
	b := G.NewVector(g, tensor.Float32, G.WithShape(4), G.WithName("b"))
	tests := []struct {
		c, h, wd, filters, k, stride, pad int
		want                              string
	}{
		{3, 5, 5, 4, 3, 1, 0, ""},
		{3, 5, 6, 4, 3, 1, 0, "input is (2, 75), want n × 90 (3×5×6)"},
		{3, 5, 5, 5, 3, 1, 0, "weights are (4, 27), want 5 × 27 (5×3×3×3)"},
		{3, 5, 5, 4, 7, 1, 0, "input 5×5 padded by 0 is smaller than the 7×7 kernel"},
		{3, 5, 5, 4, 3, 0, 0, "kernel and stride must be ≥ 1 and padding ≥ 0 (got 3, 0, 0)"},
		{3, 5, 5, 4, 3, 1, -1, "kernel and stride must be ≥ 1 and padding ≥ 0 (got 3, 1, -1)"},
	}
	for _, tt := range tests {
		_, err := conv2d("conv", x, w, b, tt.c, tt.h, tt.wd, tt.filters, tt.k, tt.stride, tt.pad, true)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("conv2d(%d×%d×%d, %d@%d×%d, stride %d, pad %d) = %v, want %q", tt.c, tt.h, tt.wd, tt.filters, tt.k, tt.k, tt.stride, tt.pad, err, tt.want)
		}
	}
}

// convRef is one case of a testdata/conv_*.json file written by
// gen_conv.py: inputs, the coefficients r of L = Σ r·y, and PyTorch's
// output and gradients (float64, from the float32 inputs).
type convRef struct {
	N, C, H, W            int
	Filters, K            int
	Stride, Pad, Size     int
	Ties                  bool
	X, Weight, Bias, R, Y []float64
	DX                    []float64 `json:"dx"`
	DWeight               []float64 `json:"dweight"`
	DBias                 []float64 `json:"dbias"`
}

// convLoadRefs reads the cases of testdata/conv_<op>.json and the
// tolerance gen_conv.py checked PyTorch's float32 results against, by
// bnCompare's rule (norm_test.go): |got − want| ≤ tol·max(|want|, rms of
// want).
func convLoadRefs(t *testing.T, op string) ([]convRef, float64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "conv_"+op+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Tolerance float64
		Cases     []convRef
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("testdata/conv_%s.json: %v", op, err)
	}
	if len(file.Cases) == 0 || file.Tolerance <= 0 || file.Tolerance > 1e-4 {
		t.Fatalf("testdata/conv_%s.json: %d cases, tolerance %g", op, len(file.Cases), file.Tolerance)
	}
	return file.Cases, file.Tolerance
}

// TestConv2dMatchesPyTorch compares conv2d's output and the gradients of
// x, W and b with torch.nn.functional.conv2d's, within the relative
// tolerance in the file (1e-5).
func TestConv2dMatchesPyTorch(t *testing.T) { convPaths(t, convMatchesPyTorch) }

func convMatchesPyTorch(t *testing.T) {
	refs, tol := convLoadRefs(t, "conv2d")
	for _, ref := range refs {
		t.Run(fmt.Sprintf("%dx%dx%d_f%d_k%d_s%d_p%d", ref.C, ref.H, ref.W, ref.Filters, ref.K, ref.Stride, ref.Pad), func(t *testing.T) {
			x := bnInput{"x", []int{ref.N, ref.C * ref.H * ref.W}, bnFloat32s(ref.X)}
			w := bnInput{"w", []int{ref.Filters, ref.C * ref.K * ref.K}, bnFloat32s(ref.Weight)}
			b := bnInput{"b", []int{ref.Filters}, bnFloat32s(ref.Bias)}
			p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
				return conv2d("conv", in[0], in[1], in[2], ref.C, ref.H, ref.W, ref.Filters, ref.K, ref.Stride, ref.Pad, true)
			}, bnFloat32s(ref.R), x, w, b)
			p.run(t)
			bnCompare(t, "y", p.output(), ref.Y, tol)
			bnCompare(t, "dx", p.grad(0), ref.DX, tol)
			bnCompare(t, "dW", p.grad(1), ref.DWeight, tol)
			bnCompare(t, "db", p.grad(2), ref.DBias, tol)
		})
	}
}

// TestConv2dRunsRepeat checks that a second run gives the same output and
// gradients as the first: kernels overwrite their buffers, and none may
// accumulate into them across runs.
func TestConv2dRunsRepeat(t *testing.T) { convPaths(t, convRunsRepeat) }

func convRunsRepeat(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x, w, b := bnRandInput(rng, "x", 2, 2*6*5), convScaled(rng, "w", 0.3, 3, 2*9), bnRandInput(rng, "b", 3)
	p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
		return conv2d("conv", in[0], in[1], in[2], 2, 6, 5, 3, 3, 2, 1, true)
	}, bnRandInput(rng, "r", 2*3*3*3).data, x, w, b)
	first := convGrads(t, p)
	loss := p.loss
	again := convGrads(t, p)
	if p.loss != loss {
		t.Errorf("second run's loss %g, first %g", p.loss, loss)
	}
	for i := range first {
		for j, g := range again[i] {
			if g != first[i][j] {
				t.Fatalf("second run's d/d%s[%d] = %g, first %g", p.inputs[i].name, j, g, first[i][j])
			}
		}
	}
}
