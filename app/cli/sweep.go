package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/sweep"
)

// varyFlags collects repeated --vary flags.
type varyFlags []string

func (v *varyFlags) String() string     { return strings.Join(*v, " ") }
func (v *varyFlags) Set(s string) error { *v = append(*v, s); return nil }

// runSweep is `workbench sweep`: every combination of the --vary values
// over the base experiment, trained one after another into the run store,
// then the table of their results.
func runSweep(env Env, args []string) int {
	var f trainFlags
	var vary varyFlags
	fs := newFlagSet(env, "sweep", "--vary SETTING=VALUES [--vary …] [experiment flags]")
	f.register(fs)
	fs.Var(&vary, "vary", "a setting and its values: lr=1e-4,1e-3 (a list), lr=1e-4..1e-1 x7 log (a range; lin is the default), hidden=none;64;128,64 (list settings separate values with ';'); up to 3, at most 1,000 runs. Settings: "+strings.Join(sweep.Settings(), ", "))
	fs.BoolVar(&f.json, "json", false, "print JSON lines: one per run as it ends, then the sweep's table")
	asMarkdown := fs.Bool("markdown", false, "print the final table as Markdown")
	asCSV := fs.Bool("csv", false, "print the final table as CSV")
	dryRun := fs.Bool("dry-run", false, "list the runs the sweep would make, and train none")
	plotFile := fs.String("plot", "", "also draw the test accuracy to this .png or .svg: against the setting for one, a heat map for two, parallel coordinates for three")
	rest, status, ok := parse(env, fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return fail(env, "sweep", ExitUsage, "unexpected argument %q (sweep takes only flags; quote a --vary range: --vary \"lr=1e-4..1e-1 x7 log\")", rest[0])
	}
	if *asMarkdown && *asCSV {
		return fail(env, "sweep", ExitUsage, "give --markdown or --csv, not both")
	}
	if ext := strings.ToLower(filepath.Ext(*plotFile)); *plotFile != "" && ext != ".png" && ext != ".svg" {
		return fail(env, "sweep", ExitUsage, "--plot %s: write a .png or .svg file", *plotFile)
	}
	base, err := trainConfig(fs, f)
	if err != nil {
		return fail(env, "sweep", ExitUsage, "%v", err)
	}
	plan := sweep.Plan{Base: base}
	for _, v := range vary {
		a, err := sweep.Parse(v)
		if err != nil {
			return fail(env, "sweep", ExitUsage, "--vary %v", err)
		}
		plan.Axes = append(plan.Axes, a)
	}
	points, err := plan.Points()
	if err != nil {
		return fail(env, "sweep", ExitUsage, "%v", err)
	}
	if *dryRun {
		for i, p := range points {
			fmt.Fprintf(env.Stdout, "%4d  %s\n", i+1, escaped(p.Name(plan.Axes)))
		}
		fmt.Fprintf(env.Stdout, "%d runs of %d epochs each\n", len(points), base.Epochs)
		return ExitOK
	}
	store, err := defaultStore()
	if err != nil {
		return fail(env, "sweep", ExitFailure, "the run store: %v", err)
	}

	ctx, stoppedBy, cancel := interruptible()
	defer cancel()
	rep := &sweepReporter{env: env, json: f.json, axes: plan.Axes, total: len(points), shown: make([]bool, len(points))}
	data := &datasetCache{}
	q, err := sweep.Start(ctx, plan, sweep.Options{
		Store:   store,
		Prepare: data.prepare,
		Observe: rep.observe,
		Changed: func() {
			rep.mu.Lock()
			q := rep.q
			rep.mu.Unlock()
			if q != nil { // the first changes are printed by later calls
				rep.changed(q.Jobs())
			}
		},
	})
	if err != nil {
		return fail(env, "sweep", ExitUsage, "%v", err)
	}
	// The queue's goroutine prints too: all printing holds rep.mu.
	rep.mu.Lock()
	rep.q = q
	if !f.json {
		fmt.Fprintf(env.Stdout, "sweep %s: %d runs of %d epochs, kept in %s\n\n", q.ID(), len(points), base.Epochs, escaped(store.Dir))
	}
	rep.mu.Unlock()
	q.Wait()
	rep.changed(q.Jobs())

	status = ExitOK
	for _, j := range q.Jobs() {
		if j.State == sweep.Failed {
			status = ExitFailure
		}
	}
	switch sig := stoppedBy(); {
	case sig == syscall.SIGTERM:
		status = ExitTerminated
	case sig != nil:
		status = ExitInterrupted
	}
	entries, err := store.List()
	if err != nil {
		return fail(env, "sweep", ExitFailure, "reading the run store: %v", err)
	}
	res, err := sweep.Collect(entries, q.ID())
	if err != nil { // no run started: every one failed or was cancelled
		if f.json {
			line(env, map[string]any{"event": "sweep", "sweep": q.ID(), "runs": 0})
		}
		return fail(env, "sweep", max(status, ExitFailure), "%v", err)
	}
	if *plotFile != "" {
		p, err := res.Chart(plots.LightTheme())
		if err == nil {
			err = plots.Save(p, *plotFile, plots.Size{Width: 800, Height: 520})
		}
		if err != nil {
			return fail(env, "sweep", ExitFailure, "--plot: %v", err)
		}
	}
	if f.json {
		header, rows := res.Table()
		m := map[string]any{"event": "sweep", "sweep": q.ID(), "runs": res.Runs(), "seeds": res.Seeds(),
			"settings": settingNames(res.Grouped()), "header": header, "rows": rows}
		if b := res.Best(); b >= 0 {
			m["best"] = res.Groups[b].Values
		}
		line(env, m)
		return status
	}
	fmt.Fprintln(env.Stdout)
	switch {
	case *asMarkdown:
		err = res.WriteMarkdown(env.Stdout)
	case *asCSV:
		err = res.WriteCSV(env.Stdout)
	default:
		err = res.WriteText(env.Stdout)
	}
	if err != nil {
		return fail(env, "sweep", ExitFailure, "%v", err)
	}
	if b := res.Best(); b >= 0 && len(res.Groups) > 1 {
		g := res.Groups[b]
		acc := fmt.Sprintf("%.2f%%", 100*g.Acc)
		if g.N > 1 {
			acc = fmt.Sprintf("%.2f ± %.2f%% over %d seeds", 100*g.Acc, 100*g.AccSD, g.N)
		}
		fmt.Fprintf(env.Stdout, "\nbest: %s (test accuracy %s)\n", escaped(res.Name(b)), acc)
	}
	if !*asMarkdown && !*asCSV {
		fmt.Fprintf(env.Stdout, "its runs: workbench runs list --sweep %s\n", q.ID())
	}
	return status
}

