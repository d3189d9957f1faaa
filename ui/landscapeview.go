package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
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
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/landscape"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// What the landscape charts show.
const (
	showLoss     = "Loss"
	showAccuracy = "Accuracy"
)

// interpolation runs t from −0.5 to 1.5: half a trajectory before the
// initial weights and half one beyond the trained ones.
const interpFrom, interpTo = -0.5, 1.5

// landscapeResult is one model's landscape. A result is never changed
// once shown: a computation builds a new one.
type landscapeResult struct {
	name    string // "cross-entropy twin", or the model's description
	model   *training.Model
	testAcc float64 // on the whole test set when known, else NaN
	samples int
	plane   *landscape.Grid // the 2-D slice
	line    *landscape.Grid // the 1-D slice along the first direction
	interp  *landscape.Grid // from the initial weights; nil without them
	curv    *landscape.Curvature
	note    string // why a part is missing
}

// landscapeSettings are what a computation is asked for.
type landscapeSettings struct {
	samples int // 0: the whole test set
	grid    int
	radius  float64
	seed    uint64
}

// landscapeTab maps the loss around a trained network: a 2-D slice along
// two random filter-normalised directions, a 1-D slice, the line from the
// initial weights and the Hessian's extreme eigenvalues, for the current
// model or for twin networks trained with cross-entropy and with MSE from
// the same initial weights.
type landscapeTab struct {
	win fyne.Window
	landscapeDeps

	modelInfo             *widget.Label
	samples, grid, radius *widget.Entry
	seed                  *widget.Entry
	mapButton, twinButton *widget.Button
	cancelButton          *widget.Button
	progress              *widget.ProgressBar
	status                *widget.Label
	show                  *widget.Select
	mapA, mapB            *chartView
	slice, interp         *chartView
	curvText              *widget.Label
	scroll                *container.Scroll
	linesRow              fyne.CanvasObject
	content               fyne.CanvasObject

	throttle *bridge.Throttle

	mu       sync.Mutex // guards the fields below
	results  []*landscapeResult
	quantity string
	dark     bool
	cancel   context.CancelFunc
}

// landscapeDeps are what the landscape view needs of the window.
type landscapeDeps struct {
	// models holds the window's current model (last trained or loaded).
	models *modelHolder
	// load returns a data source with every class (the window's cache).
	load func(spec string, seed uint64) (*dataset.Dataset, error)
	// prepare returns the data an experiment trains on, for the twins; it
	// may be slow and is called off the UI goroutine.
	prepare func(training.Config) (*training.Data, error)
	// formConfig returns the form's settings or what is wrong with them;
	// on the UI goroutine.
	formConfig func() (training.Config, error)
	// tasks runs the jobs, which closing the window cancels and waits for.
	tasks *tasks
}

func newLandscapeTab(win fyne.Window, deps landscapeDeps) *landscapeTab {
	t := &landscapeTab{win: win, landscapeDeps: deps, quantity: showLoss}
	t.throttle = bridge.NewThrottle(60*time.Millisecond, t.render)
	t.modelInfo = widget.NewLabel("No model yet: train one, load one in Classify, or train the twins below.")
	t.modelInfo.Wrapping = fyne.TextWrapWord
	entry := func(v string) *widget.Entry {
		e := &widget.Entry{Text: v}
		e.ExtendBaseWidget(e)
		return e
	}
	t.samples, t.grid, t.radius, t.seed = entry("1000"), entry("41"), entry("1"), entry("1")
	t.mapButton = &widget.Button{Text: "Map this model", Icon: theme.GridIcon(), Importance: widget.HighImportance, OnTapped: t.mapCurrent}
	t.twinButton = &widget.Button{Text: "Train CE and MSE twins", Icon: theme.MediaPlayIcon(), OnTapped: t.trainTwins}
	t.cancelButton = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: t.stop}
	t.cancelButton.Disable()
	t.progress = widget.NewProgressBar()
	t.status = widget.NewLabel("The twins are two networks of the form's architecture and settings, one trained with cross-entropy and one with MSE, from the same initial weights and seed.")
	t.status.Wrapping = fyne.TextWrapWord
	t.show = &widget.Select{Options: []string{showLoss, showAccuracy}, OnChanged: func(s string) {
		t.mu.Lock()
		t.quantity = s
		t.mu.Unlock()
		t.throttle.Request()
	}}
	t.show.SetSelected(showLoss)
	t.mapA, t.mapB = newChartView(300, 300), newChartView(300, 300)
	t.slice, t.interp = newChartView(300, 280), newChartView(300, 280)
	for _, c := range []*chartView{t.mapA, t.mapB, t.slice, t.interp} {
		c.resized = t.throttle.Request
	}
	t.curvText = widget.NewLabel("")
	t.curvText.Wrapping = fyne.TextWrapWord
	t.content = t.build()
	return t
}

