package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
)

// runLRFind is `workbench lr-find`: the learning-rate range test of the
// experiment the flags describe, its curve and the rate it suggests.
func runLRFind(env Env, args []string) int {
	const name = "lr-find"
	var f trainFlags
	fs := newFlagSet(env, name, "[--start LR] [--end LR] [--iterations N] [--json] [--plot FILE.png|.svg] [experiment flags as for train; --lr and --epochs are not used]")
	f.register(fs)
	d := training.DefaultLRFindOptions()
	start := fs.Float64("start", d.Start, "the learning rate of the first iteration")
	end := fs.Float64("end", d.End, fmt.Sprintf("the learning rate the test grows towards, at most %d; it grows by (end/start)^(1/iterations) a batch", training.MaxLR))
	iters := fs.Int("iterations", d.Iterations, fmt.Sprintf("batches the test spans, 2 to %d; it stops sooner once the smoothed loss passes 4 times its best", training.MaxLRFindIterations))
	fs.BoolVar(&f.json, "json", false, `print one JSON object: {"lrs", "losses", "smoothed", "suggestion", "valley", "iterations", "requested", "stopped_because"}`)
	plotFile := fs.String("plot", "", "draw the loss against the learning rate, smoothed, with the suggestion marked, into this .png or .svg file")
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return fail(env, name, ExitUsage, "unexpected argument %q (lr-find takes only flags)", rest[0])
	}
	if ext := strings.ToLower(filepath.Ext(*plotFile)); *plotFile != "" && ext != ".png" && ext != ".svg" {
		return fail(env, name, ExitUsage, "--plot must name a .png or .svg file (got %q)", *plotFile)
	}
	opts := training.LRFindOptions{Start: *start, End: *end, Iterations: *iters}
	if err := opts.Validate(); err != nil {
		return fail(env, name, ExitUsage, "%v", err)
	}
	cfg, err := trainConfig(fs, f)
	if err != nil {
		return fail(env, name, ExitUsage, "%v", err)
	}
	cfg.LR = opts.Start // the test sets the rate itself
	if err := cfg.Validate(); err != nil {
		return fail(env, name, ExitUsage, "%v", err)
	}
	data, err := training.Prepare(cfg)
	if err != nil {
		return fail(env, name, ExitUsage, "%v", err)
	}
	for _, s := range data.Skipped {
		fmt.Fprintf(env.Stderr, "workbench %s: skipped %s\n", name, escaped(s))
	}

	ctx, stoppedBy, cancel := interruptible()
	defer cancel()
	prog := newProgressLine(env, "range test")
	opts.Progress = prog.report
	res, err := training.FindLR(ctx, cfg, data, opts)
	prog.clear()
	if err != nil {
		return fail(env, name, ExitUsage, "%v", err)
	}
	if *plotFile != "" && res.Iterations > 0 {
		if err := saveLRFindPlot(*plotFile, cfg, data, res); err != nil {
			return fail(env, name, ExitFailure, "--plot: %v", err)
		}
	}
	if f.json {
		printLRFindJSON(env, res)
	} else {
		printLRFind(env, cfg, data, opts, res)
	}
	switch {
	case res.Stopped == training.LRCancelled && stoppedBy() == syscall.SIGTERM:
		return ExitTerminated
	case res.Stopped == training.LRCancelled:
		return ExitInterrupted
	case res.SuggestionIndex < 0:
		return ExitDiverged
	}
	return ExitOK
}

// saveLRFindPlot draws the curve as fastai plots it: the loss smoothed with
// the test's own β (plots.EMA is the same debiased average), the raw loss
// faintly behind, and the suggestion marked.
func saveLRFindPlot(path string, cfg training.Config, data *training.Data, res *training.LRFindResult) error {
	p, err := plots.LRFinder(plots.LRFinderOptions{
		Title: fmt.Sprintf("Learning-rate range test: %s, %s, batch %d", cfg.Spec(len(data.Classes)), cfg.Optimizer, cfg.Batch),
		LR:    res.LRs, Loss: res.Losses, Smoothing: training.LRFindSmoothing, Suggestion: res.Suggestion,
		Theme: plots.LightTheme(),
	})
	if err != nil {
		return err
	}
	return plots.Save(p, path, plots.Size{Width: 800, Height: 520})
}

func printLRFindJSON(env Env, res *training.LRFindResult) {
	m := map[string]any{
		"lrs": res.LRs, "losses": finiteOrNull(res.Losses), "smoothed": finiteOrNull(res.Smoothed),
		"suggestion": nil, "valley": nil,
		"iterations": res.Iterations, "requested": res.Requested, "stopped_because": res.Stopped,
	}
	if res.SuggestionIndex >= 0 {
		m["suggestion"], m["valley"] = res.Suggestion, res.Valley
	}
	b, err := json.Marshal(m)
	if err != nil { // every value is finite or null
		panic(err)
	}
	env.Stdout.Write(append(b, '\n'))
}

// finiteOrNull is vs with each value that is not finite as null, which
// JSON has no number for.
func finiteOrNull(vs []float64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = orNull(v, 1)
	}
	return out
}

// printLRFind prints the curve as a table, every few iterations and at
// the suggestions, then why the test stopped and what it suggests.
func printLRFind(env Env, cfg training.Config, data *training.Data, opts training.LRFindOptions, res *training.LRFindResult) {
	w := env.Stdout
	spec := cfg.Spec(len(data.Classes))
	fmt.Fprintf(w, "range test of %s, %s loss, %s, batch %d, on %s images of %s (%s)\n",
		spec, cfg.Loss, cfg.Optimizer, cfg.Batch, thousands(float64(data.Train.Len())), escaped(strings.Join(data.Classes, ",")), escaped(data.Source))
	fmt.Fprintf(w, "learning rate from %.1e towards %.1e over %d iterations (Smith 2017, as fastai's lr_find)\n\n", opts.Start, opts.End, res.Requested)
	every := max(1, res.Requested/20)
	fmt.Fprintf(w, "%9s  %8s  %13s\n", "iteration", "lr", "smoothed loss")
	for i := range res.Iterations {
		mark := ""
		switch i {
		case res.SuggestionIndex:
			mark = "  ← steepest descent"
		case res.ValleyIndex:
			mark = "  ← valley"
		}
		if i%every == 0 || i == res.Iterations-1 || mark != "" {
			fmt.Fprintf(w, "%9d  %8.1e  %13.4f%s\n", i+1, res.LRs[i], res.Smoothed[i], mark)
		}
	}
	fmt.Fprintln(w)
	switch res.Stopped {
	case training.LRExploded:
		fmt.Fprintf(w, "stopped after %d of %d iterations, at lr %.1e: the smoothed loss passed 4 times its best\n", res.Iterations, res.Requested, res.LRs[res.Iterations-1])
	case training.LRCancelled:
		fmt.Fprintf(w, "interrupted after %d of %d iterations\n", res.Iterations, res.Requested)
	}
	if res.SuggestionIndex < 0 {
		fmt.Fprintf(w, "no suggested learning rate: %d iterations are too few once the first %d and the last 5 are left out; try a lower --start or more --iterations\n",
			res.Iterations, res.Requested/10)
		return
	}
	fmt.Fprintf(w, "suggested learning rate: %.1e (steepest descent of the smoothed loss)\n", res.Suggestion)
	fmt.Fprintf(w, "valley (fastai's default suggestion): %.1e\n", res.Valley)
}
