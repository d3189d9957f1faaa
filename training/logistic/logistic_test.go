package logistic

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training/dataset"
)

// close reports whether got is within rel of want, or within abs of it
// for values near zero.
func near(got, want, rel, abs float64) bool {
	return math.Abs(got-want) <= math.Max(abs, rel*math.Abs(want))
}

// toyPoints are two overlapping Gaussian classes on one feature.
func toyPoints(n int, seed uint64) *Points {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := &Points{}
	for i := range n {
		y := float64(i % 2)
		p.X = append(p.X, 2*y-1+0.8*rng.NormFloat64())
		p.Y = append(p.Y, y)
	}
	return p
}

var (
	digitsOnce sync.Once
	digits     *Points
	digitsErr  error
)

// digitPoints are the lab's default points: MNIST 3s (y = 0) and 5s
// (y = 1), 2,000 of them, projected on the difference of their means.
func digitPoints(t testing.TB) *Points {
	t.Helper()
	digitsOnce.Do(func() {
		ds, err := dataset.LoadMNIST([]string{"3", "5"})
		if err != nil {
			digitsErr = err
			return
		}
		digits, digitsErr = FromSplit(ds.Train, 0, 1, DefaultSamples, 1)
	})
	if digitsErr != nil {
		t.Fatal(digitsErr)
	}
	return digits
}

func TestPointLossClosedForms(t *testing.T) {
	ln2 := math.Ln2
	tests := []struct {
		loss       Loss
		z, y       float64
		wantLoss   float64
		wantDz     float64
		wantDz2    float64
		lossRelTol float64
	}{
		{CE, 0, 1, ln2, -0.5, 0.25, 1e-15},
		{CE, 0, 0, ln2, 0.5, 0.25, 1e-15},
		{CE, 1e4, 0, 1e4, 1, 0, 1e-15},          // certainly wrong: finite, linear
		{CE, -1e4, 1, 1e4, -1, 0, 1e-15},        // certainly wrong the other way
		{CE, 1e4, 1, 0, 0, 0, 0},                // certainly right
		{CE, 40, 1, math.Exp(-40), 0, 0, 1e-12}, // the tiny loss is kept, not rounded to 0
		{MSE, 0, 1, 0.25, -0.25, 0.125, 1e-15},
		{MSE, 1e4, 0, 1, 0, 0, 1e-15},
		{MSELinear, 3, 1, 4, 4, 2, 1e-15},
	}
	for _, tt := range tests {
		loss, dz, dz2 := tt.loss.PointLoss(tt.z, tt.y)
		if !near(loss, tt.wantLoss, tt.lossRelTol, 1e-300) || !near(dz, tt.wantDz, 1e-12, 1e-15) || !near(dz2, tt.wantDz2, 1e-12, 1e-15) {
			t.Errorf("%s.PointLoss(%g, %g) = %g, %g, %g; want %g, %g, %g", tt.loss, tt.z, tt.y, loss, dz, dz2, tt.wantLoss, tt.wantDz, tt.wantDz2)
		}
	}
}

// TestPointLossDerivatives checks the closed-form first and second
// derivatives with respect to z against central differences.
func TestPointLossDerivatives(t *testing.T) {
	const h = 1e-5
	for _, l := range Losses {
		for _, y := range []float64{0, 1} {
			for z := -12.0; z <= 12; z += 0.37 {
				_, dz, dz2 := l.PointLoss(z, y)
				lp, gp, _ := l.PointLoss(z+h, y)
				lm, gm, _ := l.PointLoss(z-h, y)
				if fd := (lp - lm) / (2 * h); !near(dz, fd, 1e-6, 1e-9) {
					t.Errorf("%s: dL/dz at z=%g, y=%g is %g, central difference %g", l, z, y, dz, fd)
				}
				if fd := (gp - gm) / (2 * h); !near(dz2, fd, 1e-5, 1e-9) {
					t.Errorf("%s: d²L/dz² at z=%g, y=%g is %g, central difference %g", l, z, y, dz2, fd)
				}
			}
		}
	}
}

