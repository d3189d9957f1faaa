package ui

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// The x-axis units the charts offer.
const (
	axisStep    = "Step"
	axisEpoch   = "Epoch"
	axisSeconds = "Seconds"
)

// redrawInterval caps chart redraws at 8 a second while training.
const redrawInterval = 125 * time.Millisecond

// chartOptions are the Training tab's display settings.
type chartOptions struct {
	axis           string
	logLoss        bool
	ignoreOutliers bool // fit the y axes to the bulk of the data
	showLR         bool // the learning rate on a right-hand axis (Training tab)
	smoothing      float64
	dark           bool
}

// trainingTab shows a run live: loss and accuracy curves, a per-epoch
// table and, at the end, the test results and confusion matrix.
type trainingTab struct {
	win fyne.Window

	options    *chartControls
	lossChart  *chartView
	accChart   *chartView
	confusion  *chartView
	readout    *widget.Label
	table      *widget.Table
	results    *widget.Label
	perClass   *widget.Label
	weights    *widget.Label       // which weights the run's model is
	useWeights *widget.RadioGroup  // the best epoch's or the last, for Classify and the landscape
	weightsRun *training.DoneEvent // the run useWeights chooses from
	errorBox   *fyne.Container
	errorText  *widget.Label
	warnBox    *fyne.Container // a run that ended without learning
	warnText   *widget.Label
	runInfo    *widget.Label // the settings of the run on screen
	stale      *widget.Label // shown when the form no longer matches them
	savePlot   *widget.Button
	saveModel  *widget.Button
	mistakes   *fyne.Container // Most confused… and how to see a cell's images, shown with a confusion matrix
	content    fyne.CanvasObject

	controls *runControls // told of the run's progress with every redraw
	models   *modelHolder // the model Save model… saves
	tasks    *tasks       // saving in the background
	gallery  *gallery     // the test images behind the confusion matrix's cells

	mu      sync.Mutex // guards rec, opts and shown
	rec     *record
	opts    chartOptions
	shown   *snapshot // what the charts show, for the pointer readout
	history []training.EpochSummary
	columns []tableColumn // the per-epoch table's, on the UI goroutine

	// The form's settings, to tell when they no longer are the run's; on
	// the UI goroutine.
	formCfg   training.Config
	formValid bool
	// effective gives a run's config with its live changes in force, and
	// live says whether a run takes live changes now.
	effective func(training.Config) training.Config
	live      func() bool

	throttle *bridge.Throttle
}

