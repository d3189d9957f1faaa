package landscape

import (
	"context"

	"github.com/neuralworkbench/workbench/training/nn"
)

// CurvatureOptions configure Hessian.
type CurvatureOptions struct {
	// MaxIter caps the Lanczos iterations, each a Hessian-vector product
	// over the set; 0 means 80.
	MaxIter int
	// Tol is the relative residual at which both extreme eigenvalues count
	// as converged; 0 means DefaultTol.
	Tol float64
	// Seed draws Lanczos's start vector.
	Seed uint64
	// Progress is told of each iteration.
	Progress Progress
}

// DefaultTol is Hessian's default tolerance. The products are exact, so
// it can be tighter than Lanczos's own default, which allows for noisy
// ones: on the default network trained three epochs it takes 33 products
// instead of 22 and puts the smallest eigenvalue within 0.0005 of the
// value PyTorch's float64 double backward gives (−0.2551), instead of
// within 0.006.
const DefaultTol = 1e-4

// Curvature is the loss Hessian's largest and smallest eigenvalue at a
// model's weights.
type Curvature struct {
	Max, Min float64
	// MaxResidual and MinResidual bound how far each estimate may be from
	// an eigenvalue of the Hessian.
	MaxResidual, MinResidual float64
	// Iterations is the number of Hessian-vector products used.
	Iterations int
	Converged  bool
	// Loss is the mean loss at the weights.
	Loss float64
}

// Hessian estimates the extreme eigenvalues of the Hessian of the mean
// loss over the set with respect to every parameter of m (weights,
// biases, batch normalisation's scale and shift), by Lanczos iteration on
// exact Hessian-vector products (the R-operator, see hessian). For a
// network of layers the loss is the evaluation-mode network's: dropout
// off, batch normalisation on m's running statistics. A negative smallest
// eigenvalue means the loss is not convex at these weights.
func Hessian(ctx context.Context, m *nn.Model, loss nn.Loss, set *Set, o CurvatureOptions) (Curvature, error) {
	h, err := newHessian(m, loss, set)
	if err != nil {
		return Curvature{}, err
	}
	var l float64
	hvp := func(v, hv []float64) error {
		var err error
		l, err = h.product(ctx, v, hv)
		return err
	}
	tol := o.Tol
	if tol == 0 {
		tol = DefaultTol
	}
	opts := LanczosOptions{MaxIter: o.MaxIter, Tol: tol, Seed: o.Seed}
	if o.Progress != nil {
		opts.Progress = func(iter, maxIter int) { o.Progress(iter, maxIter) }
	}
	ex, err := Lanczos(ctx, h.n, hvp, opts)
	if err != nil {
		return Curvature{}, err
	}
	return Curvature{
		Max: ex.Max, Min: ex.Min,
		MaxResidual: ex.MaxResidual, MinResidual: ex.MinResidual,
		Iterations: ex.Iterations, Converged: ex.Converged,
		Loss: l,
	}, nil
}
