package sweep

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/neuralworkbench/workbench/training/runs"
)

// Result is a sweep's outcome, rebuilt from the run store: its runs
// grouped by the values of the settings it varied. When the seed is one
// of them, each group holds a setting combination's runs over every seed
// and its figures are their mean and standard deviation.
type Result struct {
	ID string
	// Axes are the varied settings, seed included, with the values the
	// runs took: numbers in increasing order, other values in the order
	// the runs were made.
	Axes []Axis
	// Groups has one entry per combination of the settings other than
	// the seed, the first setting varying slowest.
	Groups []Group
}

// Group is one combination of a sweep's settings (the seed aside).
type Group struct {
	// Values are the combination's values of Result.Grouped's settings.
	Values []string
	Runs   []runs.Entry
	// N counts the runs with test results, which the figures average.
	N int
	// Test accuracy and loss: the mean and the sample standard deviation
	// over N runs (sd 0 for one run, all NaN for none).
	Acc, AccSD, Loss, LossSD float64
	Params                   int
	Seconds                  float64 // mean wall time
	// Trouble counts the group's runs that diverged, failed, were
	// stopped or interrupted.
	Trouble int
}

// Grouped returns the settings the groups are made of: the axes but the
// seed.
func (r Result) Grouped() []Axis {
	var out []Axis
	for _, a := range r.Axes {
		if a.Setting != "seed" {
			out = append(out, a)
		}
	}
	return out
}

// Seeds is how many seeds each combination was run with.
func (r Result) Seeds() int {
	for _, a := range r.Axes {
		if a.Setting == "seed" {
			return len(a.Values)
		}
	}
	return 1
}

// Collect gathers the sweep id's runs from a store's entries. Axes whose
// values are positive and span two decades or more (one for learning
// rates and weight decays) are drawn on a log scale.
func Collect(entries []runs.Entry, id string) (Result, error) {
	return collect(entries, id, nil)
}

// CollectPlan is Collect for a sweep whose plan is known, as while it
// runs: the result has the plan's axes and a group for every combination,
// those without finished runs empty (NaN figures), so that its table and
// chart fill in as the runs end.
func CollectPlan(entries []runs.Entry, id string, axes []Axis) (Result, error) {
	return collect(entries, id, axes)
}

func collect(entries []runs.Entry, id string, axes []Axis) (Result, error) {
	var members []runs.Entry
	for _, e := range entries {
		if e.Damaged == "" && e.Summary.Sweep != nil && e.Summary.Sweep.ID == id {
			members = append(members, e)
		}
	}
	if len(members) == 0 {
		return Result{}, fmt.Errorf("no runs of sweep %s in the store", id)
	}
	// Oldest first: the order the sweep made them in.
	slices.SortFunc(members, func(a, b runs.Entry) int { return strings.Compare(a.ID, b.ID) })
	info := members[0].Summary.Sweep
	res := Result{ID: id, Axes: make([]Axis, len(info.Settings))}
	for k, s := range info.Settings {
		res.Axes[k].Setting = s
	}
	for _, m := range members {
		si := m.Summary.Sweep
		if !slices.Equal(si.Settings, info.Settings) || len(si.Values) != len(si.Settings) {
			return Result{}, fmt.Errorf("run %s of sweep %s varies other settings than its first run", m.ID, id)
		}
		for k, v := range si.Values {
			if !slices.Contains(res.Axes[k].Values, v) {
				res.Axes[k].Values = append(res.Axes[k].Values, v)
			}
		}
	}
	for k := range res.Axes {
		orderValues(&res.Axes[k])
	}
	if axes != nil {
		if len(axes) != len(res.Axes) {
			return Result{}, fmt.Errorf("sweep %s varies %d settings, its plan %d", id, len(res.Axes), len(axes))
		}
		for k, a := range axes {
			if a.Setting != res.Axes[k].Setting {
				return Result{}, fmt.Errorf("sweep %s varies %s where its plan has %s", id, res.Axes[k].Setting, a.Setting)
			}
			for _, v := range res.Axes[k].Values {
				if !slices.Contains(a.Values, v) {
					return Result{}, fmt.Errorf("sweep %s has %s=%s, which its plan does not", id, a.Setting, v)
				}
			}
			res.Axes[k] = Axis{Setting: a.Setting, Values: slices.Clone(a.Values), Log: a.Log}
		}
	}
	grouped := res.Grouped()
	index := map[string]int{}
	for _, combo := range combinations(grouped) {
		index[strings.Join(combo, "\x00")] = len(res.Groups)
		res.Groups = append(res.Groups, Group{Values: combo})
	}
	for _, m := range members {
		var key []string
		for k, s := range info.Settings {
			if s != "seed" {
				key = append(key, m.Summary.Sweep.Values[k])
			}
		}
		g := &res.Groups[index[strings.Join(key, "\x00")]]
		g.Runs = append(g.Runs, m)
	}
	for i := range res.Groups {
		res.Groups[i].summarize()
	}
	return res, nil
}

