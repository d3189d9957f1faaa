// Package logistic is the workbench's lesson on why cross-entropy suits
// logistic regression better than mean squared error: one sigmoid unit
// p = σ(w·x + b) on one feature x, its mean loss over a set of points, and
// that loss's exact gradient and Hessian with respect to (w, b), over a grid
// of (w, b) for the loss surfaces and convexity maps and along a gradient
// descent path.
//
// Everything is closed form in float64. With z = w·x + b, q = p(1−p) and
// the mean over the points:
//
//	ce          L = −[y log p + (1−y) log(1−p)]   dL/dz = p − y            d²L/dz² = q
//	mse         L = (p − y)²                     dL/dz = 2(p − y)q        d²L/dz² = 2q[q + (p − y)(1 − 2p)]
//	mse-linear  L = (z − y)²                     dL/dz = 2(z − y)         d²L/dz² = 2
//
// and, as z is linear in (w, b), ∇L = mean of dL/dz·[x 1] and the Hessian
// is the mean of d²L/dz²·[x 1][x 1]ᵀ. The cross-entropy's is positive
// semidefinite everywhere (q ≥ 0): the loss is convex in (w, b). The
// sigmoid-MSE's second derivative is negative for y = 1 when z < −ln 2 and
// for y = 0 when z > ln 2, so its mean loss is not convex wherever
// confidently wrong points dominate (Auer, Herbster & Warmuth 1995). A
// linear output with MSE is convex again. The lab computes this on real
// data rather than asserting it.
//
// Functions that take points return an error for empty input, NaN or Inf,
// labels other than 0 and 1, or a single class, naming what was wrong.
package logistic

import (
	"fmt"
	"math"
	"strings"
)

// Loss names one of the lesson's three losses of a single unit.
type Loss string

const (
	// CE is the cross-entropy of the sigmoid's probability (logistic
	// regression's own loss).
	CE Loss = "ce"
	// MSE is the squared error of the sigmoid's probability.
	MSE Loss = "mse"
	// MSELinear is the squared error of the linear output z itself
	// (linear regression on 0/1 targets).
	MSELinear Loss = "mse-linear"
)

// Losses lists the losses in the order the lab offers them.
var Losses = []Loss{CE, MSE, MSELinear}

// ParseLoss accepts ce, mse and mse-linear (case-insensitive; also
// cross-entropy and mse_linear).
func ParseLoss(s string) (Loss, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-") {
	case "ce", "cross-entropy", "crossentropy":
		return CE, nil
	case "mse":
		return MSE, nil
	case "mse-linear", "linear-mse":
		return MSELinear, nil
	}
	return "", fmt.Errorf("unknown loss %q (allowed: ce, mse, mse-linear)", s)
}

func (l Loss) valid() bool { return l == CE || l == MSE || l == MSELinear }

// String is the loss's name as the charts show it.
func (l Loss) String() string {
	switch l {
	case CE:
		return "cross-entropy (sigmoid)"
	case MSE:
		return "MSE (sigmoid)"
	case MSELinear:
		return "MSE (linear output)"
	}
	return string(l)
}

// Sigmoid is σ(z) = 1/(1 + e^(−z)), computed without overflow for any z.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus is log(1 + e^s), computed without overflow or loss of the small
// values: max(s, 0) + log1p(e^(−|s|)).
func softplus(s float64) float64 {
	return math.Max(s, 0) + math.Log1p(math.Exp(-math.Abs(s)))
}

// PointLoss returns one example's loss and its first and second derivatives
// with respect to the logit z, for a label y (0 or 1). The cross-entropy is
// computed from z, not from p, so that it is exact and finite for any
// finite z: −log σ(z) = softplus(−z) and −log(1 − σ(z)) = softplus(z).
func (l Loss) PointLoss(z, y float64) (loss, dz, dz2 float64) {
	if l == MSELinear {
		d := z - y
		return d * d, 2 * d, 2
	}
	p, omp := Sigmoid(z), Sigmoid(-z) // σ(z) and 1 − σ(z), each to full precision
	q := p * omp
	d := (1-y)*p - y*omp // p − y, without cancellation for y = 0 or 1
	if l == MSE {
		return d * d, 2 * d * q, 2 * q * (q + d*(omp-p))
	}
	switch y {
	case 1:
		loss = softplus(-z)
	case 0:
		loss = softplus(z)
	default:
		loss = y*softplus(-z) + (1-y)*softplus(z)
	}
	return loss, d, q
}

// ExampleLoss returns one example's loss as a function of the predicted
// probability p (in [0, 1]) for label y, and its gradient with respect to
// the logit, for the lesson's first two charts. It is defined for CE and
// MSE, whose output is a probability; the cross-entropy is +Inf at a
// certainly wrong p.
func (l Loss) ExampleLoss(p, y float64) (loss, dz float64) {
	q := p * (1 - p)
	switch l {
	case MSE:
		return (p - y) * (p - y), 2 * (p - y) * q
	case MSELinear:
		return math.NaN(), math.NaN()
	}
	return -(xlogy(y, p) + xlogy(1-y, 1-p)), p - y
}

// xlogy is x·log(y), taken as 0 when x is 0 (as scipy.special.xlogy).
func xlogy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(y)
}

// Eval is a mean loss and its exact derivatives at one (w, b).
type Eval struct {
	Loss         float64
	GradW, GradB float64
	// Hww, Hwb and Hbb are the Hessian's entries ∂²L/∂w², ∂²L/∂w∂b and
	// ∂²L/∂b².
	Hww, Hwb, Hbb float64
}

// MinEig is the smaller eigenvalue of the 2×2 Hessian: negative where the
// loss is not convex.
func (e Eval) MinEig() float64 {
	mid := (e.Hww + e.Hbb) / 2
	return mid - math.Hypot((e.Hww-e.Hbb)/2, e.Hwb)
}

// MaxEig is the larger eigenvalue of the 2×2 Hessian.
func (e Eval) MaxEig() float64 {
	mid := (e.Hww + e.Hbb) / 2
	return mid + math.Hypot((e.Hww-e.Hbb)/2, e.Hwb)
}

// At evaluates the mean loss of the points at (w, b) with its gradient and
// Hessian, one example at a time with PointLoss. It is the reference the
// grid's faster evaluation is tested against, and the descent's step.
func (l Loss) At(pts *Points, w, b float64) Eval {
	var e Eval
	for i, x := range pts.X {
		loss, g, h := l.PointLoss(w*x+b, pts.Y[i])
		e.Loss += loss
		e.GradW += g * x
		e.GradB += g
		e.Hww += h * x * x
		e.Hwb += h * x
		e.Hbb += h
	}
	n := float64(len(pts.X))
	e.Loss /= n
	e.GradW /= n
	e.GradB /= n
	e.Hww /= n
	e.Hwb /= n
	e.Hbb /= n
	return e
}
