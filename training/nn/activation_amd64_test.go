//go:build amd64

package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// reluInputs returns n values drawn from rng, with ±0, ±Inf, NaNs of
// both signs, subnormals and ±1 mixed in among normal ones.
func reluInputs(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), math.Float32frombits(0x7fa00001), 1e-42, -1e-42, 1, -1}
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(4) == 0 {
			v[i] = special[rng.IntN(len(special))]
		} else {
			v[i] = float32(rng.NormFloat64())
		}
	}
	return v
}

// TestReLUVectorMatchesGo checks that the AVX-512 ReLU kernels give the
// loops' results bit for bit, NaNs included, on lengths around the
// vector width and its multiples, and write nothing past the end.
func TestReLUVectorMatchesGo(t *testing.T) {
	if !reluVector {
		t.Skip("no AVX-512")
	}
	defer func(saved bool) { reluVector = saved }(reluVector)
	rng := rand.New(rand.NewPCG(7, 7))
	lengths := []int{1000, 1027, 4096 + 63}
	for n := 0; n <= 80; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		z, dh := reluInputs(rng, n), reluInputs(rng, n)
		run := func(vector bool) (h, dz []float32) {
			reluVector = vector
			h, dz = make([]float32, n+1), make([]float32, n+1)
			h[n], dz[n] = 42, 42 // past the end
			ReLU.forward(h[:n], z)
			ReLU.backward(dz[:n], z, h[:n], dh)
			return h, dz
		}
		wantH, wantDz := run(false)
		gotH, gotDz := run(true)
		for i := range gotH {
			if math.Float32bits(gotH[i]) != math.Float32bits(wantH[i]) {
				t.Fatalf("n %d: relu(%g) = %g (%#x), want %g (%#x)", n, z[i], gotH[i], math.Float32bits(gotH[i]), wantH[i], math.Float32bits(wantH[i]))
			}
			if math.Float32bits(gotDz[i]) != math.Float32bits(wantDz[i]) {
				t.Fatalf("n %d: relu'(%g)·%g = %g, want %g", n, z[i], dh[i], gotDz[i], wantDz[i])
			}
		}
	}
}
