package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/landscape"
)

// The landscape command's modes.
const (
	mode2D          = "2d"
	mode1D          = "1d"
	modeInterpolate = "interpolate"
)

// interpolation's range of t: from half a trajectory before the initial
// weights to half one beyond the trained weights, as Goodfellow et al.
// plot it.
const interpFrom, interpTo = -0.5, 1.5

func runLandscape(env Env, args []string) int {
	const name = "landscape"
	fs := newFlagSet(env, name, "--model DIR [--mode 2d|1d|interpolate] [flags]")
	modelDir := fs.String("model", "", "a saved model: the directory written by 'workbench train --out'")
	mode := fs.String("mode", mode2D, "2d: loss over a plane of two random filter-normalised directions; 1d: along one; interpolate: along the line from the initial to the trained weights")
	grid := fs.Int("grid", 41, "points per axis (2 to 201)")
	radius := fs.Float64("range", 1, "the slice spans [-R, R] along each direction (2d and 1d)")
	samples := fs.String("samples", strconv.Itoa(landscape.DefaultSamples), "test samples to evaluate on, or all for the whole test set (its loss is then the one the run reported)")
	seed := fs.Uint64("seed", 1, "random seed for the samples and the directions")
	csvOut := fs.String("csv", "", "write alpha,beta,loss,acc to this file (default: standard output, unless --png is given)")
	pngOut := fs.String("png", "", "draw the slice into this PNG file")
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return fail(env, name, ExitUsage, "unexpected argument %q (landscape takes only flags)", rest[0])
	}
	switch *mode {
	case mode2D, mode1D, modeInterpolate:
	default:
		return fail(env, name, ExitUsage, "--mode must be 2d, 1d or interpolate (got %q)", *mode)
	}
	if *grid < 2 || *grid > 201 {
		return fail(env, name, ExitUsage, "--grid must be between 2 and 201 (got %d)", *grid)
	}
	if !(*radius > 0) || *radius > 1000 {
		return fail(env, name, ExitUsage, "--range must be > 0 and at most 1000 (got %g)", *radius)
	}
	m, set, code := loadForLandscape(env, name, *modelDir, *samples, *seed)
	if m == nil {
		return code
	}
	var pl landscape.Plane
	var alphas, betas []float64
	switch *mode {
	case mode2D:
		d1, d2 := landscape.Pair(m.Net, *seed)
		pl = landscape.Plane{Centre: m.Net, D1: d1, D2: d2}
		alphas, betas = landscape.Span(-*radius, *radius, *grid), landscape.Span(-*radius, *radius, *grid)
	case mode1D:
		pl = landscape.Plane{Centre: m.Net, D1: landscape.Random(m.Net, *seed)}
		alphas = landscape.Span(-*radius, *radius, *grid)
	case modeInterpolate:
		if m.Init == nil {
			return fail(env, name, ExitUsage, "--mode interpolate: %s has no %s (the initial weights); models trained by this version of 'workbench train --out' or saved from the window have it", *modelDir, training.InitFile)
		}
		d, err := landscape.Between(m.Init, m.Net)
		if err != nil {
			return fail(env, name, ExitUsage, "--mode interpolate: %v", err)
		}
		// A network with batch normalisation keeps the trained model's
		// running statistics along the whole line.
		pl = landscape.Plane{Centre: m.Init, D1: d, Stats: m.Net}
		alphas = landscape.Span(interpFrom, interpTo, *grid)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := newProgressLine(env, fmt.Sprintf("%s slice", *mode))
	g, err := landscape.Evaluate(ctx, pl, m.Config.Loss, set, alphas, betas, prog.report)
	prog.clear()
	if err != nil {
		return failRun(env, name, err)
	}
	if *pngOut != "" {
		if err := saveLandscapePNG(*pngOut, m, *mode, set.Len(), g); err != nil {
			return fail(env, name, ExitFailure, "--png: %v", err)
		}
	}
	toStdout, err := writeCSV(env, *csvOut, *pngOut != "", func(w io.Writer) error { return writeLandscapeCSV(w, g) })
	if err != nil {
		return fail(env, name, ExitFailure, "--csv: %v", err)
	}
	if toStdout {
		return ExitOK
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range g.Loss {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	fmt.Fprintf(env.Stdout, "%s slice of %s (%s, %s loss) over %d test samples: loss from %.4g to %.4g\n",
		*mode, *modelDir, m.Net.Spec, m.Config.Loss, set.Len(), lo, hi)
	return ExitOK
}

// loadForLandscape loads a model and the evaluation set of its test data;
// on failure it reports and returns a nil model and the exit status.
func loadForLandscape(env Env, command, dir, samples string, seed uint64) (*training.Model, *landscape.Set, int) {
	if dir == "" {
		return nil, nil, fail(env, command, ExitUsage, "--model is required: the directory written by 'workbench train --out DIR'")
	}
	n := 0
	if !strings.EqualFold(strings.TrimSpace(samples), "all") {
		v, err := strconv.Atoi(strings.TrimSpace(samples))
		if err != nil || v < 1 {
			return nil, nil, fail(env, command, ExitUsage, "--samples must be a whole number ≥ 1 or all (got %q)", samples)
		}
		n = v
	}
	m, err := training.LoadModel(dir)
	if err != nil {
		return nil, nil, fail(env, command, ExitUsage, "--model: %v", err)
	}
	split, err := m.TestSplit(training.OpenAll)
	if err != nil {
		return nil, nil, fail(env, command, ExitUsage, "--model: the model's test data: %v", err)
	}
	set, err := landscape.NewSet(split, m.Stats, n, seed)
	if err != nil {
		return nil, nil, fail(env, command, ExitUsage, "--model: %v", err)
	}
	return m, set, ExitOK
}

func writeLandscapeCSV(w io.Writer, g *landscape.Grid) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"alpha", "beta", "loss", "acc"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i := range g.Loss {
		cw.Write([]string{f(g.Alphas[i%len(g.Alphas)]), f(g.Betas[i/len(g.Alphas)]), f(g.Loss[i]), f(g.Acc[i])})
	}
	cw.Flush()
	return cw.Error()
}

// progressLine shows a computation's progress on a terminal's last line.
type progressLine struct {
	env   Env
	what  string
	last  time.Time
	shown bool
}

func newProgressLine(env Env, what string) *progressLine {
	return &progressLine{env: env, what: what}
}

// report is a landscape.Progress.
func (p *progressLine) report(done, total int) {
	if !p.env.Interactive || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.shown = time.Now(), true
	fmt.Fprintf(p.env.Stderr, "\r%s: %3.0f%% ", p.what, 100*float64(done)/float64(total))
}

func (p *progressLine) clear() {
	if p.shown {
		fmt.Fprintf(p.env.Stderr, "\r%s\r", strings.Repeat(" ", len(p.what)+8))
	}
}
