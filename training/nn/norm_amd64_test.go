//go:build amd64

package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNormVectorMatchesGo checks that the vector kernels of batch
// normalisation and the residual add give the Go loops' results bit for
// bit, on lengths around the vectors' 16 and 4 float32s and their
// multiples, with and without a ReLU or its mask, and write nothing past
// the end.
func TestNormVectorMatchesGo(t *testing.T) {
	if !normVector {
		t.Skip("no AVX-512")
	}
	defer func(saved bool) { normVector = saved }(normVector)
	rng := rand.New(rand.NewPCG(11, 12))
	lengths := []int{196, 784, 787}
	for n := 1; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		x, g := bnRandInput(rng, "x", n).data, bnRandInput(rng, "g", n).data
		dy := reluInputs(rng, n)
		h := reluInputs(rng, n)
		special := reluInputs(rng, n) // with infinities and NaNs, for the elementwise kernels
		f := bnChannel{scale: 1.3, shift: -0.2, mean: 0.1, meanDy: 0.05, k: 0.7}
		both := func(what string, run func(out []float32) []float64) {
			t.Helper()
			outs := make([][]float32, 2)
			sums := make([][]float64, 2)
			for i, vector := range []bool{false, true} {
				normVector = vector
				out := make([]float32, n+1)
				out[n] = 42 // past the end
				sums[i] = run(out[:n])
				outs[i] = out
			}
			for j := range outs[0] {
				if math.Float32bits(outs[1][j]) != math.Float32bits(outs[0][j]) {
					t.Fatalf("n %d: %s[%d] = %g with the vector kernel, %g with Go", n, what, j, outs[1][j], outs[0][j])
				}
			}
			for j := range sums[0] {
				if math.Float64bits(sums[1][j]) != math.Float64bits(sums[0][j]) {
					t.Fatalf("n %d: %s's sum %d = %v with the vector kernel, %v with Go", n, what, j, sums[1][j], sums[0][j])
				}
			}
		}
		for _, relu := range []bool{false, true} {
			both("bnAffine", func(out []float32) []float64 { bnAffine(out, special, f.scale, f.shift, relu); return nil })
			both("addInto", func(out []float32) []float64 { addInto(out, special, x, relu); return nil })
		}
		both("bnMoments", func([]float32) []float64 { s, q := bnMoments(x, 0.3); return []float64{s, q} })
		for _, mask := range [][]float32{nil, h} {
			both("bnGradSums", func([]float32) []float64 { s, sx := bnGradSums(g, x, mask, 0.2); return []float64{s, sx} })
			both("bnGradX", func(out []float32) []float64 { bnGradX(out, dy, x, mask, f); return nil })
		}
	}
}
