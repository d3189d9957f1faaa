package logistic

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Axis is a range sampled at N evenly spaced values, both ends included.
type Axis struct {
	Min, Max float64
	N        int
}

// MaxAxisPoints bounds a grid axis: 2,001² cells are four million
// evaluations of every point, already a minute's work.
const MaxAxisPoints = 2001

// MaxAbsParam bounds |w| and |b|: far beyond it the losses are flat or
// linear and only the rounding of float64 is left to look at.
const MaxAbsParam = 1e4

// ParseAxis reads an axis written MIN:MAX:N, for example -8:8:101.
func ParseAxis(s string) (Axis, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 {
		return Axis{}, fmt.Errorf("%q must be MIN:MAX:N, for example -8:8:101", s)
	}
	var a Axis
	var err error
	if a.Min, err = strconv.ParseFloat(strings.TrimSpace(parts[0]), 64); err != nil {
		return Axis{}, fmt.Errorf("%q: MIN %q is not a number", s, parts[0])
	}
	if a.Max, err = strconv.ParseFloat(strings.TrimSpace(parts[1]), 64); err != nil {
		return Axis{}, fmt.Errorf("%q: MAX %q is not a number", s, parts[1])
	}
	if a.N, err = strconv.Atoi(strings.TrimSpace(parts[2])); err != nil {
		return Axis{}, fmt.Errorf("%q: N %q is not a whole number", s, parts[2])
	}
	return a, a.Validate()
}

// Validate reports an axis that cannot be sampled: N below 2 or above
// MaxAxisPoints, MIN not below MAX, or values beyond ±MaxAbsParam.
func (a Axis) Validate() error {
	switch {
	case a.N < 2 || a.N > MaxAxisPoints:
		return fmt.Errorf("N must be between 2 and %d (got %d)", MaxAxisPoints, a.N)
	case !(a.Min < a.Max):
		return fmt.Errorf("MIN must be less than MAX (got %g:%g)", a.Min, a.Max)
	case a.Min < -MaxAbsParam || a.Max > MaxAbsParam:
		return fmt.Errorf("the range must lie within ±%g (got %g:%g)", MaxAbsParam, a.Min, a.Max)
	}
	return nil
}

// String writes the axis as ParseAxis reads it.
func (a Axis) String() string { return fmt.Sprintf("%g:%g:%d", a.Min, a.Max, a.N) }

// Value is the i-th sample, from Min at 0 to exactly Max at N−1.
func (a Axis) Value(i int) float64 {
	// Weighting the two ends keeps the values that should be round (0 in
	// the middle of -8:8:101, 0.4 in -20:20:101) round.
	k := float64(a.N - 1)
	return (a.Min*(k-float64(i)) + a.Max*float64(i)) / k
}

// Values lists the samples.
func (a Axis) Values() []float64 {
	v := make([]float64, a.N)
	for i := range v {
		v[i] = a.Value(i)
	}
	return v
}

// Surface is one loss and its derivatives on a grid of (w, b). Evals[r*W.N
// + c] is the evaluation at (W.Value(c), B.Value(r)): w varies fastest.
type Surface struct {
	Loss  Loss
	W, B  Axis
	Evals []Eval
}

// Losses returns the mean loss at every grid point, in Evals' order.
func (s *Surface) Losses() []float64 {
	z := make([]float64, len(s.Evals))
	for i, e := range s.Evals {
		z[i] = e.Loss
	}
	return z
}

// MinEigs returns the Hessian's smaller eigenvalue at every grid point, in
// Evals' order: the convexity map.
func (s *Surface) MinEigs() []float64 {
	z := make([]float64, len(s.Evals))
	for i, e := range s.Evals {
		z[i] = e.MinEig()
	}
	return z
}

// Convexity summarises a convexity map: the smallest eigenvalue over the
// grid, where it is, and how many grid points have a negative one.
type Convexity struct {
	MinEig   float64
	W, B     float64 // where MinEig is
	Negative int     // grid points with a negative smaller eigenvalue
	Points   int
}

// Convexity summarises the surface's convexity map.
func (s *Surface) Convexity() Convexity {
	c := Convexity{MinEig: math.Inf(1), Points: len(s.Evals)}
	for i, e := range s.Evals {
		m := e.MinEig()
		if m < 0 {
			c.Negative++
		}
		if m < c.MinEig {
			c.MinEig, c.W, c.B = m, s.W.Value(i%s.W.N), s.B.Value(i/s.W.N)
		}
	}
	return c
}

