package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"github.com/neuralworkbench/workbench/training/regular"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/logistic"
)

func runSurface(env Env, args []string) int {
	const name = "surface"
	fs := newFlagSet(env, name, "(--points FILE.csv | --classes A,B [--dataset SPEC]) [--loss ce|mse|mse-linear] [flags]")
	points := fs.String("points", "", "CSV file of points with the header x,y (y 0 or 1), instead of images")
	classes := fs.String("classes", "3,5", "two classes of the dataset: the first is y = 0, the second y = 1")
	spec := fs.String("dataset", "mnist", "data for --classes: mnist (built in), idx:DIR or folder:DIR")
	samples := fs.Int("samples", logistic.DefaultSamples, "images drawn from the two classes' training set (0: all)")
	seed := fs.Uint64("seed", 1, "random seed for the images drawn")
	lossName := fs.String("loss", "ce", "loss of the sigmoid unit: ce, mse (on the sigmoid) or mse-linear (on the linear output)")
	wFlag := fs.String("w", "-8:8:101", "weight axis MIN:MAX:N")
	bFlag := fs.String("b", "-8:8:101", "bias axis MIN:MAX:N")
	csvOut := fs.String("csv", "", "write the grid as CSV to this file (default: standard output, unless --png is given)")
	pngOut := fs.String("png", "", "draw the loss surface and its convexity map side by side into this PNG file")
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return fail(env, name, ExitUsage, "unexpected argument %q (surface takes only flags)", rest[0])
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	loss, err := logistic.ParseLoss(*lossName)
	if err != nil {
		return fail(env, name, ExitUsage, "--loss: %v", err)
	}
	wAxis, err := logistic.ParseAxis(*wFlag)
	if err != nil {
		return fail(env, name, ExitUsage, "--w: %v", err)
	}
	bAxis, err := logistic.ParseAxis(*bFlag)
	if err != nil {
		return fail(env, name, ExitUsage, "--b: %v", err)
	}
	if *samples < 0 {
		return fail(env, name, ExitUsage, "--samples must be ≥ 0, 0 meaning all (got %d)", *samples)
	}

	var pts *logistic.Points
	switch {
	case *points != "" && (given["classes"] || given["dataset"]):
		return fail(env, name, ExitUsage, "--points and --classes/--dataset are alternatives: give one")
	case *points != "":
		f, err := regular.Open(*points)
		if err != nil {
			return fail(env, name, ExitUsage, "--points: %v", err)
		}
		pts, err = logistic.ReadCSV(io.LimitReader(f, maxPointsFile))
		f.Close()
		if err != nil {
			return fail(env, name, ExitUsage, "--points %s: %v", *points, err)
		}
	default:
		pair, err := training.ParseClasses(*classes)
		if err != nil || len(pair) != 2 {
			return fail(env, name, ExitUsage, "--classes must name exactly two classes, such as 3,5 (got %q)", *classes)
		}
		ds, err := dataset.Open(*spec, pair, *seed)
		if err != nil {
			return fail(env, name, ExitUsage, "--dataset: %v", err)
		}
		if pts, err = logistic.FromClasses(ds, pair[0], pair[1], *samples, *seed); err != nil {
			return fail(env, name, ExitUsage, "--classes: %v", err)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	surfaces, err := logistic.Compute(ctx, pts, wAxis, bAxis, loss)
	if err != nil {
		return failRun(env, name, err)
	}
	s := surfaces[0]
	if *pngOut != "" {
		if err := saveSurfacePNG(*pngOut, pts, s); err != nil {
			return fail(env, name, ExitFailure, "--png: %v", err)
		}
	}
	toStdout, err := writeCSV(env, *csvOut, *pngOut != "", func(w io.Writer) error { return writeSurfaceCSV(w, s) })
	if err != nil {
		return fail(env, name, ExitFailure, "--csv: %v", err)
	}
	if toStdout {
		return ExitOK
	}
	describeSurface(env.Stdout, pts, s)
	return ExitOK
}

// maxPointsFile bounds a --points file: a million points of two numbers
// fit in far less.
const maxPointsFile = 64 << 20

// writeSurfaceCSV writes one row per grid point, w varying fastest.
func writeSurfaceCSV(w io.Writer, s *logistic.Surface) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"w", "b", "loss", "grad_w", "grad_b", "hess_min_eig"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, e := range s.Evals {
		cw.Write([]string{f(s.W.Value(i % s.W.N)), f(s.B.Value(i / s.W.N)), f(e.Loss), f(e.GradW), f(e.GradB), f(e.MinEig())})
	}
	cw.Flush()
	return cw.Error()
}

// describeSurface says in two lines what the grid shows.
func describeSurface(w io.Writer, pts *logistic.Points, s *logistic.Surface) {
	best := 0
	for i, e := range s.Evals {
		if e.Loss < s.Evals[best].Loss {
			best = i
		}
	}
	c := s.Convexity()
	fmt.Fprintf(w, "%s over %d points on w %s × b %s: lowest loss %.4g at (w, b) = (%.3g, %.3g)\n",
		s.Loss, pts.Len(), s.W, s.B, s.Evals[best].Loss, s.W.Value(best%s.W.N), s.B.Value(best/s.W.N))
	if c.Negative == 0 {
		fmt.Fprintf(w, "smallest Hessian eigenvalue %.3g: convex everywhere on this grid\n", c.MinEig)
	} else {
		fmt.Fprintf(w, "smallest Hessian eigenvalue %.3g at (%.3g, %.3g): not convex at %d of %d grid points\n",
			c.MinEig, c.W, c.B, c.Negative, c.Points)
	}
}

// writeCSV writes a command's CSV to path, or to standard output when
// path is "" and no picture was asked for; toStdout reports the latter,
// after which the command prints nothing else.
func writeCSV(env Env, path string, picture bool, write func(io.Writer) error) (toStdout bool, err error) {
	switch {
	case path != "":
		return false, writeFileWith(path, write)
	case picture:
		return false, nil
	}
	bw := bufio.NewWriter(env.Stdout)
	if err := write(bw); err != nil {
		return true, err
	}
	return true, bw.Flush()
}

// writeFileWith writes a file through write, under a temporary name
// renamed into place, so that a failure leaves no partial file.
func writeFileWith(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".workbench-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// failRun reports an error that ended a computation: an interruption
// (Ctrl-C) or bad input found on the way.
func failRun(env Env, command string, err error) int {
	if errors.Is(err, context.Canceled) {
		return fail(env, command, ExitInterrupted, "interrupted")
	}
	return fail(env, command, ExitUsage, "%v", err)
}
