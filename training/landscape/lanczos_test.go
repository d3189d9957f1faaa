package landscape

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomOrthogonal returns the Q factor of the QR factorisation of an n×n
// Gaussian matrix, a random orthogonal matrix.
func randomOrthogonal(n int, rng *rand.Rand) *mat.Dense {
	g := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// symmetricHVP returns the exact product with Q·diag(eigs)·Qᵀ, applied in
// factors: two matrix-vector products instead of forming the matrix, which
// also keeps the null space of a rank-deficient spectrum exact.
func symmetricHVP(q *mat.Dense, eigs []float64) HVP {
	n := len(eigs)
	tmp := mat.NewVecDense(n, nil)
	return func(v, hv []float64) error {
		tmp.MulVec(q.T(), mat.NewVecDense(n, v))
		for i, e := range eigs {
			tmp.SetVec(i, e*tmp.AtVec(i))
		}
		mat.NewVecDense(n, hv).MulVec(q, tmp)
		return nil
	}
}

// noisyHVP multiplies every element of hvp's products by 1 + rel·ξ with ξ
// standard normal, like the rounding noise of finite-difference products.
func noisyHVP(hvp HVP, rel float64, seed uint64) HVP {
	rng := rand.New(rand.NewPCG(seed, 1))
	return func(v, hv []float64) error {
		if err := hvp(v, hv); err != nil {
			return err
		}
		for i := range hv {
			hv[i] *= 1 + rel*rng.NormFloat64()
		}
		return nil
	}
}

// diagonalHVP returns the product with diag(d).
func diagonalHVP(d []float64) HVP {
	return func(v, hv []float64) error {
		for i, di := range d {
			hv[i] = di * v[i]
		}
		return nil
	}
}

// testSpectra are the test operators' eigenvalues for a given dimension.
var testSpectra = []struct {
	name string
	eigs func(n int, rng *rand.Rand) []float64
}{
	{"positive", func(n int, rng *rand.Rand) []float64 {
		return uniformValues(n, 0.1, 10, rng)
	}},
	{"indefinite", func(n int, rng *rand.Rand) []float64 {
		return uniformValues(n, -3, 10, rng)
	}},
	{"cluster and outlier", func(n int, rng *rand.Rand) []float64 {
		eigs := uniformValues(n, 1, 1.001, rng)
		eigs[0] = 50
		return eigs
	}},
	{"Hessian-like with tiny negative", func(n int, rng *rand.Rand) []float64 {
		// A few large outliers over a bulk closeTo zero, and one small
		// negative eigenvalue, as at the end of training.
		eigs := uniformValues(n, 0, 0.05, rng)
		copy(eigs, []float64{-1e-3, 10, 4, 1})
		return eigs
	}},
}

// uniformValues returns n values drawn uniformly from [lo, hi).
func uniformValues(n int, lo, hi float64, rng *rand.Rand) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = lo + (hi-lo)*rng.Float64()
	}
	return x
}

func TestLanczosKnownSpectra(t *testing.T) {
	for _, n := range []int{1, 2, 5, 50, 300} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		q := randomOrthogonal(n, rng)
		for _, sp := range testSpectra {
			t.Run(fmt.Sprintf("%s/n=%d", sp.name, n), func(t *testing.T) {
				eigs := sp.eigs(n, rng)
				want := Extremes{Max: slices.Max(eigs), Min: slices.Min(eigs)}

				got, err := Lanczos(context.Background(), n, symmetricHVP(q, eigs), LanczosOptions{MaxIter: n, Tol: 1e-10, Seed: 1})
				if err != nil {
					t.Fatalf("Lanczos: %v", err)
				}
				t.Logf("%d iterations, max %.12g (residual %.2g), min %.12g (residual %.2g)",
					got.Iterations, got.Max, got.MaxResidual, got.Min, got.MinResidual)
				if !got.Converged {
					t.Errorf("Lanczos(%s, n=%d) did not converge in %d iterations", sp.name, n, got.Iterations)
				}
				if !closeTo(got.Max, want.Max, 1e-6*math.Abs(want.Max)) || !closeTo(got.Min, want.Min, 1e-6*math.Abs(want.Min)) {
					t.Errorf("Lanczos(%s, n=%d) = [%.12g, %.12g], want [%.12g, %.12g] to relative 1e-6",
						sp.name, n, got.Min, got.Max, want.Min, want.Max)
				}
			})
		}
	}
}

