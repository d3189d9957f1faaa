package ui

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// runMetric is a curve the Runs tab overlays: the loss or accuracy of one
// split of metrics.csv's lines.
type runMetric struct {
	title string // in the menu and the chart's title
	split string // "val" (once an epoch) or "train" (every batch)
	acc   bool   // accuracy, else loss
}

var runMetrics = []runMetric{
	{"Validation loss", "val", false},
	{"Validation accuracy", "val", true},
	{"Training loss", "train", false},
	{"Training accuracy", "train", true},
}

// curveRun is a ticked run as its curves show it.
type curveRun struct {
	entry runs.Entry
	label string // the legend's: the settings that differ, or its name
}

// runsCurves overlays the ticked runs' curves of one metric, drawn with
// the Training tab's chart options (chartControls), one colour a run in
// the order ticked, and saves them as a picture or a CSV file. It draws
// off the UI goroutine, one drawing at a time, always the last asked for.
type runsCurves struct {
	win     fyne.Window
	tasks   *tasks
	chart   *chartView
	metric  *widget.Select
	options *chartControls
	save    *widget.Button
	problem *widget.Label // a run whose curves cannot be read
	content fyne.CanvasObject
	metrics metricsCache

	mu               sync.Mutex // guards the fields below
	runs             []curveRun
	opts             chartOptions
	which            runMetric
	pending, drawing bool // a drawing has been asked for; one is under way
}

func newRunsCurves(win fyne.Window, t *tasks) *runsCurves {
	// By epoch, which lines up runs of different batch sizes, and
	// smoothed more than one run's curves: several runs' raw batch losses
	// overlaid are a thicket.
	c := &runsCurves{win: win, tasks: t, opts: chartOptions{axis: axisEpoch, smoothing: 0.9}, which: runMetrics[0]}
	c.chart = newChartView(300, 150)
	c.chart.resized = c.redraw
	c.options = newChartControls(c.opts, c.setOption, false)
	var titles []string
	for _, m := range runMetrics {
		titles = append(titles, m.title)
	}
	c.metric = &widget.Select{Options: titles, Selected: runMetrics[0].title, OnChanged: func(s string) {
		for _, m := range runMetrics {
			if m.title == s {
				c.setMetric(m)
			}
		}
	}}
	c.save = &widget.Button{Text: "Save…", Icon: theme.DocumentSaveIcon(), OnTapped: c.chooseSave}
	c.save.Disable()
	c.problem = &widget.Label{Truncation: fyne.TextTruncateEllipsis, Importance: widget.WarningImportance}
	c.problem.Hide()
	c.content = container.NewBorder(container.NewBorder(nil, nil, nil, c.save, c.metric), c.problem, nil, nil, c.chart)
	return c
}

// setOption changes a display setting and redraws.
func (c *runsCurves) setOption(f func(*chartOptions)) {
	c.mu.Lock()
	f(&c.opts)
	c.mu.Unlock()
	c.redraw()
}

// setMetric chooses the curves drawn.
func (c *runsCurves) setMetric(m runMetric) {
	c.mu.Lock()
	c.which = m
	c.mu.Unlock()
	c.redraw()
}

// show draws the curves of runs (ticked, readable), each labelled by
// labels[its ID]; on the UI goroutine.
func (c *runsCurves) show(picked []runs.Entry, labels map[string]string) {
	list := make([]curveRun, len(picked))
	for i, e := range picked {
		list[i] = curveRun{e, labels[e.ID]}
	}
	c.mu.Lock()
	c.runs = list
	c.mu.Unlock()
	if len(list) == 0 {
		c.save.Disable()
	} else {
		c.save.Enable()
	}
	c.redraw()
}

// redraw asks for the curves to be drawn again. A drawing under way
// draws once more when it ends; otherwise one starts.
func (c *runsCurves) redraw() {
	c.mu.Lock()
	c.pending = true
	start := !c.drawing
	c.drawing = true
	c.mu.Unlock()
	if start && !c.tasks.start(c.draw) {
		c.mu.Lock()
		c.drawing = false
		c.mu.Unlock()
	}
}

// draw renders the curves until no drawing is asked for; off the UI
// goroutine.
func (c *runsCurves) draw() {
	for {
		c.mu.Lock()
		if !c.pending {
			c.drawing = false
			c.mu.Unlock()
			return
		}
		c.pending = false
		list, opts, which := c.runs, c.opts, c.which
		c.mu.Unlock()
		if len(list) == 0 {
			bridge.Do(func() {
				c.chart.clear()
				c.problem.Hide()
			})
			continue
		}
		spec, problems := c.spec(list, which, opts, opts.dark)
		ch, err := plots.Render(spec.plot(), c.chart.renderSize())
		bridge.Do(func() {
			if err == nil {
				c.chart.show(ch)
			}
			if len(problems) > 0 {
				c.problem.SetText(strings.Join(problems, "; "))
				c.problem.Show()
			} else {
				c.problem.Hide()
			}
		})
	}
}