func newTrainingTab(win fyne.Window, controls *runControls, models *modelHolder, tasks *tasks, gallery *gallery) *trainingTab {
	t := &trainingTab{win: win, controls: controls, models: models, tasks: tasks, gallery: gallery, opts: chartOptions{axis: axisStep, smoothing: 0.6}}
	// The charts exist before the first redraw request.
	t.lossChart = newChartView(240, 150)
	t.accChart = newChartView(240, 150)
	t.confusion = newChartView(220, 150)
	for _, c := range []*chartView{t.lossChart, t.accChart, t.confusion} {
		c.resized = t.redraw
	}
	t.lossChart.hover = t.pointer
	t.accChart.hover = t.pointer
	t.confusion.hover = t.pointCell
	t.confusion.tapped = func(x, y float64) { gallery.openCell(t.current(), x, y) }
	t.throttle = bridge.NewThrottle(redrawInterval, t.render)
	t.options = newChartControls(t.opts, t.setOption, true)
	t.readout = widget.NewLabel("Point at a chart to read its values.")
	t.readout.Wrapping = fyne.TextWrapWord // never cut off

	t.table = widget.NewTable(t.tableSize, t.tableCell, t.tableUpdate)
	t.table.ShowHeaderRow = true
	t.table.CreateHeader = func() fyne.CanvasObject { return widget.NewLabel("") }
	t.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(t.columns) {
			l := o.(*widget.Label)
			l.TextStyle = fyne.TextStyle{Bold: true}
			l.SetText(t.columns[id.Col].title)
		}
	}
	t.setColumns(false)
	t.results = widget.NewLabel("Train a network to see its test accuracy here.")
	t.results.Wrapping = fyne.TextWrapWord
	t.results.TextStyle = fyne.TextStyle{Bold: true}
	t.perClass = widget.NewLabel("")
	t.perClass.Wrapping = fyne.TextWrapWord
	t.weights = widget.NewLabel("")
	t.weights.Wrapping = fyne.TextWrapWord
	t.weights.Hide()
	t.useWeights = widget.NewRadioGroup([]string{useBest, useLast}, t.chooseWeights)
	t.useWeights.Horizontal = true
	t.useWeights.Required = true
	t.useWeights.Hide()

	t.errorText = widget.NewLabel("")
	t.errorText.Wrapping = fyne.TextWrapWord
	t.errorText.Importance = widget.DangerImportance
	t.errorBox = container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, t.errorText)
	t.errorBox.Hide()
	t.warnText = widget.NewLabel("")
	t.warnText.Wrapping = fyne.TextWrapWord
	t.warnText.Importance = widget.WarningImportance
	t.warnBox = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, t.warnText)
	t.warnBox.Hide()
	t.runInfo = widget.NewLabel("No run yet: the settings on the left train one (Ctrl+Enter).")
	t.runInfo.Wrapping = fyne.TextWrapWord
	t.stale = widget.NewLabel("")
	t.stale.Wrapping = fyne.TextWrapWord
	t.stale.Importance = widget.WarningImportance
	t.stale.Hide()

	t.savePlot = &widget.Button{Text: "Save plot…", Icon: theme.DocumentSaveIcon(), OnTapped: t.choosePlot}
	t.saveModel = &widget.Button{Text: "Save model…", Icon: theme.DocumentSaveIcon(), OnTapped: t.chooseModelDir}
	t.saveModel.Disable()
	confused := &widget.Button{Text: "Most confused…", Icon: theme.ListIcon(), OnTapped: func() { gallery.mostConfused(t.current()) }}
	cellHint := &widget.Label{Text: "or click a cell to see its images", Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Italic: true}}
	t.mistakes = container.NewBorder(nil, nil, confused, nil, cellHint)
	t.mistakes.Hide()

	toolbar := t.options.content
	charts := container.NewGridWithColumns(2, t.lossChart, t.accChart)
	// The run's outcome scrolls under the save buttons, so that a long
	// failure message never makes the window taller than 700 pixels.
	t.confusion.img.SetMinSize(fyne.NewSize(220, 210))
	outcome := container.NewVScroll(container.NewVBox(t.errorBox, t.warnBox, t.results, t.perClass, t.weights, t.useWeights, t.mistakes, t.confusion))
	resultsBox := container.NewBorder(container.NewHBox(t.savePlot, t.saveModel), nil, nil, nil, outcome)
	bottom := container.NewHSplit(t.table, resultsBox)
	bottom.Offset = 0.5
	split := container.NewVSplit(container.NewBorder(nil, t.readout, nil, nil, charts), bottom)
	split.Offset = 0.5
	t.content = container.NewBorder(container.NewVBox(toolbar, t.runInfo, t.stale), nil, nil, nil, split)
	return t
}

func layoutSpacer() fyne.CanvasObject { return container.NewStack() }

// setOption changes a display setting and redraws.
func (t *trainingTab) setOption(f func(*chartOptions)) {
	t.mu.Lock()
	f(&t.opts)
	t.mu.Unlock()
	t.redraw()
}

// setDark makes the charts follow the app's theme.
func (t *trainingTab) setDark(dark bool) { t.setOption(func(o *chartOptions) { o.dark = dark }) }

// redraw asks for the charts to be drawn again soon; safe from any
// goroutine.
func (t *trainingTab) redraw() { t.throttle.Request() }

// start shows a new run: the previous run's results go, so that nothing
// of it stays under the new run's settings.
func (t *trainingTab) start(rec *record) {
	t.mu.Lock()
	t.rec = rec
	t.shown = nil
	t.mu.Unlock()
	t.history = nil
	t.setColumns(false)
	t.table.Refresh()
	t.table.ScrollToTop()
	t.errorBox.Hide()
	t.warnBox.Hide()
	t.confusion.clear()
	t.pointer(0, 0, false) // the readout and markers were the previous run's
	t.results.SetText("Training…")
	t.perClass.SetText("")
	t.weights.Hide()
	t.useWeights.Hide()
	t.weightsRun = nil
	t.saveModel.Disable()
	t.mistakes.Hide()
	t.runInfo.SetText("This run: " + describeConfig(rec.cfg(), nil))
	t.updateStale()
	t.redraw()
}

// stoppedBeforeStart shows a run stopped while its data was being read.
func (t *trainingTab) stoppedBeforeStart() {
	t.results.SetText("Stopped before training started: there are no results.")
}