func (t *landscapeTab) build() fyne.CanvasObject {
	small := func(label string, e *widget.Entry, w float32) fyne.CanvasObject {
		return container.NewHBox(widget.NewLabel(label), container.NewGridWrap(fyne.NewSize(w, e.MinSize().Height), e))
	}
	settings := container.NewHBox(small("Test samples", t.samples, 64), small("Grid", t.grid, 52),
		small("Range ±", t.radius, 52), small("Seed", t.seed, 52))
	buttons := container.NewHBox(t.mapButton, t.twinButton, t.cancelButton, widget.NewLabel("Show"), t.show)
	controls := container.NewVBox(t.modelInfo, settings, buttons, t.progress, t.status)
	row := func(a, b fyne.CanvasObject) fyne.CanvasObject { return container.NewGridWithColumns(2, a, b) }
	t.linesRow = row(t.slice, t.interp)
	body := container.NewVBox(row(t.mapA, t.mapB), t.linesRow, t.curvText)
	t.scroll = container.NewVScroll(container.NewPadded(body))
	return container.NewBorder(container.NewPadded(controls), nil, nil, nil, t.scroll)
}

// modelChanged shows the current model; on the UI goroutine.
func (t *landscapeTab) modelChanged(description string) {
	t.modelInfo.SetText("Model: " + description)
}

// setDark draws the charts in the dark or light theme.
func (t *landscapeTab) setDark(dark bool) {
	t.mu.Lock()
	t.dark = dark
	t.mu.Unlock()
	t.throttle.Request()
}

// settings reads and checks the settings; on the UI goroutine.
func (t *landscapeTab) settings() (landscapeSettings, error) {
	var s landscapeSettings
	if v := strings.TrimSpace(t.samples.Text); !strings.EqualFold(v, "all") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, fmt.Errorf("test samples must be a whole number ≥ 1 or all (got %q)", t.samples.Text)
		}
		s.samples = n
	}
	g, err := strconv.Atoi(strings.TrimSpace(t.grid.Text))
	if err != nil || g < 3 || g > 101 {
		return s, fmt.Errorf("grid must be a whole number from 3 to 101 (got %q)", t.grid.Text)
	}
	s.grid = g
	r, err := strconv.ParseFloat(strings.TrimSpace(t.radius.Text), 64)
	if err != nil || !(r > 0) || r > 100 {
		return s, fmt.Errorf("range must be a number > 0 and at most 100 (got %q)", t.radius.Text)
	}
	s.radius = r
	if s.seed, err = strconv.ParseUint(strings.TrimSpace(t.seed.Text), 10, 64); err != nil {
		return s, fmt.Errorf("seed must be a whole number ≥ 0 (got %q)", t.seed.Text)
	}
	return s, nil
}

// mapCurrent maps the current model (the Map button).
func (t *landscapeTab) mapCurrent() {
	m := t.models.current()
	if m == nil {
		t.status.SetText("There is no model to map yet: train one, load one in the Classify tab, or train the twins.")
		return
	}
	set, err := t.settings()
	if err != nil {
		t.status.SetText(err.Error())
		return
	}
	t.begin(func(ctx context.Context, p *phases) error {
		r := &landscapeResult{name: fmt.Sprintf("%s, %s loss", m.Net.Spec, m.Config.Loss), model: m, testAcc: math.NaN()}
		return t.mapModels(ctx, p, []*landscapeResult{r}, set, 0)
	})
}

