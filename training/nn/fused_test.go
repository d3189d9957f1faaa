package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// fusedSame checks that two runs' outputs and gradients are the same bit
// for bit.
func fusedSame(t *testing.T, names []string, got, want [][]float32) {
	t.Helper()
	for i, name := range names {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s has %d values, want %d", name, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
				t.Fatalf("%s[%d] = %g fused, %g with a ReLU node", name, j, got[i][j], want[i][j])
			}
		}
	}
}

// fusedRun runs p twice (the second run with the running statistics the
// first left) and returns the output and every input's gradient.
func fusedRun(t *testing.T, p *bnProbe) [][]float32 {
	t.Helper()
	p.run(t)
	out := [][]float32{append([]float32(nil), p.output()...)}
	return append(out, convGrads(t, p)...)
}

// TestBatchNormReLUFused checks that batch normalisation with its ReLU
// fused gives bit for bit the output, gradients and running statistics of
// the layer followed by the activation's own node, in both modes, with
// the Go loops and with the vector kernels, on blocks whose lengths are
// and are not multiples of the vectors' 16 and 4.
func TestBatchNormReLUFused(t *testing.T) { bothPaths(t, &normVector, "go", "vector", bnReLUFused) }

func bnReLUFused(t *testing.T) {
	for _, tt := range []bnShape{
		{"15", 5, 3, 3, 5},
		{"49", 4, 2, 7, 7},
		{"784", 3, 2, 28, 28},
		{"1d", 17, 5, 1, 1},
		{"2", 3, 4, 1, 2},
	} {
		for _, training := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/train=%v", tt.name, training), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(tt.n), uint64(tt.c)))
				x := bnRandInput(rng, "x", tt.n, tt.c*tt.h*tt.w)
				gamma, beta := bnRandInput(rng, "gamma", tt.c), bnRandInput(rng, "beta", tt.c)
				r := bnRandInput(rng, "r", len(x.data)).data
				run := func(fused bool) ([][]float32, *BatchNormState) {
					st := NewBatchNormState(tt.c)
					for ch := range tt.c {
						st.RunningMean[ch], st.RunningVar[ch] = float32(ch)/4, 1+float32(ch)/2
					}
					p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
						if fused {
							return batchnormReLU("bn", in[0], in[1], in[2], tt.c, tt.h, tt.w, st, training)
						}
						y, err := batchnorm("bn", in[0], in[1], in[2], tt.c, tt.h, tt.w, st, training)
						if err != nil {
							return nil, err
						}
						return activate("relu", ReLU, y)
					}, r, x, gamma, beta)
					fusedRun(t, p)
					return fusedRun(t, p), st
				}
				want, wantSt := run(false)
				got, gotSt := run(true)
				fusedSame(t, []string{"y", "dx", "dgamma", "dbeta"}, got, want)
				fusedSame(t, []string{"running_mean", "running_var"},
					[][]float32{gotSt.RunningMean, gotSt.RunningVar}, [][]float32{wantSt.RunningMean, wantSt.RunningVar})
			})
		}
	}
}

// TestAddReLUFused checks that the residual add with its ReLU fused gives
// bit for bit the output and gradients of the add followed by the
// activation's node, for two inputs and for one added to itself.
func TestAddReLUFused(t *testing.T) { bothPaths(t, &normVector, "go", "vector", addReLUFused) }

func addReLUFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 10))
	a, b := bnRandInput(rng, "a", 5, 37), bnRandInput(rng, "b", 5, 37)
	r := bnRandInput(rng, "r", 5*37).data
	for _, same := range []bool{false, true} {
		t.Run(fmt.Sprintf("same=%v", same), func(t *testing.T) {
			run := func(fused bool) [][]float32 {
				inputs := []bnInput{a, b}
				if same {
					inputs = inputs[:1]
				}
				p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) {
					u, v := in[0], in[len(in)-1]
					if fused {
						return addReLU("add", u, v)
					}
					y, err := add("add", u, v)
					if err != nil {
						return nil, err
					}
					return activate("relu", ReLU, y)
				}, r, inputs...)
				return fusedRun(t, p)
			}
			want, got := run(false), run(true)
			fusedSame(t, []string{"y", "da", "db"}[:len(want)], got, want)
		})
	}
}
