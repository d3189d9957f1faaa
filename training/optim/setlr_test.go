package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// pytorchStep is one step of torch.optim's update equations (the
// algorithms in its documentation, 1.13 and later) in float64, with the
// state kept in st: what PyTorch does after param_group["lr"] = lr. For
// adam and adamw, mu is β₁ (param_group["betas"][0]).
type pytorchState struct {
	t      int
	s0, s1 []float64 // momentum buffer or Adam's m; Adam's v or the squared-gradient average or sum
}

func pytorchStep(kind Kind, lr, mu, wd float64, p, g []float64, st *pytorchState) {
	st.t++
	if st.s0 == nil {
		st.s0, st.s1 = make([]float64, len(p)), make([]float64, len(p))
	}
	for j := range p {
		switch kind {
		case AdamW:
			p[j] *= 1 - lr*wd
			d := g[j]
			st.s0[j] = mu*st.s0[j] + (1-mu)*d
			st.s1[j] = adamBeta2*st.s1[j] + (1-adamBeta2)*d*d
			mhat := st.s0[j] / (1 - math.Pow(mu, float64(st.t)))
			vhat := st.s1[j] / (1 - math.Pow(adamBeta2, float64(st.t)))
			p[j] -= lr * mhat / (math.Sqrt(vhat) + adamEps)
			continue
		}
		d := g[j] + wd*p[j]
		switch kind {
		case SGD:
			p[j] -= lr * d
		case Momentum, Nesterov:
			if st.t == 1 {
				st.s0[j] = d
			} else {
				st.s0[j] = mu*st.s0[j] + d
			}
			if kind == Nesterov {
				d += mu * st.s0[j]
			} else {
				d = st.s0[j]
			}
			p[j] -= lr * d
		case Adam:
			st.s0[j] = mu*st.s0[j] + (1-mu)*d
			st.s1[j] = adamBeta2*st.s1[j] + (1-adamBeta2)*d*d
			mhat := st.s0[j] / (1 - math.Pow(mu, float64(st.t)))
			vhat := st.s1[j] / (1 - math.Pow(adamBeta2, float64(st.t)))
			p[j] -= lr * mhat / (math.Sqrt(vhat) + adamEps)
		case RMSprop:
			st.s1[j] = rmspropAlpha*st.s1[j] + (1-rmspropAlpha)*d*d
			p[j] -= lr * d / (math.Sqrt(st.s1[j]) + rmspropEps)
		case Adagrad:
			st.s1[j] += d * d
			p[j] -= lr * d / (math.Sqrt(st.s1[j]) + adagradEps)
		}
	}
}

