package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"

	"github.com/neuralworkbench/workbench/training/landscape"
)

func runCurvature(env Env, args []string) int {
	const name = "curvature"
	fs := newFlagSet(env, name, "--model DIR [--samples N|all] [--seed K] [--json]")
	modelDir := fs.String("model", "", "a saved model: the directory written by 'workbench train --out'")
	samples := fs.String("samples", strconv.Itoa(landscape.DefaultSamples), "test samples the loss is averaged over, or all for the whole test set")
	seed := fs.Uint64("seed", 1, "random seed for the samples and Lanczos's start vector")
	iters := fs.Int("iterations", 80, "at most this many Lanczos iterations (Hessian-vector products), 2 to 1000")
	tol := fs.Float64("tol", landscape.DefaultTol, "stop when both eigenvalues' residuals are below this fraction of the largest magnitude (1e-12 to 0.1)")
	asJSON := fs.Bool("json", false, `print {"max_eig":…, "min_eig":…, "iterations":…} and the residuals as one JSON line`)
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return fail(env, name, ExitUsage, "unexpected argument %q (curvature takes only flags)", rest[0])
	}
	if *iters < 2 || *iters > 1000 {
		return fail(env, name, ExitUsage, "--iterations must be between 2 and 1000 (got %d)", *iters)
	}
	if !(*tol >= 1e-12 && *tol <= 0.1) {
		return fail(env, name, ExitUsage, "--tol must be between 1e-12 and 0.1 (got %g)", *tol)
	}
	m, set, code := loadForLandscape(env, name, *modelDir, *samples, *seed)
	if m == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := newProgressLine(env, "Lanczos iterations")
	c, err := landscape.Hessian(ctx, m.Net, m.Config.Loss, set, landscape.CurvatureOptions{MaxIter: *iters, Tol: *tol, Seed: *seed, Progress: prog.report})
	prog.clear()
	if err != nil {
		return failRun(env, name, err)
	}
	if *asJSON {
		line(env, map[string]any{
			"max_eig": c.Max, "min_eig": c.Min, "iterations": c.Iterations, "converged": c.Converged,
			"max_residual": c.MaxResidual, "min_residual": c.MinResidual, "loss": c.Loss, "samples": set.Len(),
		})
		return ExitOK
	}
	fmt.Fprintf(env.Stdout, "Hessian of the %s loss over %d test samples (%s, %d parameters), loss %.4g:\n",
		m.Config.Loss, set.Len(), m.Net.Spec, m.Net.Spec.ParamCount(), c.Loss)
	fmt.Fprintf(env.Stdout, "  largest eigenvalue  %.6g (± %.2g)\n  smallest eigenvalue %.6g (± %.2g)\n", c.Max, c.MaxResidual, c.Min, c.MinResidual)
	state := "converged"
	if !c.Converged {
		state = "not converged: raise --iterations for tighter bounds"
	}
	fmt.Fprintf(env.Stdout, "  %d Lanczos iterations, %s\n", c.Iterations, state)
	if c.Min < 0 && -c.Min > c.MinResidual {
		fmt.Fprintln(env.Stdout, "  a negative eigenvalue: the loss is not convex at these weights")
	}
	return ExitOK
}
