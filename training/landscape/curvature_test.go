package landscape

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/neuralworkbench/workbench/training/nn"
)

// tinyProblem is a 6-5-4-3 network with the given activations on 40
// random samples: small enough for a dense Hessian.
func tinyProblem(t *testing.T, a1, a2 nn.Activation) (*nn.Model, *Set) {
	t.Helper()
	spec := nn.Spec{Inputs: 6, Hidden: []nn.Layer{{Width: 5, Activation: a1}, {Width: 4, Activation: a2}}, Classes: 3}
	m, err := nn.New(spec, 11)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	for _, p := range m.Params { // non-zero biases, larger weights: a curved loss
		for j := range p.Data {
			p.Data[j] = float32(rng.NormFloat64())
		}
	}
	s := &Set{Inputs: 6}
	for range 40 {
		for range 6 {
			s.X = append(s.X, float32(rng.NormFloat64()))
		}
		s.Labels = append(s.Labels, int32(rng.IntN(3)))
	}
	return m, s
}

// act64 is an activation in float64, written out from its definition.
func act64(a nn.Activation, z float64) float64 {
	switch a {
	case nn.ReLU:
		return math.Max(z, 0)
	case nn.LeakyReLU:
		if z > 0 {
			return z
		}
		return 0.01 * z
	case nn.ELU:
		if z > 0 {
			return z
		}
		return math.Expm1(z)
	case nn.GELU:
		return 0.5 * z * (1 + math.Erf(z/math.Sqrt2))
	case nn.Tanh:
		return math.Tanh(z)
	case nn.Sigmoid:
		return 1 / (1 + math.Exp(-z))
	}
	return z
}

// loss64 is the network's mean loss in float64, written out from the
// definitions, for a reference independent of the engine. theta holds the
// parameters in the model's order.
func loss64(spec nn.Spec, theta []float64, s *Set, loss nn.Loss) float64 {
	sizes := spec.Sizes()
	var total float64
	for i := range s.Labels {
		h := make([]float64, sizes[0])
		for j := range h {
			h[j] = float64(s.X[i*sizes[0]+j])
		}
		off := 0
		for l := 1; l < len(sizes); l++ {
			in, out := sizes[l-1], sizes[l]
			w, b := theta[off:off+in*out], theta[off+in*out:off+in*out+out]
			off += in*out + out
			z := make([]float64, out)
			for k := range out {
				z[k] = b[k]
				for j := range in {
					z[k] += w[k*in+j] * h[j]
				}
				if l < len(sizes)-1 {
					z[k] = act64(spec.Hidden[l-1].Activation, z[k])
				}
			}
			h = z
		}
		m := math.Inf(-1)
		for _, v := range h {
			m = math.Max(m, v)
		}
		var sum float64
		for _, v := range h {
			sum += math.Exp(v - m)
		}
		lse := m + math.Log(sum)
		y := int(s.Labels[i])
		if loss == nn.MSE {
			for c, v := range h {
				p := math.Exp(v - lse)
				if c == y {
					p--
				}
				total += p * p / float64(len(h))
			}
		} else {
			total += lse - h[y]
		}
	}
	return total / float64(s.Len())
}

// TestHessianMatchesDense checks the extreme eigenvalues from Lanczos on
// the R-operator's products against the eigenvalues of the dense float64
// Hessian, from second differences of the loss written out in the test,
// for every activation and both losses.
func TestHessianMatchesDense(t *testing.T) {
	for _, tc := range []struct {
		a1, a2 nn.Activation
		loss   nn.Loss
	}{
		{nn.Tanh, nn.ReLU, nn.CrossEntropy},
		{nn.ReLU, nn.Sigmoid, nn.MSE},
		{nn.GELU, nn.ELU, nn.CrossEntropy},
		{nn.LeakyReLU, nn.Linear, nn.MSE},
		{nn.Sigmoid, nn.Tanh, nn.MSE},
	} {
		m, set := tinyProblem(t, tc.a1, tc.a2)
		var theta []float64
		for _, p := range m.Params {
			for _, v := range p.Data {
				theta = append(theta, float64(v))
			}
		}
		n := len(theta)
		const h = 1e-4
		at := func(i, j int, si, sj float64) float64 {
			th := append([]float64(nil), theta...)
			th[i] += si * h
			th[j] += sj * h
			return loss64(m.Spec, th, set, tc.loss)
		}
		dense := mat.NewSymDense(n, nil)
		for i := range n {
			for j := i; j < n; j++ {
				v := (at(i, j, 1, 1) - at(i, j, 1, -1) - at(i, j, -1, 1) + at(i, j, -1, -1)) / (4 * h * h)
				dense.SetSym(i, j, v)
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(dense, false) {
			t.Fatal("dense eigendecomposition failed")
		}
		values := eig.Values(nil) // ascending
		wantMin, wantMax := values[0], values[n-1]

		c, err := Hessian(context.Background(), m, tc.loss, set, CurvatureOptions{MaxIter: n, Tol: 1e-6, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s-%s, %s", tc.a1, tc.a2, tc.loss)
		scale := math.Max(math.Abs(wantMax), math.Abs(wantMin))
		if math.Abs(c.Max-wantMax) > 1e-4*scale || math.Abs(c.Min-wantMin) > 1e-4*scale {
			t.Errorf("%s: Lanczos on the R-operator gives [%.6g, %.6g]; the dense Hessian's eigenvalues span [%.6g, %.6g]", name, c.Min, c.Max, wantMin, wantMax)
		}
		if want := loss64(m.Spec, theta, set, tc.loss); math.Abs(c.Loss-want) > 1e-5*want {
			t.Errorf("%s: loss at the weights %g, want %g", name, c.Loss, want)
		}
		t.Logf("%s: λ ∈ [%.6g, %.6g], dense [%.6g, %.6g], %d iterations", name, c.Min, c.Max, wantMin, wantMax, c.Iterations)
	}
}

// TestHessianOfTrainedNetwork runs the default network's curvature on the
// digits: its largest eigenvalue is positive, its smallest below it, and
// the product's step is validated.
func TestHessianOfTrainedNetwork(t *testing.T) {
	set := digitSet(t, 256)
	m := model(t, defaultHidden, 1)
	var iters int
	c, err := Hessian(context.Background(), m, nn.CrossEntropy, set, CurvatureOptions{MaxIter: 20, Progress: func(d, n int) { iters = d }})
	if err != nil {
		t.Fatal(err)
	}
	if !(c.Max > 0) || !(c.Min < c.Max) || c.Iterations != iters || c.Iterations > 20 {
		t.Errorf("curvature %+v after %d progress reports; want 0 < max, min < max, at most 20 iterations", c, iters)
	}
	if _, err := Hessian(context.Background(), m, nn.CrossEntropy, set, CurvatureOptions{Tol: -1}); err == nil {
		t.Errorf("Hessian with a negative tolerance succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hessian(ctx, m, nn.CrossEntropy, set, CurvatureOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Hessian with a cancelled context: %v, want %v", err, context.Canceled)
	}
}