func TestLanczosNoisy(t *testing.T) {
	const noise = 1e-4
	for _, n := range []int{5, 50, 300} {
		rng := rand.New(rand.NewPCG(uint64(n), 8))
		q := randomOrthogonal(n, rng)
		for _, sp := range testSpectra {
			t.Run(fmt.Sprintf("%s/n=%d", sp.name, n), func(t *testing.T) {
				eigs := sp.eigs(n, rng)
				wantMax, wantMin := slices.Max(eigs), slices.Min(eigs)
				scale := max(math.Abs(wantMax), math.Abs(wantMin))

				got, err := Lanczos(context.Background(), n, noisyHVP(symmetricHVP(q, eigs), noise, 3), LanczosOptions{Seed: 2})
				if err != nil {
					t.Fatalf("Lanczos: %v", err)
				}
				t.Logf("%d iterations, converged %v, max error %.2g, min error %.2g (relative to %g)",
					got.Iterations, got.Converged, (got.Max-wantMax)/scale, (got.Min-wantMin)/scale, scale)
				if !closeTo(got.Max, wantMax, 1e-2*scale) || !closeTo(got.Min, wantMin, 1e-2*scale) {
					t.Errorf("Lanczos(%s, n=%d, noise %g) = [%.6g, %.6g], want [%.6g, %.6g] to 1e-2·%g",
						sp.name, n, noise, got.Min, got.Max, wantMin, wantMax, scale)
				}
			})
		}
	}
}

// TestLanczosBreakdown checks operators whose Krylov subspace from any start
// vector is invariant after a few steps: the Ritz values are then exact.
func TestLanczosBreakdown(t *testing.T) {
	const n = 50
	q := randomOrthogonal(n, rand.New(rand.NewPCG(9, 9)))
	rank3 := make([]float64, n)
	copy(rank3, []float64{5, -2, 0.5})
	psd3 := make([]float64, n)
	copy(psd3, []float64{3, 2, 1})
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	tests := []struct {
		name     string
		hvp      HVP
		max, min float64
		maxIter  int // most iterations allowed
	}{
		{"identity", diagonalHVP(ones), 1, 1, 1},
		{"zero", diagonalHVP(make([]float64, n)), 0, 0, 1},
		{"rank 3 indefinite", symmetricHVP(q, rank3), 5, -2, 4},
		{"rank 3 semidefinite", symmetricHVP(q, psd3), 3, 0, 4},
	}
	for _, tt := range tests {
		got, err := Lanczos(context.Background(), n, tt.hvp, LanczosOptions{Tol: 1e-12, Seed: 4})
		if err != nil {
			t.Fatalf("Lanczos(%s): %v", tt.name, err)
		}
		if !got.Converged || got.Iterations > tt.maxIter {
			t.Errorf("Lanczos(%s) converged %v after %d iterations, want converged after at most %d",
				tt.name, got.Converged, got.Iterations, tt.maxIter)
		}
		if !closeTo(got.Max, tt.max, 1e-12) || !closeTo(got.Min, tt.min, 1e-12) {
			t.Errorf("Lanczos(%s) = [%.17g, %.17g], want [%g, %g]", tt.name, got.Min, got.Max, tt.min, tt.max)
		}
	}
}

