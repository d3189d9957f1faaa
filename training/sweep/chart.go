package sweep

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"

	"github.com/neuralworkbench/workbench/plots"
)

// Chart draws the result's test accuracy the way its shape reads best:
// against the setting for one setting (with ±sd bars over seeds), a
// heat map for two, parallel coordinates for three; for a sweep over
// seeds alone, each seed's run.
func (r Result) Chart(theme plots.Theme) (*plot.Plot, error) {
	grouped := r.Grouped()
	title := "Test accuracy by " + strings.Join(labels(grouped), " and ")
	if n := r.Seeds(); n > 1 {
		title += fmt.Sprintf(" (mean ± sd over %d seeds)", n)
	}
	const metric = "test accuracy (%)"
	switch len(grouped) {
	case 0:
		var names []string
		var accs []float64
		for _, e := range r.Groups[0].Runs {
			names = append(names, e.Summary.Sweep.Values[0])
			accs = append(accs, percent(e.Summary.TestAcc))
		}
		return plots.SweepLine(plots.SweepLineOptions{Title: "Test accuracy by seed", XLabel: "seed", YLabel: metric,
			Labels: names, Mean: accs, Theme: theme})
	case 1:
		a := grouped[0]
		o := plots.SweepLineOptions{Title: title, XLabel: Label(a.Setting), YLabel: metric, Theme: theme}
		x, numeric := numbers(a.Values)
		o.LogX = numeric && a.Log
		for i, g := range r.Groups {
			if len(g.Runs) == 0 {
				continue // not run yet (a NaN would read as diverged)
			}
			if numeric {
				o.X = append(o.X, x[i])
			} else {
				o.Labels = append(o.Labels, a.Values[i])
			}
			o.Mean = append(o.Mean, 100*g.Acc)
			o.SD = append(o.SD, 100*g.AccSD)
		}
		return plots.SweepLine(o)
	case 2:
		// The first setting varies slowest: rows, the second columns.
		rows, cols := grouped[0], grouped[1]
		o := plots.SweepHeatmapOptions{Title: title, XName: Label(cols.Setting), YName: Label(rows.Setting),
			XLabels: cols.Values, YLabels: rows.Values, ValueName: metric, Format: "%.1f", Theme: theme}
		for i := range rows.Values {
			var vals, sds []float64
			for j := range cols.Values {
				g := r.Groups[i*len(cols.Values)+j]
				vals, sds = append(vals, 100*g.Acc), append(sds, 100*g.AccSD)
			}
			o.Values, o.SD = append(o.Values, vals), append(o.SD, sds)
		}
		if r.Seeds() == 1 {
			o.SD = nil
		}
		return plots.SweepHeatmap(o)
	default:
		o := plots.ParallelOptions{Title: title, MetricName: metric, Theme: theme}
		numeric := make([]bool, len(grouped))
		for k, a := range grouped {
			ax := plots.ParallelAxis{Name: Label(a.Setting)}
			if _, ok := numbers(a.Values); ok {
				numeric[k], ax.Log = true, a.Log
			} else {
				ax.Labels = a.Values
			}
			o.Axes = append(o.Axes, ax)
		}
		for _, g := range r.Groups {
			if len(g.Runs) == 0 {
				continue // not run yet
			}
			row := make([]float64, len(grouped))
			for k, v := range g.Values {
				if numeric[k] {
					row[k], _ = strconv.ParseFloat(v, 64)
				} else {
					row[k] = float64(slices.Index(grouped[k].Values, v))
				}
			}
			o.Rows = append(o.Rows, row)
			o.Metric = append(o.Metric, 100*g.Acc)
		}
		return plots.ParallelCoordinates(o)
	}
}

func labels(axes []Axis) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		out[i] = Label(a.Setting)
	}
	if len(out) == 0 {
		return []string{"seed"}
	}
	return out
}

// numbers parses values that are all numbers.
func numbers(values []string) ([]float64, bool) {
	out := make([]float64, len(values))
	for i, v := range values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

// percent is a test accuracy in percent, NaN when there is none.
func percent(acc *float64) float64 {
	if acc == nil {
		return math.NaN()
	}
	return 100 * *acc
}