// Compute evaluates the mean losses of the points and their exact
// gradients and Hessians at every point of the grid w × b, one Surface per
// loss asked for, in that order. The work is split over the CPUs; it
// stops early and returns ctx's error when ctx is cancelled.
func Compute(ctx context.Context, pts *Points, w, b Axis, losses ...Loss) ([]*Surface, error) {
	if err := pts.Validate(); err != nil {
		return nil, err
	}
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("w axis: %w", err)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("b axis: %w", err)
	}
	out := make([]*Surface, len(losses))
	var ce, mse *Surface
	for i, l := range losses {
		if !l.valid() {
			return nil, fmt.Errorf("unknown loss %q (allowed: ce, mse, mse-linear)", l)
		}
		out[i] = &Surface{Loss: l, W: w, B: b, Evals: make([]Eval, w.N*b.N)}
		switch l {
		case CE:
			ce = out[i]
		case MSE:
			mse = out[i]
		case MSELinear:
			linearSurface(pts, out[i])
		}
	}
	if ce == nil && mse == nil {
		return out, nil
	}
	fast := factorable(pts, w, b)
	bs := b.Values()
	expNeg, expPos := make([]float64, b.N), make([]float64, b.N)
	for r, v := range bs {
		expNeg[r], expPos[r] = math.Exp(-v), math.Exp(v)
	}

	// Columns (values of w) are handed out to one worker per CPU.
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := newColumnKernel(pts)
			for c := range next {
				wc := w.Value(c)
				if !fast {
					for r, bv := range bs {
						i := r*w.N + c
						if ce != nil {
							ce.Evals[i] = CE.At(pts, wc, bv)
						}
						if mse != nil {
							mse.Evals[i] = MSE.At(pts, wc, bv)
						}
					}
					continue
				}
				k.setW(wc)
				for r, bv := range bs {
					k.cell(bv, expNeg[r], expPos[r], ce != nil, mse != nil)
					i := r*w.N + c
					if ce != nil {
						ce.Evals[i] = k.ce
					}
					if mse != nil {
						mse.Evals[i] = k.mse
					}
				}
			}
		}()
	}
	var err error
feed:
	for c := range w.N {
		select {
		case next <- c:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// factorLimit bounds |w·x| and |b| for the factored exponentials below:
// each factor stays within e^±factorLimit, so their products, e^−|z| and
// e^|z| for |z| up to 2·factorLimit, neither overflow nor underflow.
const factorLimit = 340

// factorable reports whether the grid is within reach of the factored
// exponentials.
func factorable(pts *Points, w, b Axis) bool {
	var maxX float64
	for _, x := range pts.X {
		maxX = math.Max(maxX, math.Abs(x))
	}
	maxW := math.Max(math.Abs(w.Min), math.Abs(w.Max))
	maxB := math.Max(math.Abs(b.Min), math.Abs(b.Max))
	return maxW*maxX <= factorLimit && maxB <= factorLimit
}

// columnKernel evaluates the sigmoid losses over one column of the grid
// (one value of w, every b). It is the lab's inner loop, 20 million point
// evaluations for a 101×101 grid over 2,000 points, and avoids calling
// exp and log per point and cell, which would cost several times as much:
//
//   - e^−z = e^−(w·x) · e^−b: the exponentials of w·x are computed once per
//     column and those of b once per grid, so a cell costs products only;
//   - σ(z), 1 − σ(z) and q = σ(1−σ) all follow from t = e^−|z| and one
//     division by s = 1 + t;
//   - the cross-entropy is Σ max(0, ±z) + Σ log(1 + t), and the second sum
//     is the logarithm of the product of the s, each in (1, 2], so that
//     1,000 of them multiply without overflow into one log call. The
//     rounding of 1 + t is carried separately, (t − (s − 1))/s, so that the
//     loss of well-classified points (t below float64's epsilon) is not
//     lost;
//   - the points are sorted by x, so that z = w·x + b changes sign once
//     along them: each cell is two runs of points, z < 0 then z ≥ 0 (or
//     the reverse for w < 0), with no data-dependent branch inside.
type columnKernel struct {
	x, y, xx     []float64 // per point, sorted by x: x, y and x²
	a, ea, eaInv []float64 // per point for the current w: w·x, e^−w·x, e^w·x
	w, n         float64
	ce, mse      Eval
}

// productRun is how many factors in (1, 2] may be multiplied before the
// product could overflow: 2^1000 < 1.8e308.
const productRun = 1000

func newColumnKernel(pts *Points) *columnKernel {
	n := len(pts.X)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return pts.X[order[i]] < pts.X[order[j]] })
	k := &columnKernel{x: make([]float64, n), y: make([]float64, n), xx: make([]float64, n),
		a: make([]float64, n), ea: make([]float64, n), eaInv: make([]float64, n), n: float64(n)}
	for i, j := range order {
		k.x[i], k.y[i], k.xx[i] = pts.X[j], pts.Y[j], pts.X[j]*pts.X[j]
	}
	return k
}

func (k *columnKernel) setW(w float64) {
	k.w = w
	for i, x := range k.x {
		a := w * x
		k.a[i] = a
		k.ea[i] = math.Exp(-a)
		k.eaInv[i] = math.Exp(a)
	}
}