// formChanged is told of the form's settings after every edit.
func (t *trainingTab) formChanged(cfg training.Config, valid bool) {
	t.formCfg, t.formValid = cfg, valid
	t.updateStale()
}

// updateStale says when the form's settings are no longer those of the
// run on screen; on the UI goroutine.
func (t *trainingTab) updateStale() {
	t.mu.Lock()
	rec := t.rec
	t.mu.Unlock()
	if rec == nil {
		t.stale.Hide()
		return
	}
	run := rec.cfg()
	if t.effective != nil {
		run = t.effective(run)
	}
	if t.formValid && sameSettings(run, t.formCfg) {
		t.stale.Hide()
		return
	}
	text := "Settings changed since this run: they apply to the next run. What you see is this run's, with the settings above."
	if t.formValid && t.live != nil && t.live() {
		// The live settings the form has but the run has not yet taken.
		var pending []string
		form := t.formCfg
		for _, st := range liveSettings(run) {
			if v, in := liveOf(form, st), liveOf(run, st); v != in {
				pending = append(pending, fmt.Sprintf("%s %s (the run has %s)", st.Label(), training.ShortNumber(v), training.ShortNumber(in)))
			}
			setLive(&form, st, liveOf(run, st))
		}
		switch {
		case len(pending) > 0 && sameSettings(run, form):
			text = "Not applied yet: " + strings.Join(pending, ", ") + ". Press Enter in the field or Apply to this run, or it applies to the next run."
		case len(pending) > 0:
			text = "Not applied yet: " + strings.Join(pending, ", ") + " (Enter or Apply to this run). The other changed settings apply to the next run."
		}
	}
	t.stale.SetText(text)
	t.stale.Show()
}

// liveOf and setLive read and write a live setting of a config.
func liveOf(c training.Config, s training.Setting) float64 {
	switch s {
	case training.SettingLR:
		return c.LR
	case training.SettingMomentum:
		return c.Momentum
	}
	return c.WeightDecay
}

func setLive(c *training.Config, s training.Setting, v float64) {
	switch s {
	case training.SettingLR:
		c.LR = v
	case training.SettingMomentum:
		c.Momentum = v
	default:
		c.WeightDecay = v
	}
}

// sameSettings reports whether two experiments are the same.
func sameSettings(a, b training.Config) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// fail shows an error that ended a run (or kept one from starting).
func (t *trainingTab) fail(err error) {
	t.errorText.SetText(err.Error())
	t.errorBox.Show()
	t.results.SetText("The run failed; see the message above: no test results.")
}

// render draws the charts off the UI goroutine and hands them over.
func (t *trainingTab) render() {
	t.mu.Lock()
	rec := t.rec
	t.mu.Unlock()
	t.draw(rec)
}

// draw renders rec's charts and hands them over, unless another run is on
// screen by then.
func (t *trainingTab) draw(rec *record) {
	t.mu.Lock()
	opts := t.opts
	t.mu.Unlock()
	var snap *snapshot
	if rec != nil {
		snap = rec.snapshot()
	} else {
		snap = &snapshot{}
	}
	th := plots.LightTheme()
	if opts.dark {
		th = plots.DarkTheme()
	}
	lossPlot, accPlot := curvePlots(snap, opts, th)
	loss, err1 := plots.Render(lossPlot, t.lossChart.renderSize())
	acc, err2 := plots.Render(accPlot, t.accChart.renderSize())
	var conf *plots.Chart
	if snap.done != nil {
		if p, err := plots.Confusion("Confusion matrix (test set)", snap.classes, snap.done.Test.Confusion, th); err == nil {
			conf, _ = plots.Render(p, t.confusion.renderSize())
		}
	}
	bridge.Do(func() {
		t.mu.Lock()
		stale := t.rec != rec
		t.mu.Unlock()
		if stale {
			// A new run started while this was drawn: showing the old
			// run's outcome now would leave it under the new run's
			// curves (an error box, say), and a redraw of the new run
			// is on its way.
			return
		}
		if err1 == nil {
			t.lossChart.show(loss)
		}
		if err2 == nil {
			t.accChart.show(acc)
		}
		if conf != nil {
			t.confusion.show(conf)
		}
		t.mu.Lock()
		t.shown = snap
		t.mu.Unlock()
		t.showSnapshot(snap)
	})
}