// TestLanczosMaxIter checks that running out of iterations is not an error
// and that the Ritz values are then inner bounds of the spectrum.
func TestLanczosMaxIter(t *testing.T) {
	const n = 1000
	d := make([]float64, n)
	for i := range d {
		d[i] = -1 + 3*float64(i)/(n-1)
	}
	got, err := Lanczos(context.Background(), n, diagonalHVP(d), LanczosOptions{MaxIter: 5, Seed: 5})
	if err != nil {
		t.Fatalf("Lanczos: %v", err)
	}
	if got.Converged || got.Iterations != 5 {
		t.Errorf("Lanczos(MaxIter 5) converged %v after %d iterations, want not converged after 5", got.Converged, got.Iterations)
	}
	if !(-1 < got.Min && got.Min < got.Max && got.Max < 2) {
		t.Errorf("Lanczos(MaxIter 5) = [%g, %g], want inside (-1, 2)", got.Min, got.Max)
	}
	if got.MaxResidual <= 0 || got.MinResidual <= 0 {
		t.Errorf("Lanczos(MaxIter 5) residuals %g, %g, want > 0", got.MaxResidual, got.MinResidual)
	}
}

func TestLanczosDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	hvp := symmetricHVP(randomOrthogonal(40, rng), uniformValues(40, -1, 1, rng))
	opts := LanczosOptions{MaxIter: 10, Seed: 42}
	first, err1 := Lanczos(context.Background(), 40, hvp, opts)
	second, err2 := Lanczos(context.Background(), 40, hvp, opts)
	if err1 != nil || err2 != nil || first != second {
		t.Errorf("two runs with seed 42 = %+v (%v) and %+v (%v), want equal", first, err1, second, err2)
	}
}

func TestLanczosProgress(t *testing.T) {
	tests := []struct {
		n, maxIter, wantCap int
	}{
		{10, 0, 10},
		{1000, 0, 80},
		{1000, 7, 7},
	}
	for _, tt := range tests {
		d := make([]float64, tt.n)
		for i := range d {
			d[i] = float64(i)
		}
		var calls [][2]int
		opts := LanczosOptions{MaxIter: tt.maxIter, Seed: 1, Progress: func(iter, maxIter int) {
			calls = append(calls, [2]int{iter, maxIter})
		}}
		got, err := Lanczos(context.Background(), tt.n, diagonalHVP(d), opts)
		if err != nil {
			t.Fatalf("Lanczos(n=%d, MaxIter %d): %v", tt.n, tt.maxIter, err)
		}
		if len(calls) != got.Iterations {
			t.Errorf("Lanczos(n=%d, MaxIter %d) called Progress %d times in %d iterations", tt.n, tt.maxIter, len(calls), got.Iterations)
		}
		for i, c := range calls {
			if c != [2]int{i + 1, tt.wantCap} {
				t.Errorf("Lanczos(n=%d, MaxIter %d) Progress call %d = %v, want [%d %d]", tt.n, tt.maxIter, i, c, i+1, tt.wantCap)
				break
			}
		}
	}
}