// spec describes the chart of runs' curves of a metric; problems say
// which runs' curves could not be read.
func (c *runsCurves) spec(list []curveRun, m runMetric, o chartOptions, dark bool) (spec curveSpec, problems []string) {
	th := plots.LightTheme()
	if dark {
		th = plots.DarkTheme()
	}
	yLabel := "loss"
	if m.acc {
		yLabel = "accuracy"
	}
	spec.opts = plots.CurveOptions{Title: m.title + " of the ticked runs", XLabel: xLabel(o.axis), YLabel: yLabel,
		LogY: o.logLoss && !m.acc, IgnoreOutliers: o.ignoreOutliers, Smoothing: o.smoothing, Theme: th}
	rows, errs := c.metrics.read(list)
	for i, r := range list {
		if errs[i] != nil {
			problems = append(problems, "run "+r.entry.ID+": "+errs[i].Error())
			continue
		}
		x, y := metricSeries(rows[i], m, o.axis)
		spec.series = append(spec.series, plots.Series{Label: r.label, X: x, Y: y, Color: i, Dashed: runDashed(i, th),
			Points: m.split == "val"})
	}
	return spec, problems
}

// runDashed reports whether the i-th run's line is dashed: the palette's
// colours come round again dashed after the first of them.
func runDashed(i int, th plots.Theme) bool { return (i/max(1, len(th.Palette)))%2 == 1 }

// metricSeries returns a metric's points from a run's metrics.csv lines,
// with x in the unit of axis.
func metricSeries(rows []runs.Row, m runMetric, axis string) (x, y []float64) {
	for _, r := range rows {
		if r.Split != m.split {
			continue
		}
		switch axis {
		case axisEpoch:
			x = append(x, r.Epoch)
		case axisSeconds:
			x = append(x, r.Time)
		default:
			x = append(x, float64(r.Step))
		}
		if m.acc {
			y = append(y, r.Acc)
		} else {
			y = append(y, r.Loss)
		}
	}
	return x, y
}

// chooseSave offers what can be saved of the curves.
func (c *runsCurves) chooseSave() {
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Plot as PNG or SVG…", c.savePlot),
		fyne.NewMenuItem("Curves as CSV…", c.saveCSV),
	}
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), c.win.Canvas(), fyne.NewPos(0, c.save.Size().Height), c.save)
}

// buildPlot makes the chart as on display, for saving, in the light or
// dark theme.
func (c *runsCurves) buildPlot(dark bool) (*plot.Plot, plots.Size, error) {
	c.mu.Lock()
	list, opts, which := c.runs, c.opts, c.which
	c.mu.Unlock()
	size := plots.Size{Width: 900, Height: 560, DPI: 96}
	if len(list) == 0 {
		return nil, size, fmt.Errorf("there are no curves to save: tick runs first")
	}
	spec, _ := c.spec(list, which, opts, dark)
	return spec.plot(), size, nil
}

// savePlot saves the chart as PNG or SVG, as the Training tab saves its
// own.
func (c *runsCurves) savePlot() {
	c.mu.Lock()
	name := strings.ReplaceAll(strings.ToLower(c.which.title), " ", "-")
	c.mu.Unlock()
	savePlot(c.win, "runs-"+name+".png", c.buildPlot)
}

// saveCSV saves the ticked runs' curves as one CSV file.
func (c *runsCurves) saveCSV() {
	saveFile(c.win, "runs-curves.csv", []string{".csv"}, nil, func(path string) error { return createFile(path, c.writeCSV) })
}

// createFile creates (or truncates) a file and writes it with write.
func createFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeCSV writes every metrics.csv line of the ticked runs, in the order
// ticked, each with its run's ID and name: columns
// run,name,step,epoch,time_s,split,loss,acc.
func (c *runsCurves) writeCSV(w io.Writer) error {
	c.mu.Lock()
	list := c.runs
	c.mu.Unlock()
	if len(list) == 0 {
		return fmt.Errorf("there are no curves to save: tick runs first")
	}
	rows, errs := c.metrics.read(list)
	cw := csv.NewWriter(w)
	cw.Write([]string{"run", "name", "step", "epoch", "time_s", "split", "loss", "acc"})
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, r := range list {
		if errs[i] != nil {
			return fmt.Errorf("run %s: %w", r.entry.ID, errs[i])
		}
		for _, row := range rows[i] {
			cw.Write([]string{r.entry.ID, r.entry.Summary.Name, strconv.Itoa(row.Step), num(row.Epoch), num(row.Time), row.Split, num(row.Loss), num(row.Acc)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// metricsCache keeps the ticked runs' metrics.csv lines, so that another
// metric, option or export does not read them again. A run still running
// is read again each time.
type metricsCache struct {
	mu   sync.Mutex // guards kept
	kept map[string]keptMetrics
}

type keptMetrics struct {
	stamp string // the summary the lines were read with
	rows  []runs.Row
}

// read returns each run's metrics.csv lines, or why they cannot be read,
// and forgets the lines of runs not asked for; off the UI goroutine.
func (m *metricsCache) read(list []curveRun) ([][]runs.Row, []error) {
	rows, errs := make([][]runs.Row, len(list)), make([]error, len(list))
	keep := map[string]keptMetrics{}
	for i, r := range list {
		e := r.entry
		stamp := fmt.Sprint(e.Summary.Status, e.Summary.Epochs, e.Summary.Finished)
		m.mu.Lock()
		k, ok := m.kept[e.ID]
		m.mu.Unlock()
		if !ok || k.stamp != stamp || e.Summary.Status == runs.Running {
			k.stamp = stamp
			k.rows, errs[i] = runs.ReadMetrics(e.Dir)
		}
		rows[i] = k.rows
		if errs[i] == nil {
			keep[e.ID] = k
		}
	}
	m.mu.Lock()
	m.kept = keep
	m.mu.Unlock()
	return rows, errs
}