// curveSpec is how one of the Training tab's charts is drawn: its options
// and its two series, train batches and validation epochs.
type curveSpec struct {
	opts   plots.CurveOptions
	series []plots.Series
}

// curveSpecs describes the loss and accuracy charts of a snapshot.
func curveSpecs(s *snapshot, o chartOptions, th plots.Theme) (loss, acc curveSpec) {
	bx, vx := s.x(o.axis)
	xLabel := xLabel(o.axis)
	series := func(train, val []float64) []plots.Series {
		return []plots.Series{
			{Label: "train (batches)", X: bx, Y: train, Color: 0},
			{Label: "validation", X: vx, Y: val, Color: 1, Points: true},
		}
	}
	lossTitle := "Loss"
	if s.cfg.Loss != "" {
		lossTitle = "Loss (" + s.cfg.Loss.String() + ")"
	}
	markers := changeMarkers(s, o.axis)
	var lr *plots.Secondary
	if o.showLR && len(s.lr) > 0 {
		lo, hi := slices.Min(s.lr), slices.Max(s.lr)
		lr = &plots.Secondary{Label: "learning rate", X: bx, Y: s.lr, LogY: lo > 0 && hi >= 5*lo, Color: 2}
	}
	loss = curveSpec{plots.CurveOptions{Title: lossTitle, XLabel: xLabel, YLabel: "loss", LogY: o.logLoss,
		IgnoreOutliers: o.ignoreOutliers, Smoothing: o.smoothing, Theme: th, Markers: markers, Secondary: lr}, series(s.loss, s.vLoss)}
	acc = curveSpec{plots.CurveOptions{Title: "Accuracy", XLabel: xLabel, YLabel: "accuracy",
		IgnoreOutliers: o.ignoreOutliers, Smoothing: o.smoothing, Theme: th, Markers: markers, Secondary: lr}, series(s.acc, s.vAcc)}
	return loss, acc
}

// changeMarkers are a run's live changes as labelled lines on its charts,
// one a step: "lr 1e-3 → 3e-4 at step 1,240".
func changeMarkers(s *snapshot, axis string) []plots.Marker {
	var ms []plots.Marker
	for i := 0; i < len(s.changes); {
		step := s.changes[i].Step
		var parts []string
		for ; i < len(s.changes) && s.changes[i].Step == step; i++ {
			parts = append(parts, changeText(s.changes[i]))
		}
		if x, ok := s.stepX(axis, step); ok {
			ms = append(ms, plots.Marker{X: x, Label: strings.Join(parts, ", ") + " at step " + training.Thousands(step)})
		}
	}
	return ms
}

// changeText is a change without its step: "lr 1e-3 → 3e-4".
func changeText(c training.Change) string {
	return fmt.Sprintf("%s %s → %s", c.Setting.Label(), training.ShortNumber(c.From), training.ShortNumber(c.Value))
}

// plot builds the chart.
func (c curveSpec) plot() *plot.Plot {
	p, err := plots.Curves(c.opts, c.series...)
	if err != nil {
		return plot.New()
	}
	return p
}

// curvePlots builds the loss and accuracy charts of a snapshot.
func curvePlots(s *snapshot, o chartOptions, th plots.Theme) (loss, acc *plot.Plot) {
	l, a := curveSpecs(s, o, th)
	return l.plot(), a.plot()
}

// showSnapshot updates the table and results from a snapshot; on the UI
// goroutine.
func (t *trainingTab) showSnapshot(s *snapshot) {
	if s.cfg.Dataset != "" {
		t.runInfo.SetText("This run: " + describeConfig(s.cfg, s.classes))
	}
	if len(s.history) != len(t.history) {
		t.history = s.history
		t.setColumns(slices.ContainsFunc(s.history, func(e training.EpochSummary) bool { return len(e.Changes) > 0 }))
		t.table.Refresh()
		t.table.ScrollToBottom()
	}
	t.controls.showProgress(s.progress, s)
	switch {
	case s.failed != nil:
		t.fail(s.failed.Err)
		t.saveModel.Enable()
	case s.done != nil:
		t.saveModel.Enable()
		t.mistakes.Show()
		d := s.done
		if d.Warning != "" {
			t.warnText.SetText(d.Warning)
			t.warnBox.Show()
		}
		status := "Finished"
		switch {
		case d.Stopped:
			status = fmt.Sprintf("Stopped after %d of %d steps", d.Step, d.Steps)
		case d.EarlyStopped:
			es := s.cfg.EarlyStop
			status = fmt.Sprintf("Early stopped after epoch %d of %d (%s did not improve for %d epochs)",
				len(d.History), d.Epochs, metricName(es.Watched()), es.Patience)
		}
		t.showWeights(d)
		t.results.SetText(fmt.Sprintf("%s: test accuracy %.2f%%, loss %.4f on %s images.",
			status, 100*d.Test.Accuracy, d.Test.Loss, thousands(float64(d.Test.N))))
		var parts []string
		for i, a := range d.Test.PerClass {
			parts = append(parts, fmt.Sprintf("%s %.1f%%", s.classes[i], 100*a))
		}
		t.perClass.SetText("Per class: " + strings.Join(parts, " · "))
	}
}