// TestAtDerivatives checks the mean loss's gradient and Hessian in (w, b)
// against central differences of the loss and of the gradient, at many
// grid points, for all three losses.
func TestAtDerivatives(t *testing.T) {
	pts := toyPoints(200, 3)
	const h = 1e-5
	for _, l := range Losses {
		for w := -6.0; w <= 6; w += 1.5 {
			for b := -6.0; b <= 6; b += 1.5 {
				e := l.At(pts, w, b)
				fw := (l.At(pts, w+h, b).Loss - l.At(pts, w-h, b).Loss) / (2 * h)
				fb := (l.At(pts, w, b+h).Loss - l.At(pts, w, b-h).Loss) / (2 * h)
				ew1, ew2 := l.At(pts, w+h, b), l.At(pts, w-h, b)
				eb1, eb2 := l.At(pts, w, b+h), l.At(pts, w, b-h)
				hww := (ew1.GradW - ew2.GradW) / (2 * h)
				hwb := (eb1.GradW - eb2.GradW) / (2 * h)
				hbw := (ew1.GradB - ew2.GradB) / (2 * h)
				hbb := (eb1.GradB - eb2.GradB) / (2 * h)
				at := fmt.Sprintf("%s at (w, b) = (%g, %g)", l, w, b)
				check := func(name string, got, want float64) {
					if !near(got, want, 1e-5, 1e-8) {
						t.Errorf("%s: %s = %g, central difference %g", at, name, got, want)
					}
				}
				check("∂L/∂w", e.GradW, fw)
				check("∂L/∂b", e.GradB, fb)
				check("∂²L/∂w²", e.Hww, hww)
				check("∂²L/∂w∂b", e.Hwb, hwb)
				check("∂²L/∂b∂w", e.Hwb, hbw)
				check("∂²L/∂b²", e.Hbb, hbb)
			}
		}
	}
}

func TestMinEigMatchesDefinition(t *testing.T) {
	for _, e := range []Eval{
		{Hww: 2, Hwb: 0, Hbb: 1},
		{Hww: 1, Hwb: 3, Hbb: 1},
		{Hww: -1, Hwb: 0.5, Hbb: 4},
	} {
		lo, hi := e.MinEig(), e.MaxEig()
		// λ is an eigenvalue iff det(H − λI) = 0; their sum is the trace.
		for _, l := range []float64{lo, hi} {
			if det := (e.Hww-l)*(e.Hbb-l) - e.Hwb*e.Hwb; math.Abs(det) > 1e-12 {
				t.Errorf("%+v: det(H − %g·I) = %g, want 0", e, l, det)
			}
		}
		if !near(lo+hi, e.Hww+e.Hbb, 1e-15, 1e-15) || lo > hi {
			t.Errorf("%+v: eigenvalues %g, %g do not add up to the trace %g", e, lo, hi, e.Hww+e.Hbb)
		}
	}
}

// TestComputeMatchesAt checks the grid's factored inner loop against the
// one-point-at-a-time reference at every grid point.
func TestComputeMatchesAt(t *testing.T) {
	for _, tc := range []struct {
		name string
		pts  *Points
		w, b Axis
	}{
		{"toy", toyPoints(2500, 1), Axis{-8, 8, 21}, Axis{-8, 8, 17}},
		{"digits", digitPoints(t), Axis{-30, 30, 13}, Axis{-30, 30, 11}},
		// Beyond the factored exponentials' reach: the reference path.
		{"wide", toyPoints(300, 2), Axis{-400, 400, 9}, Axis{-1e4, 1e4, 7}},
	} {
		surfaces, err := Compute(context.Background(), tc.pts, tc.w, tc.b, CE, MSE, MSELinear)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range surfaces {
			for i, got := range s.Evals {
				w, b := tc.w.Value(i%tc.w.N), tc.b.Value(i/tc.w.N)
				want := s.Loss.At(tc.pts, w, b)
				ok := near(got.Loss, want.Loss, 1e-9, 1e-300)
				for _, pair := range [][2]float64{{got.GradW, want.GradW}, {got.GradB, want.GradB}, {got.Hww, want.Hww}, {got.Hwb, want.Hwb}, {got.Hbb, want.Hbb}} {
					ok = ok && near(pair[0], pair[1], 1e-9, 1e-13*math.Max(1, math.Abs(want.Loss)))
				}
				if !ok {
					t.Errorf("%s %s at (%g, %g): grid %+v, reference %+v", tc.name, s.Loss, w, b, got, want)
				}
			}
		}
	}
}

// TestConvexity is the lesson itself, computed on real digits: the
// cross-entropy of a sigmoid unit and the squared error of a linear output
// are convex in (w, b) everywhere on a wide grid; the squared error of
// the sigmoid is not.
func TestConvexity(t *testing.T) {
	pts := digitPoints(t)
	axis := Axis{-20, 20, 101}
	surfaces, err := Compute(context.Background(), pts, axis, axis, CE, MSE, MSELinear)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range surfaces {
		c := s.Convexity()
		switch s.Loss {
		case CE, MSELinear:
			if c.MinEig < -1e-9 {
				t.Errorf("%s: smallest Hessian eigenvalue %g at (%g, %g), want ≥ −1e-9 everywhere", s.Loss, c.MinEig, c.W, c.B)
			}
		case MSE:
			if c.Negative == 0 {
				t.Errorf("%s: no grid point has a negative Hessian eigenvalue (smallest %g); sigmoid + MSE is not convex", s.Loss, c.MinEig)
			}
			t.Logf("%s: %d of %d grid points non-convex, smallest eigenvalue %.3g at (%g, %g)", s.Loss, c.Negative, c.Points, c.MinEig, c.W, c.B)
		}
	}
}