// trainTwins trains the form's network with cross-entropy and with MSE
// from the same initial weights, then maps both (the Twins button).
func (t *landscapeTab) trainTwins() {
	cfg, err := t.formConfig()
	if err != nil {
		t.status.SetText("Fix the settings first: " + err.Error())
		return
	}
	set, err := t.settings()
	if err != nil {
		t.status.SetText(err.Error())
		return
	}
	t.begin(func(ctx context.Context, p *phases) error {
		p.set("Reading the data…", 0)
		data, err := t.prepare(cfg)
		if err != nil {
			return err
		}
		var twins []*landscapeResult
		for i, loss := range []nn.Loss{nn.CrossEntropy, nn.MSE} {
			c := cfg
			c.Loss = loss
			m, acc, err := t.trainTwin(ctx, p, c, data, float64(i)*0.25)
			if err != nil {
				return err
			}
			twins = append(twins, &landscapeResult{name: loss.String() + " twin", model: m, testAcc: acc})
		}
		return t.mapModels(ctx, p, twins, set, 0.5)
	})
}

// trainTwin trains one twin, reporting its progress as a quarter of the
// job from offset.
func (t *landscapeTab) trainTwin(ctx context.Context, p *phases, cfg training.Config, data *training.Data, offset float64) (*training.Model, float64, error) {
	run, err := training.Start(ctx, cfg, data)
	if err != nil {
		return nil, 0, err
	}
	label := fmt.Sprintf("Training the %s twin", cfg.Loss)
	var model *training.Model
	var failure error
	var acc float64
	for ev := range run.Events() {
		switch e := ev.(type) {
		case *training.BatchEvent:
			p.set(fmt.Sprintf("%s: epoch %d of %d", label, e.Epoch, e.Epochs), offset+0.25*e.Fraction())
		case *training.DoneEvent:
			model, acc = e.Model, e.Test.Accuracy
			if e.Stopped {
				failure = context.Canceled
			}
		case *training.ErrorEvent:
			model, failure = e.Model, e.Err
		}
	}
	run.Wait()
	if failure != nil {
		return nil, 0, fmt.Errorf("the %s twin: %w", cfg.Loss, failure)
	}
	return model, acc, nil
}

// mapModels computes every model's landscape, showing each part as it is
// done; the models share the evaluation samples and the directions' seed.
// Their progress fills the bar from offset to 1.
func (t *landscapeTab) mapModels(ctx context.Context, p *phases, results []*landscapeResult, s landscapeSettings, offset float64) error {
	publish := func() {
		shown := make([]*landscapeResult, len(results))
		for i, r := range results {
			c := *r
			shown[i] = &c
		}
		t.mu.Lock()
		t.results = shown
		t.mu.Unlock()
		t.throttle.Request()
	}
	publish()
	share := (1 - offset) / float64(len(results))
	for i, r := range results {
		m := r.model
		from := offset + float64(i)*share
		p.set(fmt.Sprintf("Reading the test set of %s…", r.name), from)
		split, err := m.TestSplit(t.load)
		if err != nil {
			return err
		}
		set, err := landscape.NewSet(split, m.Stats, s.samples, s.seed)
		if err != nil {
			return err
		}
		r.samples = set.Len()
		d1, d2 := landscape.Pair(m.Net, s.seed)
		axis := landscape.Span(-s.radius, s.radius, s.grid)
		stage := func(label string, lo, hi float64) landscape.Progress {
			return func(done, total int) {
				p.set(fmt.Sprintf("%s: %s", r.name, label), from+share*(lo+(hi-lo)*float64(done)/float64(total)))
			}
		}
		if r.plane, err = landscape.Evaluate(ctx, landscape.Plane{Centre: m.Net, D1: d1, D2: d2}, m.Config.Loss, set, axis, axis,
			stage("2-D slice", 0, 0.45)); err != nil {
			return err
		}
		publish()
		if r.line, err = landscape.Evaluate(ctx, landscape.Plane{Centre: m.Net, D1: d1}, m.Config.Loss, set, axis, nil,
			stage("1-D slice", 0.45, 0.5)); err != nil {
			return err
		}
		if m.Init != nil {
			d, err := landscape.Between(m.Init, m.Net)
			if err != nil {
				return err
			}
			if r.interp, err = landscape.Evaluate(ctx, landscape.Plane{Centre: m.Init, D1: d, Stats: m.Net}, m.Config.Loss, set,
				landscape.Span(interpFrom, interpTo, s.grid), nil, stage("from the initial weights", 0.5, 0.55)); err != nil {
				return err
			}
		} else {
			r.note = "This model was saved without its initial weights (init.safetensors), so there is no interpolation."
		}
		publish()
		c, err := landscape.Hessian(ctx, m.Net, m.Config.Loss, set, landscape.CurvatureOptions{Seed: s.seed,
			Progress: stage("Hessian eigenvalues (Lanczos)", 0.55, 1)})
		if err != nil {
			return err
		}
		r.curv = &c
		publish()
	}
	return nil
}