// The choices of weights a finished run offers.
const (
	useBest = "Best epoch's weights"
	useLast = "Last weights"
)

// metricName names a validation metric in a sentence.
func metricName(m training.Metric) string {
	if m == training.ValAcc {
		return "validation accuracy"
	}
	return "validation loss"
}

// showWeights says which weights a finished run's model is, and offers
// the other ones when they differ; on the UI goroutine.
func (t *trainingTab) showWeights(d *training.DoneEvent) {
	if t.weightsRun == d {
		return // shown already: keep the user's choice
	}
	t.weightsRun = d
	if d.Best == nil {
		t.weights.SetText("No validation split: the model is the last weights.")
		t.weights.Show()
		t.useWeights.Hide()
		return
	}
	last := len(d.History)
	switch {
	case d.BestEpoch == last && !d.Stopped:
		t.weights.SetText(fmt.Sprintf("The last epoch, %d, is the best on the validation set: its weights are the model.", last))
		t.useWeights.Hide()
	case d.Model.Best:
		t.weights.SetText(fmt.Sprintf("The model is the best epoch's weights, epoch %d's (of %d), and the test results are theirs; the last weights are kept too. Classify and the landscape use:", d.BestEpoch, last))
		t.useWeights.Show()
	default:
		t.weights.SetText(fmt.Sprintf("The model is the last weights (Keep: last), and the test results are theirs; the best epoch's, epoch %d's, are kept too. Classify and the landscape use:", d.BestEpoch))
		t.useWeights.Show()
	}
	t.weights.Show()
	choice := useLast
	if d.Model.Best {
		choice = useBest
	}
	t.useWeights.OnChanged = nil // showing the run's own choice changes no model
	t.useWeights.SetSelected(choice)
	t.useWeights.OnChanged = t.chooseWeights
}

// chooseWeights hands the chosen weights of the run on screen to the
// Classify tab and the landscape.
func (t *trainingTab) chooseWeights(choice string) {
	d := t.weightsRun
	if d == nil || d.Best == nil || d.Last == nil {
		return
	}
	m, which := d.Last, "the last weights"
	if choice == useBest {
		m, which = d.Best, fmt.Sprintf("the best epoch's weights (epoch %d)", d.BestEpoch)
	}
	t.models.set(m, fmt.Sprintf("Last run: %s, %s, %s", m.Net.Spec, m.Source, which))
}

// current is the snapshot the charts show, or nil.
func (t *trainingTab) current() *snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shown
}

// pointer shows the values nearest the data x under the pointer.
func (t *trainingTab) pointer(x, _ float64, ok bool) {
	t.mu.Lock()
	s, opts := t.shown, t.opts
	t.mu.Unlock()
	if !ok || s == nil || len(s.loss) == 0 {
		t.readout.SetText("Point at a chart to read its values.")
		t.lossChart.setMarks(nil)
		t.accChart.setMarks(nil)
		return
	}
	th := plots.LightTheme()
	if opts.dark {
		th = plots.DarkTheme()
	}
	bx, vx := s.x(opts.axis)
	i := nearest(bx, x)
	smoothLoss, smoothAcc := plots.EMA(s.loss[:i+1], opts.smoothing), plots.EMA(s.acc[:i+1], opts.smoothing)
	text := fmt.Sprintf("Step %s, epoch %.2f, %.1f s: train loss %s (smoothed %s), train accuracy %.1f%% (smoothed %.1f%%)",
		thousands(s.step[i]), s.epoch[i], s.secs[i], formatLoss(s.loss[i]), formatLoss(smoothLoss[i]), 100*s.acc[i], 100*smoothAcc[i])
	if len(vx) > 0 {
		j := nearest(vx, x)
		text += fmt.Sprintf("; validation after epoch %.0f: loss %s, accuracy %.2f%%", s.vEpoch[j], formatLoss(s.vLoss[j]), 100*s.vAcc[j])
	}
	t.readout.SetText(text + ".")
	loss, acc := curveSpecs(s, opts, th)
	t.lossChart.setMarks(marksAt(loss, x, th))
	t.accChart.setMarks(marksAt(acc, x, th))
}