// TestMSEGradientVanishes checks the brief's intuition, which holds: for a
// confidently wrong prediction the MSE gradient with respect to the logit
// vanishes while the cross-entropy's stays near 1.
func TestMSEGradientVanishes(t *testing.T) {
	p := 1e-4 // the prediction for an example whose label is 1
	_, ce := CE.ExampleLoss(p, 1)
	_, mse := MSE.ExampleLoss(p, 1)
	if math.Abs(ce) < 0.99 || math.Abs(mse) > 1e-3 {
		t.Errorf("at p = %g, y = 1: |dCE/dz| = %g (want ≈ 1), |dMSE/dz| = %g (want ≈ 0)", p, math.Abs(ce), math.Abs(mse))
	}
}

func TestComputeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Compute(ctx, toyPoints(100, 1), Axis{-1, 1, 50}, Axis{-1, 1, 50}, CE)
	if err != context.Canceled {
		t.Errorf("Compute with a cancelled context: error %v, want %v", err, context.Canceled)
	}
}

func TestComputeRejects(t *testing.T) {
	good := toyPoints(10, 1)
	ok := Axis{-1, 1, 5}
	tests := []struct {
		name   string
		pts    *Points
		w, b   Axis
		losses []Loss
		want   string
	}{
		{"no points", &Points{}, ok, ok, []Loss{CE}, "no points"},
		{"one class", &Points{X: []float64{1, 2}, Y: []float64{1, 1}}, ok, ok, []Loss{CE}, "both classes"},
		{"bad label", &Points{X: []float64{1, 2}, Y: []float64{0, 2}}, ok, ok, []Loss{CE}, "must be 0 or 1"},
		{"NaN x", &Points{X: []float64{math.NaN(), 2}, Y: []float64{0, 1}}, ok, ok, []Loss{CE}, "finite"},
		{"N < 2", good, Axis{-1, 1, 1}, ok, []Loss{CE}, "w axis: N must be between 2"},
		{"MIN ≥ MAX", good, ok, Axis{1, 1, 5}, []Loss{CE}, "b axis: MIN must be less than MAX"},
		{"unknown loss", good, ok, ok, []Loss{"hinge"}, `unknown loss "hinge"`},
	}
	for _, tt := range tests {
		_, err := Compute(context.Background(), tt.pts, tt.w, tt.b, tt.losses...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compute(%s) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestParseAxis(t *testing.T) {
	a, err := ParseAxis("-8:8:101")
	if err != nil || a != (Axis{-8, 8, 101}) || a.Value(50) != 0 || a.Value(100) != 8 {
		t.Errorf("ParseAxis(-8:8:101) = %+v, %v", a, err)
	}
	for _, s := range []string{"", "1:2", "a:2:3", "1:b:3", "1:2:x", "2:1:5", "0:1:1", "0:1:5000", "-1e5:0:3", "nan:1:3"} {
		if _, err := ParseAxis(s); err == nil {
			t.Errorf("ParseAxis(%q) succeeded, want an error", s)
		}
	}
}

func TestReadCSV(t *testing.T) {
	p, err := ReadCSV(strings.NewReader("\ufeffy, x,note\n1, 0.5,a\n0,-1.25,b\n\n0,2e-1,c\n"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.X, p.Y) != "[0.5 -1.25 0.2] [1 0 0]" {
		t.Errorf("ReadCSV = %v %v, want [0.5 -1.25 0.2] [1 0 0]", p.X, p.Y)
	}
	var buf strings.Builder
	if err := p.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCSV(strings.NewReader(buf.String()))
	if err != nil || fmt.Sprint(back.X, back.Y) != fmt.Sprint(p.X, p.Y) {
		t.Errorf("WriteCSV then ReadCSV = %v, %v; want the points back", back, err)
	}

	tests := []struct{ in, want string }{
		{"", "empty"},
		{"a,b\n1,0\n", "line 1: the header must name the columns x and y"},
		{"x,y\n1,0\n2,1,3\n4\n", "line 4: 1 fields"},
		{"x,y\nabc,1\n", `line 2: x "abc" is not a finite number`},
		{"x,y\nInf,1\n", "not a finite number"},
		{"x,y\n1,2\n", `line 2: label y "2" must be 0 or 1`},
		{"x,y\n1,1\n2,1\n", "both classes"},
		{"x,y\n", "no points"},
		{"x,y\n\"1,0\n", "quote"},
	}
	for _, tt := range tests {
		_, err := ReadCSV(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadCSV(%q) error = %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}

func TestFromSplit(t *testing.T) {
	pts := digitPoints(t)
	if pts.Len() != DefaultSamples {
		t.Fatalf("FromSplit took %d points, want %d", pts.Len(), DefaultSamples)
	}
	var mean, ss, ones float64
	for i, x := range pts.X {
		mean += x
		ss += x * x
		ones += pts.Y[i]
	}
	n := float64(pts.Len())
	if math.Abs(mean/n) > 1e-12 || math.Abs(ss/n-1) > 1e-12 {
		t.Errorf("feature mean %g, variance %g; want 0 and 1", mean/n, ss/n)
	}
	if ones < 0.4*n || ones > 0.6*n {
		t.Errorf("%g of %g points are 5s; want about half", ones, n)
	}
	// The feature separates the classes: the 5s (y = 1) lie to the right.
	var m0, m1 float64
	for i, x := range pts.X {
		if pts.Y[i] == 1 {
			m1 += x
		} else {
			m0 += x
		}
	}
	if m1/ones <= m0/(n-ones) {
		t.Errorf("mean feature of y=1 (%g) is not above that of y=0 (%g)", m1/ones, m0/(n-ones))
	}
	ds, err := dataset.LoadMNIST([]string{"3", "5"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := FromSplit(ds.Train, 0, 1, DefaultSamples, 1)
	if err != nil || fmt.Sprint(again.X[:5]) != fmt.Sprint(pts.X[:5]) {
		t.Errorf("FromSplit with the same seed gave different points")
	}
	if _, err := FromSplit(ds.Train, 0, 0, 10, 1); err == nil {
		t.Errorf("FromSplit with twice the same class succeeded")
	}
}

func TestDescend(t *testing.T) {
	pts := digitPoints(t)
	path, diverged, err := Descend(context.Background(), pts, CE, -4, 3, DescentOptions{LR: 0.5, Steps: 200})
	if err != nil || diverged || len(path) != 201 {
		t.Fatalf("Descend = %d steps, diverged %v, %v", len(path), diverged, err)
	}
	for i := 1; i < len(path); i++ {
		if path[i].Loss > path[i-1].Loss+1e-12 {
			t.Fatalf("CE descent at lr 0.5: loss rose at step %d, %g → %g", i, path[i-1].Loss, path[i].Loss)
		}
	}
	// The update equations, with momentum, against a hand-run of them.
	o := DescentOptions{LR: 0.3, Momentum: 0.9, Steps: 3}
	path, _, err = Descend(context.Background(), pts, MSE, 1, -1, o)
	if err != nil {
		t.Fatal(err)
	}
	w, b, vw, vb := 1.0, -1.0, 0.0, 0.0
	for i := 1; i <= 3; i++ {
		e := MSE.At(pts, w, b)
		vw, vb = 0.9*vw+e.GradW, 0.9*vb+e.GradB
		w, b = w-0.3*vw, b-0.3*vb
		if path[i].W != w || path[i].B != b {
			t.Errorf("step %d at (%g, %g), want (%g, %g)", i, path[i].W, path[i].B, w, b)
		}
	}
	// A linear output with a huge step diverges and says so.
	path, diverged, err = Descend(context.Background(), pts, MSELinear, 0, 0, DescentOptions{LR: 50, Steps: 100})
	if err != nil || !diverged || len(path) > 100 {
		t.Errorf("lr 50 on mse-linear: diverged %v after %d points (%v); want a divergence", diverged, len(path), err)
	}
	for _, o := range []DescentOptions{{LR: 0, Steps: 1}, {LR: math.Inf(1), Steps: 1}, {LR: 1, Momentum: 1, Steps: 1}, {LR: 1, Steps: 0}} {
		if _, _, err := Descend(context.Background(), pts, CE, 0, 0, o); err == nil {
			t.Errorf("Descend(%+v) succeeded, want an error", o)
		}
	}
}

func ExampleLoss_PointLoss() {
	// A confidently wrong prediction (z = −6 for a 1): the cross-entropy's
	// gradient with respect to z stays near −1, the MSE's nearly vanishes.
	for _, l := range []Loss{CE, MSE} {
		loss, dz, _ := l.PointLoss(-6, 1)
		fmt.Printf("%-24s loss %.4f  dL/dz %+.4f\n", l, loss, dz)
	}
	// Output:
	// cross-entropy (sigmoid)  loss 6.0025  dL/dz -0.9975
	// MSE (sigmoid)            loss 0.9951  dL/dz -0.0049
}
