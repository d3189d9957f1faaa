//go:build amd64

package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
	G "gorgonia.org/gorgonia"
)

// TestConv2dBatchedMatchesIm2col compares the batched kernels' output and
// gradients with im2col's on geometries that exercise their edges: batches
// that are not a multiple of 16 (partial lanes and the transposes' scalar
// ends), fewer than 64 lanes (convDX6's grouping of taps), filters that
// are not a multiple of the kernels' 4 or 6, tap counts that are not a
// multiple of theirs, strides and padding, and LeNet's and the residual
// network's layers at full size.
func TestConv2dBatchedMatchesIm2col(t *testing.T) { convKernelSets(t, convMatchesIm2col) }

// convKernelSets runs test with each set of batched kernels the CPU has,
// AVX-512's and AVX2's, turning convAVX512 off for the second.
func convKernelSets(t *testing.T, test func(t *testing.T)) {
	if !convBatched {
		t.Skip("no AVX-512 or AVX2 with FMA")
	}
	defer func(saved bool) { convAVX512 = saved }(convAVX512)
	if cpu.X86.HasAVX512F {
		convAVX512 = true
		t.Run("avx512", test)
	}
	if convAVX2 {
		convAVX512 = false
		t.Run("avx2", test)
	}
}

func convMatchesIm2col(t *testing.T) {
	tests := convBatchCases
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n%d_%dx%dx%d_f%d_k%d_s%d_p%d", tt.n, tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad), func(t *testing.T) {
			x, w, b, r := tt.inputs(rand.New(rand.NewPCG(uint64(tt.n), uint64(tt.c*tt.k))))
			run := func(batched bool) [][]float32 {
				defer func(saved bool) { convBatched = saved }(convBatched)
				convBatched = batched
				p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
					return conv2d("conv", in[0], in[1], in[2], tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad, true)
				}, r, x, w, b)
				return append([][]float32{append([]float32(nil), p.outputAfterRun(t)...)}, convGrads(t, p)...)
			}
			want, got := run(false), run(true)
			for i, name := range []string{"y", "dx", "dW", "db"} {
				convCloseTo(t, name, got[i], want[i])
			}
		})
	}
}

var convBatchCases = []convCase{
	{64, 1, 28, 28, 6, 5, 1, 2}, // LeNet
	{64, 6, 14, 14, 16, 5, 1, 0},
	{64, 16, 28, 28, 16, 3, 1, 1}, // a residual block's
	{64, 16, 28, 28, 32, 1, 1, 0}, // a projection shortcut
	{1, 3, 7, 6, 5, 3, 1, 1},
	{17, 2, 9, 5, 7, 3, 1, 1},
	{33, 3, 8, 8, 4, 2, 2, 0},
	{16, 4, 6, 9, 10, 3, 2, 1},
	{70, 2, 5, 5, 3, 5, 1, 2},
	{20, 1, 4, 4, 1, 1, 1, 0},
	{5, 2, 3, 1, 2, 6, 1, 3},
	{48, 5, 10, 3, 9, 3, 3, 2},
}

// TestConv2dReLUFused checks that the batched convolution with its ReLU
// fused gives bit for bit the output and gradients of the convolution
// followed by the activation's own node.
func TestConv2dReLUFused(t *testing.T) { convKernelSets(t, convReLUFused) }