// marksAt returns a marker on each of a chart's lines at its point nearest
// x, taken from the line as drawn (smoothed, without the points a log axis
// drops), so that the marker sits on it.
func marksAt(c curveSpec, x float64, th plots.Theme) []mark {
	var ms []mark
	for _, s := range c.series {
		xs, ys := c.opts.Line(s)
		if len(xs) == 0 {
			continue
		}
		i := nearest(xs, x)
		ms = append(ms, mark{x: xs[i], y: ys[i], color: th.Color(s.Color)})
	}
	return ms
}

// pointCell reads out the confusion matrix's cell under the pointer: the
// matrix may have too many classes to print every count.
func (t *trainingTab) pointCell(x, y float64, ok bool) {
	t.mu.Lock()
	s := t.shown
	t.mu.Unlock()
	if !ok || s == nil || s.done == nil {
		t.readout.SetText("Point at a chart to read its values.")
		return
	}
	conf := s.done.Test.Confusion
	i, j, in := cellAt(conf, x, y)
	if !in || i >= len(s.classes) {
		return
	}
	total := 0
	for _, c := range conf[i] {
		total += c
	}
	share := 0.0
	if total > 0 {
		share = 100 * float64(conf[i][j]) / float64(total)
	}
	t.readout.SetText(fmt.Sprintf("Test images of class %s predicted as %s: %s of %s (%.1f%%).",
		s.classes[i], s.classes[j], thousands(float64(conf[i][j])), thousands(float64(total)), share))
}

// nearest returns the index of the value in sorted xs closest to x.
func nearest(xs []float64, x float64) int {
	i := sort.SearchFloat64s(xs, x)
	switch {
	case i == 0:
		return 0
	case i == len(xs):
		return len(xs) - 1
	case x-xs[i-1] <= xs[i]-x:
		return i - 1
	}
	return i
}

// tableColumn is a column of the per-epoch table.
type tableColumn struct {
	title string
	width float32
	cell  func(t *trainingTab, s training.EpochSummary) string
}

// The per-epoch table's columns; changesColumn joins them, second, for a
// run with live changes, so that they show without scrolling.
var (
	tableColumns = []tableColumn{
		{"Epoch", 56, func(t *trainingTab, s training.EpochSummary) string {
			if s.Epoch == t.bestEpoch() {
				return fmt.Sprint(s.Epoch) + " ★" // the best epoch so far, whose weights the run keeps
			}
			return fmt.Sprint(s.Epoch)
		}},
		{"Train loss", 84, func(_ *trainingTab, s training.EpochSummary) string { return formatLoss(s.TrainLoss) }},
		{"Train acc", 78, func(_ *trainingTab, s training.EpochSummary) string { return fmt.Sprintf("%.2f%%", 100*s.TrainAcc) }},
		{"Val loss", 74, func(_ *trainingTab, s training.EpochSummary) string {
			if s.Val.N == 0 {
				return "—"
			}
			return formatLoss(s.Val.Loss)
		}},
		{"Val acc", 74, func(_ *trainingTab, s training.EpochSummary) string {
			if s.Val.N == 0 {
				return "—"
			}
			return fmt.Sprintf("%.2f%%", 100*s.Val.Accuracy)
		}},
		{"LR", 60, func(_ *trainingTab, s training.EpochSummary) string { return training.ShortNumber(s.LR) }},
		{"Time", 56, func(_ *trainingTab, s training.EpochSummary) string {
			return fmt.Sprintf("%.1fs", s.Duration.Seconds())
		}},
	}
	changesColumn = tableColumn{"Changes", 190, func(_ *trainingTab, s training.EpochSummary) string {
		var parts []string
		for _, c := range s.Changes {
			parts = append(parts, changeText(c)+" @"+training.Thousands(c.Step))
		}
		return strings.Join(parts, "; ")
	}}
)