// orderValues sorts a numeric axis by value and decides its scale.
func orderValues(a *Axis) {
	if !Numeric(a.Setting) {
		return
	}
	nums := make(map[string]float64, len(a.Values))
	for _, v := range a.Values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return
		}
		nums[v] = f
	}
	slices.SortFunc(a.Values, func(x, y string) int {
		switch {
		case nums[x] < nums[y]:
			return -1
		case nums[x] > nums[y]:
			return 1
		}
		return 0
	})
	lo, hi := nums[a.Values[0]], nums[a.Values[len(a.Values)-1]]
	// Rates are read by their order of magnitude.
	decades := a.Setting == "lr" || a.Setting == "weight-decay"
	a.Log = a.Setting != "seed" && lo > 0 && (hi/lo >= 100 || decades && hi/lo >= 10)
}

// combinations lists every combination of the axes' values, the first
// axis varying slowest; one empty combination for no axes.
func combinations(axes []Axis) [][]string {
	out := [][]string{{}}
	for _, a := range axes {
		var next [][]string
		for _, prefix := range out {
			for _, v := range a.Values {
				next = append(next, append(slices.Clone(prefix), v))
			}
		}
		out = next
	}
	return out
}

func (g *Group) summarize() {
	var accs, losses []float64
	var secs float64
	for _, r := range g.Runs {
		s := r.Summary
		g.Params = max(g.Params, s.Parameters)
		if s.Status != runs.Done && s.Status != runs.Running {
			g.Trouble++
		}
		if s.TestAcc != nil && s.TestLoss != nil {
			accs, losses = append(accs, *s.TestAcc), append(losses, *s.TestLoss)
			secs += s.ElapsedS
		}
	}
	g.N = len(accs)
	g.Acc, g.AccSD = meanSD(accs)
	g.Loss, g.LossSD = meanSD(losses)
	g.Seconds = math.NaN()
	if g.N > 0 {
		g.Seconds = secs / float64(g.N)
	}
}

// meanSD returns the mean and sample standard deviation (n−1) of xs: 0 for
// the sd of one value, NaN for both of none.
func meanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) == 1 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// Name names group i by its settings, as runs are named: "lr=0.01 optimizer=adam".
func (r Result) Name(i int) string {
	return Point{Values: r.Groups[i].Values}.Name(r.Grouped())
}

// Runs counts the sweep's runs found in the store.
func (r Result) Runs() int {
	n := 0
	for _, g := range r.Groups {
		n += len(g.Runs)
	}
	return n
}

// Best is the index of the group with the highest mean test accuracy, or
// -1 when no group has one.
func (r Result) Best() int {
	best := -1
	for i, g := range r.Groups {
		if g.N > 0 && (best < 0 || g.Acc > r.Groups[best].Acc) {
			best = i
		}
	}
	return best
}

// Table is the result as rows of text: a column per grouped setting, then
// test accuracy, test loss (mean ± sd over the seeds when there are
// several), parameters, mean wall time and the runs counted.
func (r Result) Table() (header []string, rows [][]string) {
	for _, a := range r.Grouped() {
		header = append(header, Label(a.Setting))
	}
	header = append(header, "test accuracy", "test loss", "parameters", "time", "runs")
	for _, g := range r.Groups {
		row := slices.Clone(g.Values)
		acc, loss, secs := "—", "—", "—"
		if g.N > 0 {
			acc = fmt.Sprintf("%.2f%%", 100*g.Acc)
			loss = fmt.Sprintf("%.4f", g.Loss)
			if g.N > 1 {
				acc = fmt.Sprintf("%.2f ± %.2f%%", 100*g.Acc, 100*g.AccSD)
				loss = fmt.Sprintf("%.4f ± %.4f", g.Loss, g.LossSD)
			}
			secs = fmt.Sprintf("%.1f s", g.Seconds)
		}
		count := strconv.Itoa(g.N)
		if g.Trouble > 0 {
			count = fmt.Sprintf("%d (%d of %d did not finish)", g.N, g.Trouble, len(g.Runs))
		}
		params := "—"
		if g.Params > 0 {
			params = strconv.Itoa(g.Params)
		}
		rows = append(rows, append(row, acc, loss, params, secs, count))
	}
	return header, rows
}

// WriteText writes the table aligned for a terminal.
func (r Result) WriteText(w io.Writer) error {
	header, rows := r.Table()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// WriteMarkdown writes the table as Markdown.
func (r Result) WriteMarkdown(w io.Writer) error {
	header, rows := r.Table()
	return runs.Table{Header: header, Rows: rows}.WriteMarkdown(w)
}

// WriteCSV writes the table as CSV.
func (r Result) WriteCSV(w io.Writer) error {
	header, rows := r.Table()
	return runs.Table{Header: header, Rows: rows}.WriteCSV(w)
}