func TestLanczosCancel(t *testing.T) {
	d := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	products := 0
	hvp := func(v, hv []float64) error {
		products++
		return diagonalHVP(d)(v, hv)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := Lanczos(ctx, len(d), hvp, LanczosOptions{})
	if !errors.Is(err, context.Canceled) || products != 0 || got.Iterations != 0 {
		t.Errorf("Lanczos(cancelled) = %+v, %v after %d products, want an error wrapping context.Canceled and no product", got, err, products)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	opts := LanczosOptions{Tol: 1e-14, Progress: func(iter, _ int) {
		if iter == 3 {
			cancel()
		}
	}}
	got, err = Lanczos(ctx, len(d), hvp, opts)
	if !errors.Is(err, context.Canceled) || products != 3 || got.Iterations != 3 {
		t.Errorf("Lanczos(cancelled at iteration 3) = %+v, %v after %d products, want an error wrapping context.Canceled after 3", got, err, products)
	}
	if got.Max <= 1 || got.Max > 8 {
		t.Errorf("Lanczos(cancelled at iteration 3).Max = %g, want the estimate so far, in (1, 8]", got.Max)
	}
}

func TestLanczosHVPErrors(t *testing.T) {
	errBoom := errors.New("boom")
	failAt := func(iter int, fail func(hv []float64) error) HVP {
		calls := 0
		return func(v, hv []float64) error {
			calls++
			for i := range hv {
				hv[i] = float64(i+1) * v[i]
			}
			if calls == iter {
				return fail(hv)
			}
			return nil
		}
	}
	tests := []struct {
		name string
		hvp  HVP
		want string
	}{
		{"error", failAt(3, func([]float64) error { return errBoom }),
			"lanczos: Hessian-vector product failed at iteration 3: boom"},
		{"NaN", failAt(7, func(hv []float64) error { hv[4] = math.NaN(); return nil }),
			"lanczos: Hessian-vector product returned NaN at iteration 7 (element 4 of 10)"},
		{"Inf", failAt(2, func(hv []float64) error { hv[0] = math.Inf(-1); return nil }),
			"lanczos: Hessian-vector product returned -Inf at iteration 2 (element 0 of 10)"},
	}
	for _, tt := range tests {
		_, err := Lanczos(context.Background(), 10, tt.hvp, LanczosOptions{Tol: 1e-14})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Lanczos(%s) error = %v, want %q", tt.name, err, tt.want)
		}
	}
	_, err := Lanczos(context.Background(), 10, failAt(1, func([]float64) error { return errBoom }), LanczosOptions{})
	if !errors.Is(err, errBoom) {
		t.Errorf("Lanczos(failing product) error = %v, want one wrapping %v", err, errBoom)
	}
}

func TestLanczosInvalid(t *testing.T) {
	called := false
	hvp := func(v, hv []float64) error {
		called = true
		copy(hv, v)
		return nil
	}
	tests := []struct {
		n    int
		hvp  HVP
		opts LanczosOptions
		want string
	}{
		{0, hvp, LanczosOptions{}, "lanczos: dimension must be ≥ 1 (got 0)"},
		{-3, hvp, LanczosOptions{}, "lanczos: dimension must be ≥ 1 (got -3)"},
		{4, nil, LanczosOptions{}, "lanczos: Hessian-vector product function is nil"},
		{4, hvp, LanczosOptions{MaxIter: -1}, "lanczos: maximum iterations must be ≥ 0 (got -1)"},
		{4, hvp, LanczosOptions{Tol: -1}, "lanczos: tolerance must be ≥ 0 (got -1)"},
		{4, hvp, LanczosOptions{Tol: math.NaN()}, "lanczos: tolerance must be ≥ 0 (got NaN)"},
		{4, hvp, LanczosOptions{Tol: math.Inf(1)}, "lanczos: tolerance must be finite (got +Inf)"},
	}
	for _, tt := range tests {
		_, err := Lanczos(context.Background(), tt.n, tt.hvp, tt.opts)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Lanczos(n=%d, %+v) error = %v, want %q", tt.n, tt.opts, err, tt.want)
		}
	}
	if called {
		t.Errorf("Lanczos called the product despite invalid input")
	}
}

