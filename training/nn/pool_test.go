package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// poolOps are the pooling layers under test, built on a c×h×w input.
var poolOps = []struct {
	name  string
	build func(x *G.Node, c, h, w, size int) (*G.Node, error)
}{
	{"maxpool", func(x *G.Node, c, h, w, size int) (*G.Node, error) { return maxpool("pool", x, c, h, w, size) }},
	{"avgpool", func(x *G.Node, c, h, w, size int) (*G.Node, error) { return avgpool("pool", x, c, h, w, size) }},
	{"globalavgpool", func(x *G.Node, c, h, w, _ int) (*G.Node, error) { return globalavgpool("pool", x, c, h, w) }},
}

// poolSeparate raises the maximum of each size×size window of the h×w
// planes in x by 0.2, so that a step of less than 0.1 does not move it,
// and returns x.
func poolSeparate(x []float32, h, w, size int) []float32 {
	for top := 0; top < len(x); top += h * w {
		for oy := 0; oy+size <= h; oy += size {
			for ox := 0; ox+size <= w; ox += size {
				at := top + oy*w + ox
				for dy := 0; dy < size; dy++ {
					for dx := 0; dx < size; dx++ {
						if i := top + (oy+dy)*w + ox + dx; x[i] > x[at] {
							at = i
						}
					}
				}
				x[at] += 0.2
			}
		}
	}
	return x
}

// poolPaths runs test once for each way maxpool can compute 2×2
// windows: with the scalar loops, and with the vector kernels where the
// CPU has them.
func poolPaths(t *testing.T, test func(t *testing.T)) {
	bothPaths(t, &poolVector, "scalar", "vector", test)
}

func TestPoolGradients(t *testing.T) { poolPaths(t, poolGradients) }

func poolGradients(t *testing.T) {
	shapes := []struct{ n, c, h, w, size int }{
		{3, 2, 5, 7, 2}, // floor mode drops the last row and column
		{3, 3, 7, 5, 3},
		{3, 2, 4, 6, 1},
		{3, 1, 6, 4, 2},
	}
	for _, op := range poolOps {
		for _, s := range shapes {
			t.Run(fmt.Sprintf("%s/n%d_%dx%dx%d_%d", op.name, s.n, s.c, s.h, s.w, s.size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(s.h), uint64(s.size)))
				x := bnRandInput(rng, "x", s.n, s.c*s.h*s.w)
				poolSeparate(x.data, s.h, s.w, s.size)
				want := tensor.Shape{s.n, s.c * (s.h / s.size) * (s.w / s.size)}
				if op.name == "globalavgpool" {
					want = tensor.Shape{s.n, s.c}
				}
				r := bnRandInput(rng, "r", want.TotalSize()).data
				p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
					return op.build(in[0], s.c, s.h, s.w, s.size)
				}, r, x)
				if got := p.y.Shape(); !got.Eq(want) {
					t.Fatalf("output shape %v, want %v", got, want)
				}
				p.checkGradients(t)
			})
		}
	}
}

// TestMaxpoolTies checks PyTorch's rule for equal maxima: the gradient
// goes to the first in the window, row by row, for 2×2 windows (which
// have their own loop) and larger ones.
func TestMaxpoolTies(t *testing.T) { poolPaths(t, maxpoolTies) }

func maxpoolTies(t *testing.T) {
	tests := []struct {
		h, w, size int
		x          []float32
		y          string    // the maxima
		dx         []float32 // the gradient for r = 1, 2, 3, …
	}{
		{4, 4, 2, []float32{
			1, 1, 0, 2,
			1, 1, 2, 2,
			-1, -3, 5, 4,
			-1, -2, 4, 5,
		}, "[1 2 -1 5]", []float32{
			1, 0, 0, 2,
			0, 0, 0, 0,
			3, 0, 4, 0,
			0, 0, 0, 0,
		}},
		{3, 7, 3, []float32{
			0, -1, 0, 3, 1, 3, 9,
			-1, 0, 0, 2, 3, 3, 9,
			0, 0, -1, 3, 3, 3, 9,
		}, "[0 3]", []float32{
			1, 0, 0, 2, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0,
		}},
	}
	for _, tt := range tests {
		r := make([]float32, (tt.h/tt.size)*(tt.w/tt.size))
		for i := range r {
			r[i] = float32(i + 1)
		}
		x := bnInput{"x", []int{1, tt.h * tt.w}, tt.x}
		p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
			return maxpool("pool", in[0], 1, tt.h, tt.w, tt.size)
		}, r, x)
		p.run(t)
		if got := fmt.Sprint(p.output()); got != tt.y {
			t.Errorf("maxpool(%d×%d, %d) = %s, want %s", tt.h, tt.w, tt.size, got, tt.y)
		}
		if got := p.grad(0); fmt.Sprint(got) != fmt.Sprint(tt.dx) {
			t.Errorf("maxpool(%d×%d, %d) gradient =\n%v, want\n%v", tt.h, tt.w, tt.size, got, tt.dx)
		}
	}
}

// TestMaxpoolNaN checks that a NaN in a window makes its maximum NaN, as
// in PyTorch, so that a diverging network shows in its loss.
func TestMaxpoolNaN(t *testing.T) { poolPaths(t, maxpoolNaN) }

func maxpoolNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, size := range []int{2, 3} {
		x := bnInput{"x", []int{1, size * size}, make([]float32, size*size)}
		x.data[size*size-1] = nan
		p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
			return maxpool("pool", in[0], 1, size, size, size)
		}, []float32{1}, x)
		p.run(t)
		if got := p.output()[0]; got == got {
			t.Errorf("maxpool of a %d×%d window holding a NaN = %g, want NaN", size, size, got)
		}
	}
}