// TestSetLearningRateMatchesPyTorch changes the learning rate twice during
// a run of every optimizer and checks each step against PyTorch's update
// with the new rate and the state built up so far: the moments, buffers
// and Adam's step count survive the change.
func TestSetLearningRateMatchesPyTorch(t *testing.T) {
	const n = 37 // long enough for the vector Adam kernel and its scalar tail
	rng := rand.New(rand.NewPCG(5, 6))
	a, b, start := make([]float64, n), make([]float64, n), make([]float64, n)
	for j := range n {
		a[j], b[j], start[j] = 2*rng.Float64()-0.5, rng.Float64()-0.5, 4*rng.Float64()-2
	}
	// Each setting holds for some steps: the rate goes up tenfold, then
	// down a hundredfold; the momentum (Adam's β₁) and the weight decay
	// change on their own steps.
	schedule := []struct {
		lr, mu, wd float64
		steps      int
	}{{0.01, 0.9, 0.01, 3}, {0.1, 0.9, 0.01, 3}, {0.1, 0.5, 0.01, 2}, {0.1, 0.5, 0.2, 2}, {0.001, 0.95, 0, 2}}
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			o, err := New(Config{Kind: kind, LearningRate: schedule[0].lr, Momentum: 0.9, WeightDecay: 0.01}, []int{n}, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			p32 := make([]float32, n)
			p64 := append([]float64(nil), start...)
			for j := range n {
				p32[j] = float32(start[j])
			}
			var st pytorchState
			step := 0
			for _, s := range schedule {
				if err := o.SetLearningRate(s.lr); err != nil {
					t.Fatalf("SetLearningRate(%g) = %v", s.lr, err)
				}
				if got := o.Config().LearningRate; got != s.lr {
					t.Fatalf("after SetLearningRate(%g), Config().LearningRate = %g", s.lr, got)
				}
				mu := 0.9 // the momentum, or Adam's β₁, in force
				if err := o.SetMomentum(s.mu); err == nil {
					mu = s.mu
				} else if kind.UsesMomentum() || kind == Adam || kind == AdamW {
					t.Fatalf("SetMomentum(%g) = %v", s.mu, err)
				}
				if err := o.SetWeightDecay(s.wd); err != nil {
					t.Fatalf("SetWeightDecay(%g) = %v", s.wd, err)
				}
				for range s.steps {
					step++
					g32, g64 := make([]float32, n), make([]float64, n)
					for j := range n {
						g64[j] = a[j]*p64[j] + b[j]
						g32[j] = float32(a[j]*float64(p32[j]) + b[j])
					}
					if err := o.Step([][]float32{p32}, [][]float32{g32}, nil); err != nil {
						t.Fatal(err)
					}
					pytorchStep(kind, s.lr, mu, s.wd, p64, g64, &st)
					for j := range n {
						if d := math.Abs(float64(p32[j]) - p64[j]); d > 2e-5*max(1, math.Abs(p64[j])) {
							t.Fatalf("step %d (lr %g): parameter %d = %.9g, want PyTorch's %.9g", step, s.lr, j, p32[j], p64[j])
						}
					}
				}
			}
			if o.Steps() != step {
				t.Errorf("Steps() = %d, want %d", o.Steps(), step)
			}
		})
	}
}

func TestSetLearningRateRefusesBadRates(t *testing.T) {
	o, err := New(Config{Kind: Adam, LearningRate: 0.001}, []int{3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, lr := range []float64{0, -0.1, math.NaN(), math.Inf(1), 101} {
		err := o.SetLearningRate(lr)
		if err == nil || !strings.Contains(err.Error(), "learning rate must be") {
			t.Errorf("SetLearningRate(%g) = %v, want an error naming the learning rate", lr, err)
		}
		if got := o.Config().LearningRate; got != 0.001 {
			t.Errorf("after SetLearningRate(%g) failed, the learning rate is %g, want 0.001 kept", lr, got)
		}
	}
	if err := o.SetLearningRate(100); err != nil { // the largest rate Validate allows
		t.Errorf("SetLearningRate(100) = %v, want nil", err)
	}
}

func TestSetMomentumAndWeightDecayRefuse(t *testing.T) {
	o, err := New(Config{Kind: SGD, LearningRate: 0.1, WeightDecay: 0.01}, []int{3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.SetMomentum(0.9); err == nil || !strings.Contains(err.Error(), "the sgd optimizer has no momentum") {
		t.Errorf("SetMomentum on sgd = %v, want an error saying sgd has none", err)
	}
	for _, wd := range []float64{-0.1, 1, math.NaN()} {
		if err := o.SetWeightDecay(wd); err == nil || !strings.Contains(err.Error(), "weight decay must be in [0, 1)") {
			t.Errorf("SetWeightDecay(%g) = %v, want the allowed range", wd, err)
		}
	}
	if got := o.Config().WeightDecay; got != 0.01 {
		t.Errorf("after refused changes, the weight decay is %g, want 0.01 kept", got)
	}
	m, err := New(Config{Kind: Momentum, LearningRate: 0.1, Momentum: 0.9}, []int{3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, mu := range []float64{-0.1, 1, math.NaN()} {
		if err := m.SetMomentum(mu); err == nil || !strings.Contains(err.Error(), "momentum must be in [0, 1)") {
			t.Errorf("SetMomentum(%g) = %v, want the allowed range", mu, err)
		}
	}
	if got := m.Config().Momentum; got != 0.9 {
		t.Errorf("after refused changes, the momentum is %g, want 0.9 kept", got)
	}
}