// setColumns lays the table out with or without the changes column.
func (t *trainingTab) setColumns(changes bool) {
	cols := tableColumns
	if changes {
		cols = append([]tableColumn{tableColumns[0], changesColumn}, tableColumns[1:]...)
	}
	if len(cols) == len(t.columns) {
		return
	}
	t.columns = cols
	for i, c := range cols {
		t.table.SetColumnWidth(i, c.width)
	}
	t.table.Refresh()
}

func (t *trainingTab) tableSize() (int, int) { return len(t.history), len(t.columns) }

func (t *trainingTab) tableCell() fyne.CanvasObject {
	return &widget.Label{Truncation: fyne.TextTruncateEllipsis}
}

func (t *trainingTab) tableUpdate(id widget.TableCellID, o fyne.CanvasObject) {
	if id.Row >= len(t.history) || id.Col >= len(t.columns) {
		return
	}
	o.(*widget.Label).SetText(t.columns[id.Col].cell(t, t.history[id.Row]))
}

// bestEpoch is the best epoch so far (0 for none): the last marked best.
func (t *trainingTab) bestEpoch() int {
	best := 0
	for _, s := range t.history {
		if s.Best {
			best = s.Epoch
		}
	}
	return best
}

// formatLoss shows four decimals, or two significant digits for losses
// too small for that.
func formatLoss(v float64) string {
	if v != 0 && math.Abs(v) < 0.001 {
		return fmt.Sprintf("%.1e", v)
	}
	return fmt.Sprintf("%.4f", v)
}

// choosePlot offers the charts to save.
func (t *trainingTab) choosePlot() {
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Loss chart…", func() { t.savePlotAs("loss") }),
		fyne.NewMenuItem("Accuracy chart…", func() { t.savePlotAs("accuracy") }),
		fyne.NewMenuItem("Confusion matrix…", func() { t.savePlotAs("confusion") }),
	}
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), t.win.Canvas(), fyne.NewPos(0, t.savePlot.Size().Height), t.savePlot)
}

// Themes a chart is saved in.
const (
	exportLight = "Light (prints well)"
	exportDark  = "Dark"
)

// buildPlot rebuilds a chart for saving, in the light or dark theme, with
// the run's settings under its title.
func (t *trainingTab) buildPlot(which string, dark bool) (*plot.Plot, plots.Size, error) {
	t.mu.Lock()
	s, opts := t.shown, t.opts
	t.mu.Unlock()
	if s == nil {
		s = &snapshot{}
	}
	th := plots.LightTheme()
	if dark {
		th = plots.DarkTheme()
	}
	opts.dark = dark
	var p *plot.Plot
	size := plots.Size{Width: 900, Height: 560, DPI: 96}
	switch which {
	case "loss", "accuracy":
		loss, acc := curvePlots(s, opts, th)
		p = loss
		if which == "accuracy" {
			p = acc
		}
	default:
		if s.done == nil {
			return nil, size, fmt.Errorf("there is no confusion matrix yet: it is computed on the test set when a run ends")
		}
		var err error
		if p, err = plots.Confusion("Confusion matrix (test set)", s.classes, s.done.Test.Confusion, th); err != nil {
			return nil, size, err
		}
		size = plots.Size{Width: 720, Height: 640, DPI: 96}
	}
	if s.cfg.Dataset != "" {
		plots.SetSubtitle(p, describeConfig(s.cfg, s.classes))
	}
	return p, size, nil
}

// savePlotAs asks where to save a chart and in which theme (light by
// default: it prints well), then saves it.
func (t *trainingTab) savePlotAs(which string) {
	savePlot(t.win, which+".png", func(dark bool) (*plot.Plot, plots.Size, error) { return t.buildPlot(which, dark) })
}

func (t *trainingTab) chooseModelDir() {
	m := t.models.current()
	if m == nil {
		showError(t.win, fmt.Errorf("there is no model to save yet: train one first"))
		return
	}
	chooseFolder(t.win, "Save the model in this folder", func(dir string) {
		t.tasks.start(func() {
			err := m.Save(dir)
			bridge.Do(func() {
				if err != nil {
					showError(t.win, fmt.Errorf("saving the model: %w", err))
					return
				}
				showInfo(t.win, "Model saved", fmt.Sprintf("Saved %s, %s and %s in %s.", training.WeightsFile, training.InitFile, training.ConfigFile, dir))
			})
		})
	})
}

// close stops the renderer.
func (t *trainingTab) close() { t.throttle.Stop() }