// TestPoolMatchesPyTorch compares each pooling layer's output and input
// gradient with torch.nn.functional's max_pool2d, avg_pool2d and
// adaptive_avg_pool2d(x, 1), within the relative tolerance in the file
// (1e-5). The first maxpool case has many equal maxima.
func TestPoolMatchesPyTorch(t *testing.T) { poolPaths(t, poolMatchesPyTorch) }

func poolMatchesPyTorch(t *testing.T) {
	for _, op := range poolOps {
		refs, tol := convLoadRefs(t, op.name)
		for _, ref := range refs {
			t.Run(fmt.Sprintf("%s/%dx%dx%d_%d_ties=%v", op.name, ref.C, ref.H, ref.W, ref.Size, ref.Ties), func(t *testing.T) {
				x := bnInput{"x", []int{ref.N, ref.C * ref.H * ref.W}, bnFloat32s(ref.X)}
				p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
					return op.build(in[0], ref.C, ref.H, ref.W, ref.Size)
				}, bnFloat32s(ref.R), x)
				p.run(t)
				bnCompare(t, "y", p.output(), ref.Y, tol)
				bnCompare(t, "dx", p.grad(0), ref.DX, tol)
			})
		}
	}
}

// TestPoolRunsRepeat checks that a second run gives the same gradient as
// the first, with the maxima moved in between: maxpool's gradient must
// not keep the previous run's positions.
func TestPoolRunsRepeat(t *testing.T) { poolPaths(t, poolRunsRepeat) }

func poolRunsRepeat(t *testing.T) {
	for _, op := range poolOps {
		t.Run(op.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, 3))
			x := bnRandInput(rng, "x", 2, 2*5*4)
			size := 2 * 2 * 2 * 2 // outputs of maxpool and avgpool
			if op.name == "globalavgpool" {
				size = 2 * 2
			}
			p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
				return op.build(in[0], 2, 5, 4, 2)
			}, bnRandInput(rng, "r", size).data, x)
			want := convGrads(t, p)[0]
			orig := append([]float32(nil), x.data...)
			for i := range x.data {
				x.data[i] = -x.data[i]
			}
			p.run(t)
			copy(x.data, orig)
			for j, g := range convGrads(t, p)[0] {
				if g != want[j] {
					t.Fatalf("after another input, d/dx[%d] = %g, first run %g", j, g, want[j])
				}
			}
		})
	}
}

func TestPoolRejectsBadShapes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3*4*5), G.WithName("x"))
	tests := []struct {
		c, h, w, size int
		want          string
	}{
		{3, 4, 5, 2, ""},
		{3, 4, 5, 5, "maxpool pool: input 4×5 is smaller than the 5×5 window"},
		{3, 4, 5, 0, "window size must be ≥ 1 (got 0)"},
		{3, 5, 4, 2, ""},
		{2, 4, 5, 2, "input is (2, 60), want n × 40 (2×4×5)"},
	}
	for _, tt := range tests {
		_, err := maxpool("pool", x, tt.c, tt.h, tt.w, tt.size)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("maxpool(%d×%d×%d, %d) = %v, want %q", tt.c, tt.h, tt.w, tt.size, err, tt.want)
		}
	}
	if _, err := globalavgpool("gap", x, 3, 4, 4); err == nil || !strings.Contains(err.Error(), "globalavgpool gap: input is (2, 60), want n × 48") {
		t.Errorf("globalavgpool(3×4×4) on 60 values a sample = %v, want a shape error", err)
	}
}

// TestMaxpoolVectorMatchesScalar compares the vector kernels' maxima,
// gradients and choices with the scalar loops' on random planes with
// ties, NaNs and infinities, odd sizes whose last row or column no window
// covers, and rows of more than 16 windows.
func TestMaxpoolVectorMatchesScalar(t *testing.T) {
	if !poolVector {
		t.Skip("no vector kernels")
	}
	defer func(saved bool) { poolVector = saved }(poolVector)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []struct{ n, c, h, w int }{
		{64, 6, 28, 28}, {3, 2, 5, 7}, {2, 3, 10, 70}, {1, 1, 2, 2}, {5, 4, 7, 33}, {2, 2, 4, 64},
	} {
		x := bnRandInput(rng, "x", s.n, s.c*s.h*s.w)
		for i := range x.data {
			switch rng.IntN(40) {
			case 0:
				x.data[i] = float32(math.NaN())
			case 1:
				x.data[i] = float32(math.Inf(1 - 2*rng.IntN(2)))
			case 2, 3, 4, 5:
				x.data[i] = float32(rng.IntN(3)) // ties
			}
		}
		r := bnRandInput(rng, "r", s.n*s.c*(s.h/2)*(s.w/2)).data
		var got [2][2][]float32
		for i, vector := range []bool{false, true} {
			poolVector = vector
			p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
				return maxpool("pool", in[0], s.c, s.h, s.w, 2)
			}, r, x)
			p.run(t)
			got[i] = [2][]float32{append([]float32(nil), p.output()...), append([]float32(nil), p.grad(0)...)}
		}
		for j, what := range []string{"y", "dx"} {
			want, have := got[0][j], got[1][j]
			for i := range want {
				if math.Float32bits(want[i]) != math.Float32bits(have[i]) && !(want[i] != want[i] && have[i] != have[i]) && !(want[i] == 0 && have[i] == 0) {
					t.Fatalf("%+v: vector %s[%d] = %g, scalar %g", s, what, i, have[i], want[i])
				}
			}
		}
	}
}