// begin runs a job in the background with the progress bar and Cancel;
// on the UI goroutine.
func (t *landscapeTab) begin(job func(context.Context, *phases) error) {
	t.mu.Lock()
	busy := t.cancel != nil
	t.mu.Unlock()
	if busy {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.mu.Lock()
	t.cancel = cancel
	t.mu.Unlock()
	t.mapButton.Disable()
	t.twinButton.Disable()
	t.cancelButton.Enable()
	t.progress.SetValue(0)
	p := &phases{show: func(label string, f float64) {
		bridge.Do(func() {
			t.status.SetText(label)
			t.progress.SetValue(f)
		})
	}}
	started := t.tasks.start(func() {
		err := job(ctx, p)
		p.flush()
		bridge.Do(func() {
			t.mu.Lock()
			t.cancel = nil
			t.mu.Unlock()
			cancel()
			t.mapButton.Enable()
			t.twinButton.Enable()
			t.cancelButton.Disable()
			switch {
			case errors.Is(err, context.Canceled):
				t.status.SetText("Cancelled.")
			case err != nil:
				t.status.SetText("Could not finish: " + err.Error())
			default:
				t.progress.SetValue(1)
				t.status.SetText("Done.")
			}
		})
	})
	if !started {
		cancel()
	}
}

// stop cancels the running job (the Cancel button).
func (t *landscapeTab) stop() {
	t.mu.Lock()
	cancel := t.cancel
	t.mu.Unlock()
	if cancel != nil {
		cancel()
		t.status.SetText("Cancelling…")
	}
}

// phases reports a job's progress to the UI at most 20 times a second.
type phases struct {
	show func(label string, fraction float64)

	mu       sync.Mutex // guards the fields below
	last     time.Time
	label    string
	fraction float64
}

func (p *phases) set(label string, fraction float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label, p.fraction = label, fraction
	if time.Since(p.last) >= 50*time.Millisecond {
		p.last = time.Now()
		p.show(label, fraction)
	}
}

// flush shows the latest progress.
func (p *phases) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.show(p.label, p.fraction)
}

// render draws the results; on the throttle's goroutine.
func (t *landscapeTab) render() {
	t.mu.Lock()
	results, quantity, dark := t.results, t.quantity, t.dark
	t.mu.Unlock()
	if len(results) == 0 {
		return
	}
	th := plots.LightTheme()
	if dark {
		th = plots.DarkTheme()
	}
	views := []*chartView{t.mapA, t.mapB, t.slice, t.interp}
	builds := make([]func() (*plot.Plot, error), 4)
	twins := len(results) == 2
	if twins {
		// One colour scale for both maps, so that they compare.
		var zs [][]float64
		for _, r := range results {
			if r.plane != nil {
				zs = append(zs, values(r.plane, quantity))
			}
		}
		lo, hi := plots.SharedRange(quantity == showLoss, zs...)
		if quantity == showAccuracy {
			lo, hi = 0, 1
		}
		for i, r := range results {
			builds[i] = func() (*plot.Plot, error) { return landscapeMap(r, quantity, lo, hi, th) }
		}
	} else {
		r := results[0]
		builds[0] = func() (*plot.Plot, error) { return landscapeMap(r, showLoss, 0, 0, th) }
		builds[1] = func() (*plot.Plot, error) { return landscapeMap(r, showAccuracy, 0, 1, th) }
	}
	builds[2] = func() (*plot.Plot, error) {
		return landscapeCurves(results, quantity, func(r *landscapeResult) *landscape.Grid { return r.line },
			"Along direction 1 (β = 0)", "α", th)
	}
	builds[3] = func() (*plot.Plot, error) {
		return landscapeCurves(results, quantity, func(r *landscapeResult) *landscape.Grid { return r.interp },
			"From the initial (t = 0) to the trained weights (t = 1)", "t", th)
	}
	charts := make([]*plots.Chart, len(views))
	for i, b := range builds {
		if b == nil {
			continue
		}
		if p, err := b(); err == nil {
			charts[i], _ = plots.Render(p, views[i].renderSize())
		}
	}
	text := curvatureSummary(results)
	bridge.Do(func() {
		for i, c := range charts {
			if c != nil {
				views[i].show(c)
			}
		}
		t.curvText.SetText(text)
	})
}