// sums accumulates a cell's per-point terms.
type sums struct {
	logs, corr, hinge, g, gx, h, hx, hxx float64 // cross-entropy
	l, mg, mgx, mh, mhx, mhxx            float64 // MSE
}

// cell evaluates the losses at (w, b) for the w of setW, given e^−b and
// e^b.
func (k *columnKernel) cell(b, expNegB, expPosB float64, doCE, doMSE bool) {
	// The first index where z ≥ 0 (w ≥ 0) or z < 0 (w < 0).
	n := len(k.a)
	split := sort.Search(n, func(i int) bool { return (k.a[i]+b >= 0) == (k.w >= 0) })
	var s sums
	if k.w >= 0 {
		k.run(&s, 0, split, b, expPosB, false, doCE, doMSE)
		k.run(&s, split, n, b, expNegB, true, doCE, doMSE)
	} else {
		k.run(&s, 0, split, b, expNegB, true, doCE, doMSE)
		k.run(&s, split, n, b, expPosB, false, doCE, doMSE)
	}
	k.ce = Eval{
		Loss:  (s.hinge + s.logs + s.corr) / k.n,
		GradW: s.gx / k.n, GradB: s.g / k.n,
		Hww: s.hxx / k.n, Hwb: s.hx / k.n, Hbb: s.h / k.n,
	}
	k.mse = Eval{
		Loss:  s.l / k.n,
		GradW: s.mgx / k.n, GradB: s.mg / k.n,
		Hww: s.mhxx / k.n, Hwb: s.mhx / k.n, Hbb: s.mh / k.n,
	}
}

// run adds the points lo..hi−1, on which z ≥ 0 if pos and z < 0 if not,
// to s; expB is e^−b if pos and e^b if not.
func (k *columnKernel) run(s *sums, lo, hi int, b, expB float64, pos, doCE, doMSE bool) {
	ex := k.eaInv // e^z = e^(w·x)·e^b
	if pos {
		ex = k.ea // e^−z = e^−(w·x)·e^−b
	}
	sum := *s
	for start := lo; start < hi; start += productRun {
		end := min(start+productRun, hi)
		prod := 1.0
		a, ex, x, y, xx := k.a[start:end], ex[start:end], k.x[start:end], k.y[start:end], k.xx[start:end]
		for i := range a {
			z := a[i] + b
			t := ex[i] * expB // e^−|z|
			s := 1 + t
			inv := 1 / s
			tInv := t * inv
			p, omp := tInv, inv // σ(z) and 1 − σ(z) for z < 0
			if pos {
				p, omp = inv, tInv
			}
			q := tInv * inv
			yi := y[i]
			d := (1-yi)*p - yi*omp // p − y without cancellation
			if doCE {
				prod *= s
				sum.corr += (t - (s - 1)) * inv
				// max(0, z) for y = 0, max(0, −z) for y = 1.
				if pos {
					sum.hinge += (1 - yi) * z
				} else {
					sum.hinge -= yi * z
				}
				sum.g += d
				sum.gx += d * x[i]
				sum.h += q
				sum.hx += q * x[i]
				sum.hxx += q * xx[i]
			}
			if doMSE {
				sum.l += d * d
				g := 2 * d * q
				h := 2 * q * (q + d*(omp-p))
				sum.mg += g
				sum.mgx += g * x[i]
				sum.mh += h
				sum.mhx += h * x[i]
				sum.mhxx += h * xx[i]
			}
		}
		sum.logs += math.Log(prod)
	}
	*s = sum
}

// linearSurface fills the surface of the linear output's squared error
// from the points' moments: mean (w·x + b − y)² is a quadratic in (w, b),
// so every grid point costs a handful of operations whatever the number
// of points.
func linearSurface(pts *Points, s *Surface) {
	// Centred moments keep the cancellation small: with c = b + w·mx − my,
	// the loss is w²·vx − 2w·cxy + vy + c².
	n := float64(len(pts.X))
	var mx, my float64
	for i, x := range pts.X {
		mx += x
		my += pts.Y[i]
	}
	mx, my = mx/n, my/n
	var vx, vy, cxy float64
	for i, x := range pts.X {
		dx, dy := x-mx, pts.Y[i]-my
		vx += dx * dx
		vy += dy * dy
		cxy += dx * dy
	}
	vx, vy, cxy = vx/n, vy/n, cxy/n
	mxx := vx + mx*mx
	for r := range s.B.N {
		b := s.B.Value(r)
		for c := range s.W.N {
			w := s.W.Value(c)
			off := b + w*mx - my // the mean residual
			s.Evals[r*s.W.N+c] = Eval{
				Loss:  w*w*vx - 2*w*cxy + vy + off*off,
				GradW: 2 * (w*vx - cxy + off*mx), GradB: 2 * off,
				Hww: 2 * mxx, Hwb: 2 * mx, Hbb: 2,
			}
		}
	}
}
