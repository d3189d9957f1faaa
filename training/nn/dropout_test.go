package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// dropProbe returns a probe of dropout(p) in training over an n×cols input
// and the source of its random numbers.
func dropProbe(t testing.TB, p float64, n, cols int, seed uint64) (*bnProbe, *rand.PCG) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	x := bnRandInput(rng, "x", n, cols)
	r := bnRandInput(rng, "r", n*cols).data
	src := rand.NewPCG(seed, 2)
	build := func(in G.Nodes) (*G.Node, error) { return dropout("drop", in[0], p, rand.New(src), true) }
	return bnNewProbe(t, build, r, x), src
}

// TestDropoutGradients checks dx against central differences, with the
// source re-seeded before every run so that the mask stays the same.
func TestDropoutGradients(t *testing.T) {
	p, src := dropProbe(t, 0.4, 4, 6, 7)
	p.before = func() { src.Seed(7, 2) }
	p.run(t)
	zeros := 0
	for _, v := range p.output() {
		if v == 0 {
			zeros++
		}
	}
	if zeros == 0 || zeros == len(p.output()) {
		t.Fatalf("the mask drops %d of %d values: the check would not see both kinds", zeros, len(p.output()))
	}
	p.checkGradients(t)
}

// TestDropoutStatistics checks, over a large input, that the kept fraction
// is within 4 standard errors of 1 − p, that kept values are scaled by
// exactly 1/(1 − p), that the gradient uses the forward run's mask, and
// that each run draws a new mask.
func TestDropoutStatistics(t *testing.T) {
	const n, cols = 200, 1000
	for _, prob := range []float64{0.1, 0.5, 0.8} {
		p, _ := dropProbe(t, prob, n, cols, 3)
		x, r := p.inputs[0].data, p.r
		var previous []float32
		for run := range 2 {
			p.run(t)
			y, dx := p.output(), p.grad(0)
			scale := float32(1 / (1 - prob))
			kept := 0
			for i, v := range y {
				switch v {
				case 0:
					if dx[i] != 0 {
						t.Fatalf("p=%g: dropped value %d has gradient %g, want 0", prob, i, dx[i])
					}
				case x[i] * scale:
					kept++
					if dx[i] != r[i]*scale {
						t.Fatalf("p=%g: kept value %d has gradient %g, want %g", prob, i, dx[i], r[i]*scale)
					}
				default:
					t.Fatalf("p=%g: y[%d] = %g, want 0 or %g·%g", prob, i, v, x[i], scale)
				}
			}
			frac, se := float64(kept)/float64(n*cols), math.Sqrt(prob*(1-prob)/float64(n*cols))
			if math.Abs(frac-(1-prob)) > 4*se {
				t.Errorf("p=%g, run %d: kept %.5f of the values, want %.5f ± %.5f", prob, run+1, frac, 1-prob, 4*se)
			}
			if previous != nil && equalFloat32s(previous, y) {
				t.Errorf("p=%g: the second run drew the first run's mask", prob)
			}
			previous = append([]float32(nil), y...)
		}
	}
}

// TestDropoutSameSeedSameMask checks that two layers seeded alike draw the
// same masks, run after run, and that another seed draws others.
func TestDropoutSameSeedSameMask(t *testing.T) {
	a, _ := dropProbe(t, 0.5, 8, 50, 11)
	b, _ := dropProbe(t, 0.5, 8, 50, 11)
	c, _ := dropProbe(t, 0.5, 8, 50, 12)
	for run := range 3 {
		a.run(t)
		b.run(t)
		if !equalFloat32s(a.output(), b.output()) || !equalFloat32s(a.grad(0), b.grad(0)) {
			t.Fatalf("run %d: two layers seeded alike computed different values", run+1)
		}
	}
	c.run(t)
	if equalFloat32s(a.output(), c.output()) {
		t.Error("layers seeded differently drew the same mask")
	}
}

func equalFloat32s(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDropoutIdentity checks that evaluation and p = 0 return the input
// node itself, and that bad probabilities are refused.
func TestDropoutIdentity(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3), G.WithName("x"))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		p        float64
		rng      *rand.Rand
		training bool
		want     string // "" for the identity, "kernel" for a new node
	}{
		{0.5, rng, false, ""},
		{0.5, nil, false, ""},
		{0, rng, true, ""},
		{0.5, rng, true, "kernel"},
		{0.5, nil, true, "needs a random source"},
		{1, rng, true, "must be in [0, 1) (got 1)"},
		{-0.1, rng, false, "must be in [0, 1) (got -0.1)"},
		{math.NaN(), rng, true, "must be in [0, 1) (got NaN)"},
	} {
		y, err := dropout("drop", x, tt.p, tt.rng, tt.training)
		switch {
		case tt.want == "" && (err != nil || y != x):
			t.Errorf("dropout(p=%g, training=%v) = %v, %v; want x itself", tt.p, tt.training, y, err)
		case tt.want == "kernel" && (err != nil || y == x):
			t.Errorf("dropout(p=%g, training=%v) = %v, %v; want a new node", tt.p, tt.training, y, err)
		case tt.want != "" && tt.want != "kernel" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("dropout(p=%g, training=%v) = %v, want %q", tt.p, tt.training, err, tt.want)
		}
	}
}