// TestTridiagExtremes compares the O(k) extreme eigenpairs of tridiagonal
// matrices with a dense eigensolver's.
func TestTridiagExtremes(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	type matrix struct {
		name        string
		alpha, beta []float64
		// nearDouble marks a top pair so close that any unit vector in its
		// span is an eigenvector to working precision: the last elements
		// of the top eigenvector are then not comparable.
		nearDouble bool
	}
	var tests []matrix
	for _, k := range []int{2, 3, 10, 80, 200} {
		tests = append(tests, matrix{fmt.Sprintf("random k=%d", k), uniformValues(k, -1, 1, rng), uniformValues(k, 0.01, 1, rng), false})
		// Off-diagonals decaying as in a converging Lanczos run, so that
		// the extreme eigenvectors' last elements are tiny.
		beta := make([]float64, k)
		for i := range beta {
			beta[i] = math.Pow(0.7, float64(i))
		}
		tests = append(tests, matrix{fmt.Sprintf("decaying k=%d", k), uniformValues(k, -1, 1, rng), beta, false})
		// Large and graded, with a wide spread of eigenvalues.
		alpha := make([]float64, k)
		for i := range alpha {
			alpha[i] = 1e6 * math.Pow(0.8, float64(i))
		}
		tests = append(tests, matrix{fmt.Sprintf("graded k=%d", k), alpha, uniformValues(k, 1, 2, rng), false})
	}
	// Wilkinson's W21+, whose two largest eigenvalues agree to 1e-13.
	w := make([]float64, 21)
	ones := make([]float64, 21)
	for i := range w {
		w[i], ones[i] = math.Abs(float64(10-i)), 1
	}
	tests = append(tests, matrix{"W21+", w, ones, true})

	for _, tt := range tests {
		k := len(tt.alpha)
		s := mat.NewSymDense(k, nil)
		for i := range k {
			s.SetSym(i, i, tt.alpha[i])
			if i+1 < k {
				s.SetSym(i, i+1, tt.beta[i])
			}
		}
		var es mat.EigenSym
		if !es.Factorize(s, true) {
			t.Fatalf("%s: EigenSym failed", tt.name)
		}
		vals := es.Values(nil)
		var vecs mat.Dense
		es.VectorsTo(&vecs)
		norm := max(math.Abs(vals[0]), math.Abs(vals[k-1]))
		betaK := 1.0
		want := Extremes{
			Max: vals[k-1], Min: vals[0],
			MaxResidual: betaK * math.Abs(vecs.At(k-1, k-1)),
			MinResidual: betaK * math.Abs(vecs.At(k-1, 0)),
		}
		beta := append(slices.Clone(tt.beta[:k-1]), betaK)
		got := newTridiag(k).extremes(tt.alpha, beta)
		if tt.nearDouble {
			got.MaxResidual = want.MaxResidual
		}
		if !closeTo(got.Max, want.Max, 1e-14*norm) || !closeTo(got.Min, want.Min, 1e-14*norm) ||
			!closeTo(got.MaxResidual, want.MaxResidual, 1e-12) || !closeTo(got.MinResidual, want.MinResidual, 1e-12) {
			t.Errorf("%s: extremes = %+v, want %+v", tt.name, got, want)
		}
	}
}

// closeTo reports whether |got − want| ≤ tol.
func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol
}

func ExampleLanczos() {
	// H = diag(2, -1, 5), applied without forming it.
	diag := []float64{2, -1, 5}
	hvp := func(v, hv []float64) error {
		for i, d := range diag {
			hv[i] = d * v[i]
		}
		return nil
	}
	ext, err := Lanczos(context.Background(), len(diag), hvp, LanczosOptions{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("largest %.6g, smallest %.6g, converged %v after %d products\n",
		ext.Max, ext.Min, ext.Converged, ext.Iterations)
	// Output: largest 5, smallest -1, converged true after 3 products
}

// BenchmarkLanczos measures the solver's own cost, mostly the
// reorthogonalisation, with a diagonal operator whose products are cheap,
// for a network of 110,000 parameters.
func BenchmarkLanczos(b *testing.B) {
	const n, iters = 110_000, 60
	d := make([]float64, n)
	for i := range d {
		d[i] = 1 + float64(i)/n
	}
	hvp := diagonalHVP(d)
	b.ReportAllocs()
	for b.Loop() {
		ext, err := Lanczos(context.Background(), n, hvp, LanczosOptions{MaxIter: iters, Tol: 1e-14})
		if err != nil || ext.Iterations != iters {
			b.Fatalf("Lanczos = %+v, %v, want %d iterations", ext, err, iters)
		}
	}
}