// values returns a grid's losses or accuracies.
func values(g *landscape.Grid, quantity string) []float64 {
	if quantity == showAccuracy {
		return g.Acc
	}
	return g.Loss
}

// landscapeMap draws a result's 2-D slice; an error until it is computed.
func landscapeMap(r *landscapeResult, quantity string, lo, hi float64, th plots.Theme) (*plot.Plot, error) {
	if r.plane == nil {
		return nil, errors.New("not computed yet")
	}
	g := plots.Grid{X: r.plane.Alphas, Y: r.plane.Betas, Z: values(r.plane, quantity)}
	trained := []plots.Marker{{Label: "trained", X: 0, Y: 0}}
	title := fmt.Sprintf("%s: %s", capitalise(r.name), strings.ToLower(quantity))
	if quantity == showAccuracy {
		return plots.Heatmap(g, plots.HeatmapOptions{Title: title, XLabel: "α (direction 1)", YLabel: "β (direction 2)",
			ZLabel: fmt.Sprintf("accuracy on %d test samples", r.samples), ZMin: lo, ZMax: hi, Contours: 5, Markers: trained, Theme: th})
	}
	return plots.LossMap(plots.LabMap{Title: title, XLabel: "α (direction 1)", YLabel: "β (direction 2)", Grid: g, Log: true,
		ZMin: lo, ZMax: hi, Markers: trained}, th)
}

// landscapeCurves draws one line of every result: its loss (log scale) or
// accuracy.
func landscapeCurves(results []*landscapeResult, quantity string, line func(*landscapeResult) *landscape.Grid, title, xLabel string, th plots.Theme) (*plot.Plot, error) {
	var series []plots.Series
	for i, r := range results {
		g := line(r)
		if g == nil {
			continue
		}
		series = append(series, plots.Series{Label: capitalise(r.name), X: g.Alphas, Y: values(g, quantity), Color: i})
	}
	if len(series) == 0 {
		return nil, errors.New("not computed yet")
	}
	opts := plots.CurveOptions{Title: title, XLabel: xLabel, YLabel: "loss (log scale)", LogY: true, Theme: th}
	if quantity == showAccuracy {
		opts = plots.CurveOptions{Title: title, XLabel: xLabel, YLabel: "accuracy", YMin: 0, YMax: 1, Theme: th}
	}
	return plots.Curves(opts, series...)
}

// curvatureSummary states each result's Hessian eigenvalues and what they
// say about convexity.
func curvatureSummary(results []*landscapeResult) string {
	var lines []string
	for _, r := range results {
		switch {
		case r.curv != nil:
			c := r.curv
			verdict := "no negative eigenvalue found: locally convex as far as Lanczos can tell"
			if c.Min < 0 && -c.Min > c.MinResidual {
				verdict = "a negative eigenvalue: the loss is not convex at the trained weights"
			}
			acc := ""
			if !math.IsNaN(r.testAcc) {
				acc = fmt.Sprintf(" (test accuracy %.2f%%)", 100*r.testAcc)
			}
			lines = append(lines, fmt.Sprintf("%s%s: Hessian eigenvalues from %.4g (± %.1g) to %.4g (± %.1g) after %d Lanczos iterations on %d test samples; %s.",
				capitalise(r.name), acc, c.Min, c.MinResidual, c.Max, c.MaxResidual, c.Iterations, r.samples, verdict))
		case r.plane != nil:
			lines = append(lines, capitalise(r.name)+": computing the Hessian's eigenvalues…")
		}
		if r.note != "" {
			lines = append(lines, r.note)
		}
	}
	if len(results) == 2 {
		lines = append(lines, "The two maps share one colour scale.")
	}
	return strings.Join(lines, "\n")
}

// close cancels a running job and stops the renderer; the window waits
// for the job through its own counter.
func (t *landscapeTab) close() {
	t.stop()
	t.throttle.Stop()
}
