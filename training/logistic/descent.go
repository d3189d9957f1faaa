package logistic

import (
	"context"
	"fmt"
	"math"
)

// Step is one point of a gradient-descent path: the parameters and the
// loss and derivatives there.
type Step struct {
	W, B float64
	Eval
}

// DescentOptions configure a descent: the learning rate, heavy-ball
// momentum as torch.optim.SGD applies it (0 for plain gradient descent),
// and the number of steps.
type DescentOptions struct {
	LR       float64
	Momentum float64
	Steps    int
}

// MaxSteps bounds a descent's length.
const MaxSteps = 100_000

// Validate names the first impossible option.
func (o DescentOptions) Validate() error {
	switch {
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("learning rate must be a finite number > 0 (got %g)", o.LR)
	case !(o.Momentum >= 0 && o.Momentum < 1):
		return fmt.Errorf("momentum must be ≥ 0 and < 1 (got %g)", o.Momentum)
	case o.Steps < 1 || o.Steps > MaxSteps:
		return fmt.Errorf("steps must be between 1 and %d (got %d)", MaxSteps, o.Steps)
	}
	return nil
}

// Descend runs gradient descent on the mean loss of the points from (w0,
// b0) and returns the path: the start and the point after each step. With
// momentum μ it follows PyTorch's SGD: v ← μ·v + ∇L (v = ∇L at the first
// step), θ ← θ − lr·v. A path that leaves the range ±MaxAbsParam has
// diverged: it ends there, and diverged is true.
func Descend(ctx context.Context, pts *Points, l Loss, w0, b0 float64, o DescentOptions) (path []Step, diverged bool, err error) {
	if err := pts.Validate(); err != nil {
		return nil, false, err
	}
	if !l.valid() {
		return nil, false, fmt.Errorf("unknown loss %q (allowed: ce, mse, mse-linear)", l)
	}
	if err := o.Validate(); err != nil {
		return nil, false, err
	}
	if !(math.Abs(w0) <= MaxAbsParam && math.Abs(b0) <= MaxAbsParam) {
		return nil, false, fmt.Errorf("the start (%g, %g) must lie within ±%g", w0, b0, MaxAbsParam)
	}
	w, b := w0, b0
	var vw, vb float64
	path = make([]Step, 0, o.Steps+1)
	path = append(path, Step{W: w, B: b, Eval: l.At(pts, w, b)})
	for i := range o.Steps {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		e := path[len(path)-1].Eval
		if i == 0 {
			vw, vb = e.GradW, e.GradB
		} else {
			vw, vb = o.Momentum*vw+e.GradW, o.Momentum*vb+e.GradB
		}
		w -= o.LR * vw
		b -= o.LR * vb
		if !(math.Abs(w) <= MaxAbsParam && math.Abs(b) <= MaxAbsParam) {
			return path, true, nil
		}
		path = append(path, Step{W: w, B: b, Eval: l.At(pts, w, b)})
	}
	return path, false, nil
}