func convReLUFused(t *testing.T) {
	for _, tt := range convBatchCases {
		t.Run(fmt.Sprintf("n%d_%dx%dx%d_f%d_k%d_s%d_p%d", tt.n, tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad), func(t *testing.T) {
			x, w, b, r := tt.inputs(rand.New(rand.NewPCG(uint64(tt.n), uint64(tt.filters))))
			run := func(fused bool) [][]float32 {
				p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
					if fused {
						return conv2dReLU("conv", "relu", in[0], in[1], in[2], tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad, true)
					}
					z, err := conv2d("conv", in[0], in[1], in[2], tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad, true)
					if err != nil {
						return nil, err
					}
					return activate("relu", ReLU, z)
				}, r, x, w, b)
				return append([][]float32{append([]float32(nil), p.outputAfterRun(t)...)}, convGrads(t, p)...)
			}
			want, got := run(false), run(true)
			for i, name := range []string{"y", "dx", "dW", "db"} {
				for j := range want[i] {
					if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
						t.Fatalf("%s[%d] = %g fused, %g with a ReLU node", name, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

// outputAfterRun runs the probe and returns its output.
func (p *bnProbe) outputAfterRun(t *testing.T) []float32 {
	p.run(t)
	return p.output()
}

// convCloseTo checks that got equals want to 1e-5 of want's root mean
// square, the two having been summed in different orders.
func convCloseTo(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, want %d", name, len(got), len(want))
	}
	var ss float64
	for _, v := range want {
		ss += float64(v) * float64(v)
	}
	tol := 1e-5 * math.Sqrt(ss/float64(len(want)))
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			t.Fatalf("%s[%d] = %g, im2col gives %g (tolerance %g)", name, i, got[i], want[i], tol)
		}
	}
}

// TestConvLanes checks that toLanes and fromLanes transpose as written,
// through the assembly's 16×16 blocks and the scalar edges, and leave the
// rows' other entries alone.
func TestConvLanes(t *testing.T) { convKernelSets(t, convLanesMove) }

func convLanesMove(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{1, 15, 16, 17, 64, 70} {
		for _, q := range []int{1, 7, 16, 33, 784} {
			lanes := (n + 15) &^ 15
			rows := make([]int32, q)
			for i, j := range rng.Perm(q) { // rows anywhere, with a gap between
				rows[i] = int32(j * (lanes + 16))
			}
			src := bnRandInput(rng, "x", n*q).data
			dst := make([]float32, q*(lanes+16))
			for i := range dst {
				dst[i] = -1
			}
			toLanes(dst, rows, src, nil, n)
			for i, r := range rows {
				for j := range lanes + 16 {
					want := float32(-1)
					if j < n {
						want = src[j*q+i]
					}
					if got := dst[int(r)+j]; got != want {
						t.Fatalf("n %d, q %d: toLanes put %g at value %d, lane %d, want %g", n, q, got, i, j, want)
					}
				}
			}
			back := make([]float32, n*q)
			fromLanes(back, dst, rows, n, false)
			for i := range back {
				if back[i] != src[i] {
					t.Fatalf("n %d, q %d: fromLanes(toLanes(x))[%d] = %g, want %g", n, q, i, back[i], src[i])
				}
			}
			// Through ReLU: forward out of lanes, and its gradient in.
			relu, grad := make([]float32, n*q), make([]float32, n*q)
			fromLanes(relu, dst, rows, n, true)
			ReLU.forward(grad, src)
			for i := range relu {
				if math.Float32bits(relu[i]) != math.Float32bits(grad[i]) {
					t.Fatalf("n %d, q %d: fromLanes with ReLU gives %g at %d, want %g", n, q, relu[i], i, grad[i])
				}
			}
			dh := reluInputs(rng, n*q)
			ReLU.backward(grad, src, relu, dh)
			toLanes(dst, rows, dh, relu, n)
			for i, r := range rows {
				for j := range n {
					if got, want := dst[int(r)+j], grad[j*q+i]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("n %d, q %d: toLanes with ReLU's mask put %g at value %d, lane %d, want %g", n, q, got, i, j, want)
					}
				}
			}
		}
	}
}

// TestConvDXTiles checks that dxTiles places every tap once and never two
// in one call whose rows are less than four vectors apart.
func TestConvDXTiles(t *testing.T) {
	for _, n := range []int{1, 16, 32, 64} {
		for _, s := range []convShape{
			{c: 6, h: 14, w: 14, k: 5, stride: 1},
			{c: 2, h: 3, w: 1, k: 6, stride: 1, pad: 3},
			{c: 16, h: 28, w: 28, k: 1, stride: 1},
		} {
			s.oh, s.ow = (s.h+2*s.pad-s.k)/s.stride+1, (s.w+2*s.pad-s.k)/s.stride+1
			cb := newConvBatch(&s, n, 8)
			tiles := cb.dxTiles()
			seen := make([]int, cb.taps)
			for i := 0; i < len(tiles); i += 6 {
				for j, a := range tiles[i : i+6] {
					if a < 0 {
						continue
					}
					seen[a]++
					for _, b := range tiles[i+j+1 : i+6] {
						if b < 0 {
							continue
						}
						if d := cb.tapOff[a] - cb.tapOff[b]; d > -256 && d < 256 {
							t.Errorf("n %d, %+v: taps %d and %d in one call, %d bytes apart", n, s, a, b, d)
						}
					}
				}
			}
			for a, k := range seen {
				if k != 1 {
					t.Errorf("n %d, %+v: tap %d placed %d times", n, s, a, k)
				}
			}
		}
	}
}

// TestConv2dAVX2MatchesAVX512 checks that the AVX2 kernels give the
// AVX-512 kernels' output and gradients bit for bit: each lane's sums run
// in the same order with the same fused multiply-adds.
func TestConv2dAVX2MatchesAVX512(t *testing.T) {
	if !cpu.X86.HasAVX512F || !convAVX2 {
		t.Skip("needs AVX-512 and AVX2 with FMA")
	}
	defer func(b, w bool) { convBatched, convAVX512 = b, w }(convBatched, convAVX512)
	convBatched = true
	for _, tt := range convBatchCases {
		t.Run(fmt.Sprintf("n%d_%dx%dx%d_f%d_k%d_s%d_p%d", tt.n, tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad), func(t *testing.T) {
			x, w, b, r := tt.inputs(rand.New(rand.NewPCG(uint64(tt.k), uint64(tt.filters))))
			run := func(avx512 bool) [][]float32 {
				convAVX512 = avx512
				p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
					return conv2d("conv", in[0], in[1], in[2], tt.c, tt.h, tt.w, tt.filters, tt.k, tt.stride, tt.pad, true)
				}, r, x, w, b)
				return append([][]float32{append([]float32(nil), p.outputAfterRun(t)...)}, convGrads(t, p)...)
			}
			want, got := run(true), run(false)
			for i, name := range []string{"y", "dx", "dW", "db"} {
				for j := range want[i] {
					if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
						t.Fatalf("%s[%d] = %g with AVX2, %g with AVX-512", name, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}