func settingNames(axes []sweep.Axis) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		out[i] = a.Setting
	}
	return out
}

// datasetCache loads each dataset a sweep uses once and splits it for
// every run, as the window's cache does: a sweep over settings other
// than the data opens the data once.
type datasetCache struct {
	mu   sync.Mutex // guards sets
	sets map[string]*dataset.Dataset
}

func (c *datasetCache) prepare(cfg training.Config) (*training.Data, error) {
	key := fmt.Sprintf("%s\x00%q\x00%d", cfg.Dataset, cfg.Classes, cfg.Seed)
	c.mu.Lock()
	defer c.mu.Unlock()
	ds, ok := c.sets[key]
	if !ok {
		var err error
		if ds, err = dataset.Open(cfg.Dataset, cfg.Classes, cfg.Seed); err != nil {
			return nil, err
		}
		if c.sets == nil {
			c.sets = map[string]*dataset.Dataset{}
		}
		// One dataset at a time: a sweep over seeds or datasets should
		// not hold them all.
		clear(c.sets)
		c.sets[key] = ds
	}
	return training.Split(ds, cfg)
}

// sweepReporter prints a sweep's runs as they end, and a progress line on
// a terminal.
type sweepReporter struct {
	env   Env
	json  bool
	axes  []sweep.Axis
	total int

	mu      sync.Mutex // guards q, shown and lastBar (Changed and Observe run on the queue's goroutine; the final call on the caller's)
	q       *sweep.Queue
	shown   []bool
	lastBar time.Time
	bar     bool
}

func (r *sweepReporter) observe(job int, ev training.Event) {
	b, ok := ev.(*training.BatchEvent)
	if !ok || r.json || !r.env.Interactive {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.lastBar) < 100*time.Millisecond {
		return
	}
	r.lastBar = time.Now()
	fmt.Fprintf(r.env.Stderr, "\r[%d/%d] epoch %d/%d  %3.0f%%  loss %.4f  ETA %s   ",
		job+1, r.total, b.Epoch, b.Epochs, 100*b.Fraction(), b.Loss, b.ETA.Round(time.Second))
	r.bar = true
}

func (r *sweepReporter) changed(jobs []sweep.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, j := range jobs {
		if r.shown[i] || (j.State != sweep.Finished && j.State != sweep.Failed && j.State != sweep.Cancelled) {
			continue
		}
		r.shown[i] = true
		if r.json {
			m := map[string]any{"event": "run", "index": i + 1, "name": j.Name, "state": j.State.String()}
			values := map[string]string{}
			for k, a := range r.axes {
				values[a.Setting] = j.Values[k]
			}
			m["values"] = values
			if j.ID != "" {
				m["run"], m["status"] = j.ID, string(j.Status)
			}
			if j.Test != nil {
				m["test_acc"], m["test_loss"] = orNull(j.Test.Accuracy, j.Test.N), orNull(j.Test.Loss, j.Test.N)
			}
			if j.Err != nil {
				m["error"] = j.Err.Error()
			}
			line(r.env, m)
			continue
		}
		if r.bar {
			fmt.Fprintf(r.env.Stderr, "\r%s\r", strings.Repeat(" ", 80))
			r.bar = false
		}
		outcome := j.State.String()
		switch {
		case j.Test != nil:
			outcome = fmt.Sprintf("test %.2f%%  loss %.4f  %.1fs", 100*j.Test.Accuracy, j.Test.Loss, j.Progress.Elapsed.Seconds())
			if j.Status != "done" {
				outcome += "  (" + string(j.Status) + ")"
			}
		case j.Err != nil:
			outcome = fmt.Sprintf("%s: %s", j.Status, j.Err)
			if j.State == sweep.Failed {
				outcome = "failed: " + j.Err.Error()
			}
		}
		fmt.Fprintf(r.env.Stdout, "[%*d/%d] %s  %s\n", len(fmt.Sprint(r.total)), i+1, r.total, escaped(j.Name), escaped(outcome))
	}
}
