package landscape

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/training/nn"
)

var (
	digitsOnce  sync.Once
	digitsSplit *dataset.Split
	digitsStats imageproc.Stats
	digitsErr   error
)

// digits returns MNIST's 3/5/8 test split and the training set's
// normalisation.
func digits(t testing.TB) (*dataset.Split, imageproc.Stats) {
	t.Helper()
	digitsOnce.Do(func() {
		ds, err := dataset.LoadMNIST([]string{"3", "5", "8"})
		if err != nil {
			digitsErr = err
			return
		}
		digitsSplit, digitsStats = ds.Test, imageproc.ComputeStats(ds.Train.Images)
	})
	if digitsErr != nil {
		t.Fatal(digitsErr)
	}
	return digitsSplit, digitsStats
}

func digitSet(t testing.TB, n int) *Set {
	t.Helper()
	split, stats := digits(t)
	s, err := NewSet(split, stats, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func model(t testing.TB, hidden []nn.Layer, seed uint64) *nn.Model {
	t.Helper()
	m, err := nn.New(nn.Spec{Inputs: imageproc.Pixels, Hidden: hidden, Classes: 3}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var defaultHidden = []nn.Layer{{Width: 128, Activation: nn.ReLU}, {Width: 64, Activation: nn.ReLU}}

// reference evaluates m on the set as the training engine's evaluator
// does: whole-network forward passes in batches of 256, the loss summed
// as batch mean × batch size.
func reference(t testing.TB, m *nn.Model, loss nn.Loss, s *Set) (float64, float64) {
	t.Helper()
	var sum float64
	correct := 0
	c := m.Spec.Classes
	for _, ch := range s.chunks() {
		n := ch[1] - ch[0]
		net, err := m.Compile(nn.Evaluate, n, loss)
		if err != nil {
			t.Fatal(err)
		}
		copy(net.X, s.X[ch[0]*s.Inputs:ch[1]*s.Inputs])
		for i, l := range s.Labels[ch[0]:ch[1]] {
			net.Y[i*c+int(l)] = 1
		}
		if err := net.Run(); err != nil {
			t.Fatal(err)
		}
		sum += net.Loss() * float64(n)
		for i, l := range s.Labels[ch[0]:ch[1]] {
			if nn.Argmax(net.Probs()[i*c:(i+1)*c]) == int(l) {
				correct++
			}
		}
		net.Close()
	}
	return sum / float64(s.Len()), float64(correct) / float64(s.Len())
}

// moved returns m + α·d1 + β·d2 as a model of its own.
func moved(m *nn.Model, d1, d2 Direction, alpha, beta float32) *nn.Model {
	c := m.Clone()
	for i, p := range c.Params {
		for j := range p.Data {
			p.Data[j] += alpha * d1[i][j]
			if d2 != nil {
				p.Data[j] += beta * d2[i][j]
			}
		}
	}
	return c
}

// TestCentreIsTheModel checks that a slice's centre is the model's own
// evaluated loss and accuracy on the same samples, bit for bit, and that
// other points are the loss of the moved weights.
func TestCentreIsTheModel(t *testing.T) {
	set := digitSet(t, 1000)
	for _, tc := range []struct {
		name   string
		hidden []nn.Layer
		loss   nn.Loss
	}{
		{"default", defaultHidden, nn.CrossEntropy},
		{"mse tanh", []nn.Layer{{Width: 32, Activation: nn.Tanh}}, nn.MSE},
		{"softmax regression", nil, nn.CrossEntropy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model(t, tc.hidden, 3)
			d1, d2 := Random(m, 1), Random(m, 2)
			alphas, betas := Span(-1, 1, 5), Span(-0.5, 0.5, 3)
			g, err := Evaluate(context.Background(), Plane{Centre: m, D1: d1, D2: d2}, tc.loss, set, alphas, betas, nil)
			if err != nil {
				t.Fatal(err)
			}
			loss, acc := g.At(2, 1)
			wantLoss, wantAcc := reference(t, m, tc.loss, set)
			if loss != wantLoss || acc != wantAcc {
				t.Errorf("centre: loss %v, accuracy %v; the model evaluates to %v, %v", loss, acc, wantLoss, wantAcc)
			}
			for _, at := range [][2]int{{0, 0}, {4, 2}, {1, 2}} {
				loss, acc := g.At(at[0], at[1])
				a, b := float32(alphas[at[0]]), float32(betas[at[1]])
				wantLoss, wantAcc := reference(t, moved(m, d1, d2, a, b), tc.loss, set)
				if math.Abs(loss-wantLoss) > 1e-5*wantLoss || math.Abs(acc-wantAcc) > 0.0021 {
					t.Errorf("(α, β) = (%g, %g): loss %v, accuracy %v; the moved weights evaluate to %v, %v", a, b, loss, acc, wantLoss, wantAcc)
				}
			}
		})
	}
}

// TestInterpolation checks the line from the initial to the trained
// weights: its ends are the two models.
func TestInterpolation(t *testing.T) {
	set := digitSet(t, 300)
	init, trained := model(t, defaultHidden, 1), model(t, defaultHidden, 2)
	d, err := Between(init, trained)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Evaluate(context.Background(), Plane{Centre: init, D1: d}, nn.CrossEntropy, set, []float64{0, 1}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range []*nn.Model{init, trained} {
		want, _ := reference(t, m, nn.CrossEntropy, set)
		if got := g.Loss[i]; math.Abs(got-want) > 1e-5*want {
			t.Errorf("t = %d: loss %v, want the model's %v", i, got, want)
		}
	}
	if _, err := Between(init, model(t, nil, 1)); err == nil {
		t.Errorf("Between models of different architectures succeeded")
	}
}

// TestFilterNormalisation checks that every filter of a random
// direction's weights has the norm of the same filter of the weights (a
// dense layer's row; a convolution's output channel, all its in×kh×kw
// weights), and that the directions of biases and of batch
// normalisation's scale and shift are zero.
func TestFilterNormalisation(t *testing.T) {
	for _, m := range []*nn.Model{model(t, defaultHidden, 4), layerModel(t, smallResNet, 4)} {
		d := Random(m, 9)
		for i, p := range m.Params {
			if len(p.Shape) == 1 {
				for _, v := range d[i] {
					if v != 0 {
						t.Fatalf("%s: direction has %g, want 0", p.Name, v)
					}
				}
				continue
			}
			size := len(p.Data) / p.Shape[0]
			for r := range p.Shape[0] {
				var dn, wn float64
				for j := r * size; j < (r+1)*size; j++ {
					dn += float64(d[i][j]) * float64(d[i][j])
					wn += float64(p.Data[j]) * float64(p.Data[j])
				}
				if math.Abs(math.Sqrt(dn)-math.Sqrt(wn)) > 1e-5*math.Sqrt(wn) {
					t.Errorf("%s filter %d: direction norm %g, weight norm %g", p.Name, r, math.Sqrt(dn), math.Sqrt(wn))
				}
			}
		}
	}
	m := model(t, defaultHidden, 4)
	d := Random(m, 9)
	again := Random(m, 9)
	other := Random(m, 10)
	if again[0][5] != d[0][5] || other[0][5] == d[0][5] {
		t.Errorf("Random is not a function of its seed: %g, %g, %g", d[0][5], again[0][5], other[0][5])
	}
}

// TestEvaluateDeterministic checks that the result does not depend on how
// many CPUs share the work.
func TestEvaluateDeterministic(t *testing.T) {
	set := digitSet(t, 600)
	m := model(t, defaultHidden, 5)
	pl := Plane{Centre: m, D1: Random(m, 1), D2: Random(m, 2)}
	run := func() *Grid {
		g, err := Evaluate(context.Background(), pl, nn.CrossEntropy, set, Span(-1, 1, 4), Span(-1, 1, 3), nil)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	two := run()
	old := runtime.GOMAXPROCS(1)
	one := run()
	runtime.GOMAXPROCS(old)
	for i := range two.Loss {
		if one.Loss[i] != two.Loss[i] || one.Acc[i] != two.Acc[i] {
			t.Errorf("point %d: %v, %v on one CPU; %v, %v on %d", i, one.Loss[i], one.Acc[i], two.Loss[i], two.Acc[i], old)
		}
	}
}

func TestEvaluateProgressAndCancel(t *testing.T) {
	set := digitSet(t, 300)
	m := model(t, defaultHidden, 5)
	pl := Plane{Centre: m, D1: Random(m, 1), D2: Random(m, 2)}
	var last, total int
	_, err := Evaluate(context.Background(), pl, nn.CrossEntropy, set, Span(-1, 1, 3), Span(-1, 1, 3), func(d, n int) { last, total = d, n })
	if err != nil || last != total || total != 9*2 {
		t.Errorf("progress ended at %d of %d (%v); want 18 of 18", last, total, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Evaluate(ctx, pl, nn.CrossEntropy, set, Span(-1, 1, 30), Span(-1, 1, 30), func(d, n int) {
		if d > 10 {
			cancel()
		}
	})
	if err != context.Canceled {
		t.Errorf("cancelled Evaluate returned %v, want %v", err, context.Canceled)
	}
}

func TestEvaluateRejects(t *testing.T) {
	set := digitSet(t, 50)
	m := model(t, defaultHidden, 5)
	d := Random(m, 1)
	small := model(t, nil, 1)
	bad := &Set{X: make([]float32, 10), Labels: []int32{0, 1}, Inputs: 5}
	wrongLabel := &Set{X: make([]float32, imageproc.Pixels), Labels: []int32{7}, Inputs: imageproc.Pixels}
	tests := []struct {
		name          string
		pl            Plane
		set           *Set
		alphas, betas []float64
		want          string
	}{
		{"no direction", Plane{Centre: m}, set, Span(-1, 1, 3), nil, "needs a centre"},
		{"wrong direction", Plane{Centre: m, D1: Random(small, 1)}, set, Span(-1, 1, 3), nil, "direction has 2 tensors"},
		{"wrong inputs", Plane{Centre: m, D1: d}, bad, Span(-1, 1, 3), nil, "5 inputs per sample"},
		{"wrong label", Plane{Centre: m, D1: d}, wrongLabel, Span(-1, 1, 3), nil, "label 7"},
		{"line with betas", Plane{Centre: m, D1: d}, set, Span(-1, 1, 3), Span(-1, 1, 3), "betas must be {0}"},
		{"too big", Plane{Centre: m, D1: d, D2: d}, set, Span(-1, 1, 300), Span(-1, 1, 300), "at most"},
		{"NaN", Plane{Centre: m, D1: d}, set, []float64{math.NaN()}, nil, "not a finite number"},
		{"empty", Plane{Centre: m, D1: d}, set, nil, nil, "empty"},
	}
	for _, tt := range tests {
		_, err := Evaluate(context.Background(), tt.pl, nn.CrossEntropy, tt.set, tt.alphas, tt.betas, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Evaluate(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestNewSet(t *testing.T) {
	split, stats := digits(t)
	all, err := NewSet(split, stats, 0, 1)
	if err != nil || all.Len() != split.Len() {
		t.Fatalf("NewSet(all) has %d samples (%v), want %d", all.Len(), err, split.Len())
	}
	a, _ := NewSet(split, stats, 100, 1)
	b, _ := NewSet(split, stats, 100, 1)
	c, _ := NewSet(split, stats, 100, 2)
	if a.Len() != 100 || a.X[500] != b.X[500] || a.Labels[50] != b.Labels[50] {
		t.Errorf("NewSet with the same seed gave different sets")
	}
	same := true
	for i := range a.Labels {
		same = same && a.Labels[i] == c.Labels[i]
	}
	if same && a.X[1000] == c.X[1000] {
		t.Errorf("NewSet with different seeds gave the same set")
	}
	if _, err := NewSet(&dataset.Split{}, stats, 10, 1); err == nil {
		t.Errorf("NewSet of an empty split succeeded")
	}
}
