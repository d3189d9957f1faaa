package ui

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/logistic"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// The right-hand loss the lesson compares cross-entropy with.
const (
	rightSigmoid = "MSE on the sigmoid"
	rightLinear  = "MSE on the linear output"
)

// lessonSettings are the lesson's inputs, set on the UI goroutine.
type lessonSettings struct {
	right    logistic.Loss // MSE or MSELinear
	w, b     logistic.Axis
	log      bool
	start    [2]float64
	descent  logistic.DescentOptions
	dark     bool
	pointsID int // which points (a new load increments it)
}

// lessonFrameInterval is the time between two steps of the descent
// animation: 100 steps play in four seconds.
const lessonFrameInterval = 40 * time.Millisecond

// lessonTab is the logistic-regression lesson: one sigmoid unit on two
// classes reduced to one feature, its cross-entropy against its squared
// error, per example, over (w, b), as convexity maps and along a gradient
// descent. Everything drawn is computed exactly (training/logistic) off the
// UI goroutine whenever a setting changes.
type lessonTab struct {
	win fyne.Window
	// load returns a data source with every class (the workbench's cache);
	// it may be slow and is called off the UI goroutine.
	load func(spec string, seed uint64) (*dataset.Dataset, error)

	classA, classB *widget.Select
	openCSV        *widget.Button
	dataInfo       *widget.Label
	right          *widget.Select
	logColours     *widget.Check
	wMin, wMax     *widget.Entry
	bMin, bMax     *widget.Entry
	gridN          *widget.Entry
	rangeError     *widget.Label
	lr, steps      *widget.Slider
	lrLabel        *widget.Label
	stepsLabel     *widget.Label
	momentum       *widget.Check
	startLabel     *widget.Label
	play           *widget.Button

	exampleLoss, exampleGrad *chartView
	ceMap, rightMap          *chartView
	ceConv, rightConv        *chartView
	stepChart                *chartView
	exampleText              *widget.Label
	convexityText            *widget.Label
	descentText              *widget.Label
	scroll                   *container.Scroll
	mapsRow, convexityRow    fyne.CanvasObject
	content                  fyne.CanvasObject

	throttle *bridge.Throttle
	work     sync.WaitGroup // loads and the animation

	spec string // the data source the classes come from
	seed uint64 // the form's seed when the source was chosen: it splits and samples the data

	mu       sync.Mutex // guards the fields below
	set      lessonSettings
	points   *logistic.Points
	about    string // where the points come from
	frame    int    // steps drawn while the descent plays; -1 for all
	stopPlay context.CancelFunc
	surfaces []*logistic.Surface // CE and the right-hand loss
	surfKey  string
	paths    [2][]logistic.Step
	pathKey  string
	closed   bool
}

func newLessonTab(win fyne.Window, load func(string, uint64) (*dataset.Dataset, error)) *lessonTab {
	l := &lessonTab{win: win, load: load, frame: -1}
	l.set = lessonSettings{
		right: logistic.MSE,
		w:     logistic.Axis{Min: -8, Max: 8, N: 101},
		b:     logistic.Axis{Min: -8, Max: 8, N: 101},
		log:   true,
		start: [2]float64{-6, 4},
		descent: logistic.DescentOptions{
			LR: 1, Steps: 100,
		},
	}
	l.throttle = bridge.NewThrottle(30*time.Millisecond, l.render)

	l.classA = &widget.Select{OnChanged: func(string) { l.classesChosen() }}
	l.classB = &widget.Select{OnChanged: func(string) { l.classesChosen() }}
	l.openCSV = &widget.Button{Text: "Points from CSV…", Icon: theme.FolderOpenIcon(), OnTapped: l.chooseCSV}
	l.dataInfo = widget.NewLabel("Reading the digits…")
	l.dataInfo.Wrapping = fyne.TextWrapWord

	l.right = &widget.Select{Options: []string{rightSigmoid, rightLinear}, OnChanged: func(s string) {
		loss := logistic.MSE
		if s == rightLinear {
			loss = logistic.MSELinear
		}
		l.update(func(s *lessonSettings) { s.right = loss })
	}}
	l.right.SetSelected(rightSigmoid)
	l.logColours = widget.NewCheck("Log colours", func(on bool) { l.update(func(s *lessonSettings) { s.log = on }) })
	l.logColours.SetChecked(true)

	l.rangeError = widget.NewLabel("")
	l.rangeError.Importance = widget.DangerImportance
	l.rangeError.Hide()
	entry := func(v string) *widget.Entry {
		e := &widget.Entry{Text: v, OnChanged: func(string) { l.rangeEdited() }}
		e.ExtendBaseWidget(e)
		return e
	}
	l.wMin, l.wMax, l.bMin, l.bMax, l.gridN = entry("-8"), entry("8"), entry("-8"), entry("8"), entry("101")

	l.lrLabel = widget.NewLabel("")
	l.lr = &widget.Slider{Min: -3, Max: 1, Step: 0.05, Value: 0, OnChanged: func(v float64) {
		lr := roundSignificant(math.Pow(10, v), 2)
		l.lrLabel.SetText(formatSig(lr))
		l.update(func(s *lessonSettings) { s.descent.LR = lr })
	}}
	l.lrLabel.SetText("1")
	l.stepsLabel = widget.NewLabel("100")
	l.steps = &widget.Slider{Min: 1, Max: 500, Step: 1, Value: 100, OnChanged: func(v float64) {
		l.stepsLabel.SetText(strconv.Itoa(int(v)))
		l.update(func(s *lessonSettings) { s.descent.Steps = int(v) })
	}}
	l.momentum = widget.NewCheck("Momentum 0.9", func(on bool) {
		m := 0.0
		if on {
			m = 0.9
		}
		l.update(func(s *lessonSettings) { s.descent.Momentum = m })
	})
	l.startLabel = widget.NewLabel("")
	l.showStart()
	l.play = &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: l.togglePlay}

	l.exampleLoss = newChartView(300, 230)
	l.exampleGrad = newChartView(300, 230)
	l.ceMap = newChartView(300, 300)
	l.rightMap = newChartView(300, 300)
	l.ceConv = newChartView(300, 300)
	l.rightConv = newChartView(300, 300)
	l.stepChart = newChartView(300, 260)
	for _, c := range []*chartView{l.exampleLoss, l.exampleGrad, l.ceMap, l.rightMap, l.ceConv, l.rightConv, l.stepChart} {
		c.resized = l.throttle.Request
	}
	for _, c := range []*chartView{l.ceMap, l.rightMap, l.ceConv, l.rightConv} {
		c.tapped = l.setStart
	}
	text := func() *widget.Label {
		t := widget.NewLabel("")
		t.Wrapping = fyne.TextWrapWord
		return t
	}
	l.exampleText, l.convexityText, l.descentText = text(), text(), text()
	l.content = l.build()
	return l
}

func (l *lessonTab) build() fyne.CanvasObject {
	heading := func(s string) *widget.Label {
		h := widget.NewLabel(s)
		h.TextStyle = fyne.TextStyle{Bold: true}
		h.Wrapping = fyne.TextWrapWord
		return h
	}
	small := func(e *widget.Entry) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(64, e.MinSize().Height), e)
	}
	data := container.NewHBox(widget.NewLabel("Class y = 0"), l.classA, widget.NewLabel("against y = 1"), l.classB, l.openCSV)
	compare := container.NewHBox(widget.NewLabel("Compare with"), container.NewGridWrap(fyne.NewSize(220, l.right.MinSize().Height), l.right), l.logColours, l.momentum)
	ranges := container.NewHBox(widget.NewLabel("w"), small(l.wMin), widget.NewLabel("to"), small(l.wMax),
		widget.NewLabel("b"), small(l.bMin), widget.NewLabel("to"), small(l.bMax),
		widget.NewLabel("grid"), small(l.gridN))
	descent := container.NewBorder(nil, nil,
		container.NewHBox(l.play, widget.NewLabel("Learning rate")),
		container.NewHBox(l.lrLabel, widget.NewLabel("Steps"), container.NewGridWrap(fyne.NewSize(100, 36), l.steps), l.stepsLabel, l.startLabel),
		l.lr)
	controls := container.NewVBox(data, l.dataInfo, compare, ranges, l.rangeError, descent)
	row := func(a, b fyne.CanvasObject) fyne.CanvasObject { return container.NewGridWithColumns(2, a, b) }
	mapsHeading := heading("2. The mean loss over (w, b), with the gradient descent from the start point (click a map to move it)")
	convHeading := heading("3. Convexity: the Hessian's smaller eigenvalue, computed exactly at every grid point (shared colour scale)")
	l.mapsRow, l.convexityRow = mapsHeading, convHeading
	body := container.NewVBox(
		heading("1. One example: the loss and its gradient against the predicted probability p"),
		row(l.exampleLoss, l.exampleGrad), l.exampleText,
		mapsHeading, row(l.ceMap, l.rightMap), l.stepChart, l.descentText,
		convHeading, row(l.ceConv, l.rightConv), l.convexityText,
	)
	l.scroll = container.NewVScroll(container.NewPadded(body))
	return container.NewBorder(container.NewPadded(controls), nil, nil, nil, l.scroll)
}

// setSource shows the classes of the form's data source and loads the
// lesson's points from it, split and sampled with seed (the form's, so
// that the data is read once for both); on the UI goroutine.
func (l *lessonTab) setSource(spec string, seed uint64) {
	if spec == l.spec {
		return
	}
	l.spec, l.seed = spec, seed
	l.goLoad(func() {
		ds, err := l.load(spec, seed)
		bridge.Do(func() {
			if l.spec != spec {
				return
			}
			if err != nil {
				l.dataInfo.SetText("Cannot read the classes: " + err.Error())
				return
			}
			a, b := ds.Classes[0], ds.Classes[1]
			if contains(ds.Classes, "3") && contains(ds.Classes, "5") {
				a, b = "3", "5" // the brief's digits, as different as two digits get in shape yet often confused
			}
			l.classA.Options, l.classB.Options = ds.Classes, ds.Classes
			l.classA.Selected, l.classB.Selected = a, b
			l.classA.Refresh()
			l.classB.Refresh()
			l.classesChosen()
		})
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// goLoad runs f in the background unless the tab is closed.
func (l *lessonTab) goLoad(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.work.Add(1)
	go func() {
		defer l.work.Done()
		f()
	}()
}

// classesChosen makes the points of the two chosen classes.
func (l *lessonTab) classesChosen() {
	a, b, spec, seed := l.classA.Selected, l.classB.Selected, l.spec, l.seed
	if a == "" || b == "" || spec == "" {
		return
	}
	if a == b {
		l.dataInfo.SetText("Pick two different classes.")
		return
	}
	l.dataInfo.SetText("Reading the images…")
	l.goLoad(func() {
		ds, err := l.load(spec, seed)
		var pts *logistic.Points
		if err == nil {
			pts, err = logistic.FromClasses(ds, a, b, logistic.DefaultSamples, seed)
		}
		bridge.Do(func() {
			if l.classA.Selected != a || l.classB.Selected != b {
				return // the user has moved on
			}
			if err != nil {
				l.dataInfo.SetText(err.Error())
				return
			}
			l.setPoints(pts, fmt.Sprintf("%s images of %s and %s projected on the difference of their means, standardised", thousands(float64(pts.Len())), a, b))
		})
	})
}

// chooseCSV reads points from a CSV file with the header x,y.
func (l *lessonTab) chooseCSV() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(l.win, err)
			return
		}
		if r == nil {
			return
		}
		name := r.URI().Name()
		l.goLoad(func() {
			defer r.Close()
			pts, err := logistic.ReadCSV(r)
			bridge.Do(func() {
				if err != nil {
					showError(l.win, fmt.Errorf("%s: %w", name, err))
					return
				}
				l.setPoints(pts, fmt.Sprintf("%s points from %s", thousands(float64(pts.Len())), name))
			})
		})
	}, l.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	present(l.win, d)
}

// setPoints makes pts the lesson's data; on the UI goroutine.
func (l *lessonTab) setPoints(pts *logistic.Points, about string) {
	l.dataInfo.SetText(about)
	l.mu.Lock()
	l.points, l.about = pts, about
	l.set.pointsID++
	l.mu.Unlock()
	l.throttle.Request()
}

// update changes a setting and redraws.
func (l *lessonTab) update(f func(*lessonSettings)) {
	l.mu.Lock()
	f(&l.set)
	l.mu.Unlock()
	l.throttle.Request()
}

// setDark draws the charts in the dark or light theme.
func (l *lessonTab) setDark(dark bool) { l.update(func(s *lessonSettings) { s.dark = dark }) }

// rangeEdited validates the grid's ranges and applies them when valid.
func (l *lessonTab) rangeEdited() {
	w, errW := axisOf(l.wMin.Text, l.wMax.Text, l.gridN.Text)
	b, errB := axisOf(l.bMin.Text, l.bMax.Text, l.gridN.Text)
	switch {
	case errW != nil:
		l.rangeError.SetText("w: " + errW.Error())
		l.rangeError.Show()
	case errB != nil:
		l.rangeError.SetText("b: " + errB.Error())
		l.rangeError.Show()
	default:
		l.rangeError.Hide()
		l.update(func(s *lessonSettings) { s.w, s.b = w, b })
	}
}

// maxLessonGrid bounds the window's grid: 401² cells over 2,000 points
// take about a second, so the maps still follow the settings; the command
// line goes to logistic.MaxAxisPoints.
const maxLessonGrid = 401

// axisOf reads a grid axis from the range entries.
func axisOf(lo, hi, n string) (logistic.Axis, error) {
	a, err := logistic.ParseAxis(strings.TrimSpace(lo) + ":" + strings.TrimSpace(hi) + ":" + strings.TrimSpace(n))
	if err == nil && a.N > maxLessonGrid {
		return a, fmt.Errorf("grid must be between 2 and %d here (got %d); workbench surface computes finer grids", maxLessonGrid, a.N)
	}
	return a, err
}

// setStart moves the descent's start to a tapped point of a map.
func (l *lessonTab) setStart(w, b float64) {
	l.update(func(s *lessonSettings) { s.start = [2]float64{roundSignificant(w, 3), roundSignificant(b, 3)} })
	l.showStart()
}

func (l *lessonTab) showStart() {
	l.mu.Lock()
	start := l.set.start
	l.mu.Unlock()
	l.startLabel.SetText(fmt.Sprintf("from (%s, %s)", formatSig(start[0]), formatSig(start[1])))
}

// togglePlay animates the descent step by step, or stops the animation.
func (l *lessonTab) togglePlay() {
	l.mu.Lock()
	if l.stopPlay != nil {
		l.stopPlay()
		l.stopPlay = nil
		l.frame = -1
		l.mu.Unlock()
		l.play.SetText("Play")
		l.play.SetIcon(theme.MediaPlayIcon())
		l.throttle.Request()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stopPlay = cancel
	l.frame = 0
	l.mu.Unlock()
	l.play.SetText("Stop")
	l.play.SetIcon(theme.MediaStopIcon())
	l.goLoad(func() { l.animate(ctx) })
}

// animate advances the drawn descent one step per frame until it has
// drawn every step or is stopped.
func (l *lessonTab) animate(ctx context.Context) {
	tick := time.NewTicker(lessonFrameInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		l.mu.Lock()
		steps := l.set.descent.Steps
		if l.frame >= 0 {
			l.frame++
		}
		finished := l.frame < 0 || l.frame >= steps
		if finished {
			l.frame = -1
			l.stopPlay = nil
		}
		l.mu.Unlock()
		l.throttle.Request()
		if finished {
			bridge.Do(func() {
				l.play.SetText("Play")
				l.play.SetIcon(theme.MediaPlayIcon())
			})
			return
		}
	}
}

// render computes what changed and draws every chart; on the throttle's
// goroutine.
func (l *lessonTab) render() {
	l.mu.Lock()
	set, pts, frame := l.set, l.points, l.frame
	l.mu.Unlock()
	if pts == nil {
		return
	}
	surfaces, err := l.surfacesFor(pts, set)
	if err != nil {
		bridge.Do(func() { l.dataInfo.SetText(err.Error()) })
		return
	}
	paths := l.pathsFor(pts, set)
	th := plots.LightTheme()
	if set.dark {
		th = plots.DarkTheme()
	}
	shown := paths
	if frame >= 0 {
		for i := range shown {
			shown[i] = shown[i][:min(frame+1, len(shown[i]))]
		}
	}

	type job struct {
		view  *chartView
		build func() (*plot.Plot, error)
	}
	ce, right := surfaces[0], surfaces[1]
	jobs := []job{
		{l.exampleLoss, func() (*plot.Plot, error) { return exampleChart(false, th) }},
		{l.exampleGrad, func() (*plot.Plot, error) { return exampleChart(true, th) }},
		{l.ceMap, func() (*plot.Plot, error) { return lessonLossMap(ce, shown[0], set.log, 0, th) }},
		{l.rightMap, func() (*plot.Plot, error) { return lessonLossMap(right, shown[1], set.log, 1, th) }},
		{l.stepChart, func() (*plot.Plot, error) { return descentChart(shown, set, th) }},
	}
	lo, hi := plots.SharedRange(false, ce.MinEigs(), right.MinEigs())
	bound := math.Max(math.Abs(lo), math.Abs(hi))
	for i, s := range surfaces {
		view := []*chartView{l.ceConv, l.rightConv}[i]
		jobs = append(jobs, job{view, func() (*plot.Plot, error) {
			return plots.ConvexityMap(plots.LabMap{
				Title: "Convexity of the " + s.Loss.String(), XLabel: "weight w", YLabel: "bias b",
				Grid: plots.Grid{X: s.W.Values(), Y: s.B.Values(), Z: s.MinEigs()}, ZMin: -bound, ZMax: bound,
				Paths: []plots.Path{{X: stepsW(shown[i]), Y: stepsB(shown[i]), Color: 4}},
			}, th)
		}})
	}
	charts := make([]*plots.Chart, len(jobs))
	for i, j := range jobs {
		p, err := j.build()
		if err != nil {
			continue
		}
		charts[i], _ = plots.Render(p, j.view.renderSize())
	}
	texts := [3]string{exampleSummary(), descentSummary(surfaces, paths, set), convexitySummary(surfaces)}
	bridge.Do(func() {
		for i, j := range jobs {
			if charts[i] != nil {
				j.view.show(charts[i])
			}
		}
		l.exampleText.SetText(texts[0])
		l.descentText.SetText(texts[1])
		l.convexityText.SetText(texts[2])
	})
}

// surfacesFor returns the grid's surfaces, computing them when the points,
// the grid or the right-hand loss changed.
func (l *lessonTab) surfacesFor(pts *logistic.Points, set lessonSettings) ([]*logistic.Surface, error) {
	key := fmt.Sprint(set.pointsID, set.right, set.w, set.b)
	l.mu.Lock()
	if l.surfKey == key {
		s := l.surfaces
		l.mu.Unlock()
		return s, nil
	}
	l.mu.Unlock()
	s, err := logistic.Compute(context.Background(), pts, set.w, set.b, logistic.CE, set.right)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.surfaces, l.surfKey = s, key
	l.mu.Unlock()
	return s, nil
}

// pathsFor returns the descents on both losses, computing them when their
// settings changed.
func (l *lessonTab) pathsFor(pts *logistic.Points, set lessonSettings) [2][]logistic.Step {
	key := fmt.Sprint(set.pointsID, set.right, set.start, set.descent)
	l.mu.Lock()
	if l.pathKey == key {
		p := l.paths
		l.mu.Unlock()
		return p
	}
	l.mu.Unlock()
	var paths [2][]logistic.Step
	for i, loss := range []logistic.Loss{logistic.CE, set.right} {
		paths[i], _, _ = logistic.Descend(context.Background(), pts, loss, set.start[0], set.start[1], set.descent)
	}
	l.mu.Lock()
	l.paths, l.pathKey = paths, key
	l.mu.Unlock()
	return paths
}

func stepsW(path []logistic.Step) []float64 {
	v := make([]float64, len(path))
	for i, s := range path {
		v[i] = s.W
	}
	return v
}

func stepsB(path []logistic.Step) []float64 {
	v := make([]float64, len(path))
	for i, s := range path {
		v[i] = s.B
	}
	return v
}

// lessonLossMap draws one loss surface with its descent path and the
// grid's lowest point.
func lessonLossMap(s *logistic.Surface, path []logistic.Step, log bool, color int, th plots.Theme) (*plot.Plot, error) {
	best := 0
	for i, e := range s.Evals {
		if e.Loss < s.Evals[best].Loss {
			best = i
		}
	}
	return plots.LossMap(plots.LabMap{
		Title: capitalise(s.Loss.String()), XLabel: "weight w", YLabel: "bias b",
		Grid:    plots.Grid{X: s.W.Values(), Y: s.B.Values(), Z: s.Losses()},
		Log:     log,
		Paths:   []plots.Path{{Label: "gradient descent", X: stepsW(path), Y: stepsB(path), Color: 4}},
		Markers: []plots.Marker{{Label: "lowest", X: s.W.Value(best % s.W.N), Y: s.B.Value(best / s.W.N)}},
	}, th)
}

// descentChart draws the loss at every step of both descents.
func descentChart(paths [2][]logistic.Step, set lessonSettings, th plots.Theme) (*plot.Plot, error) {
	var series []plots.Series
	for i, loss := range []logistic.Loss{logistic.CE, set.right} {
		x, y := make([]float64, len(paths[i])), make([]float64, len(paths[i]))
		for k, s := range paths[i] {
			x[k], y[k] = float64(k), s.Loss
		}
		series = append(series, plots.Series{Label: capitalise(loss.String()), X: x, Y: y, Color: i})
	}
	return plots.Curves(plots.CurveOptions{
		Title: "Loss along the descent", XLabel: "step", YLabel: "loss (log scale)", LogY: true, Theme: th,
	}, series...)
}

// exampleP are the probabilities the per-example charts are drawn at: up
// to where the cross-entropy of a wrong answer reaches 5.
var exampleP = func() []float64 {
	const n = 400
	lo := math.Exp(-5)
	p := make([]float64, n)
	for i := range p {
		p[i] = lo + (1-2*lo)*float64(i)/float64(n-1)
	}
	return p
}()

// exampleChart draws one example's loss (or its gradient with respect to
// the logit) against the predicted probability, for both losses and both
// labels.
func exampleChart(gradient bool, th plots.Theme) (*plot.Plot, error) {
	var series []plots.Series
	for i, loss := range []logistic.Loss{logistic.CE, logistic.MSE} {
		for _, y := range []float64{1, 0} {
			v := make([]float64, len(exampleP))
			for k, p := range exampleP {
				l, g := loss.ExampleLoss(p, y)
				v[k] = l
				if gradient {
					v[k] = g
				}
			}
			name := "CE"
			if loss == logistic.MSE {
				name = "MSE"
			}
			series = append(series, plots.Series{Label: fmt.Sprintf("%s, y = %g", name, y), X: exampleP, Y: v, Color: i, Dashed: y == 0})
		}
	}
	if gradient {
		return plots.Curves(plots.CurveOptions{Title: "Gradient with respect to the logit z", XLabel: "predicted probability p = σ(z)",
			YLabel: "dL/dz", YMin: -1, YMax: 1, Theme: th}, series...)
	}
	return plots.Curves(plots.CurveOptions{Title: "Loss of one example", XLabel: "predicted probability p = σ(z)",
		YLabel: "loss", YMin: 0, YMax: 5, Theme: th}, series...)
}

// exampleSummary puts numbers on the per-example charts: the gradients of
// a confidently wrong prediction.
func exampleSummary() string {
	const p = 0.01
	_, ce := logistic.CE.ExampleLoss(p, 1)
	_, mse := logistic.MSE.ExampleLoss(p, 1)
	return fmt.Sprintf("An example of class y = 1 predicted at p = %g (confidently wrong): the cross-entropy's gradient is %.3f, "+
		"the squared error's %.4f, %.0f times smaller. Where the prediction is most wrong the squared error learns least; "+
		"the cross-entropy's gradient p − y never fades while the answer is wrong.", p, ce, mse, ce/mse)
}

// descentSummary says where both descents ended.
func descentSummary(surfaces []*logistic.Surface, paths [2][]logistic.Step, set lessonSettings) string {
	var parts []string
	for i, s := range surfaces {
		path := paths[i]
		if len(path) == 0 {
			continue
		}
		lowest := math.Inf(1)
		for _, e := range s.Evals {
			lowest = math.Min(lowest, e.Loss)
		}
		end := path[len(path)-1]
		state := fmt.Sprintf("after %d steps at (%.2f, %.2f)", len(path)-1, end.W, end.B)
		if len(path)-1 < set.descent.Steps {
			state = fmt.Sprintf("diverged after %d steps", len(path)-1)
		}
		parts = append(parts, fmt.Sprintf("%s: loss %.4g %s, gradient norm %.2g (lowest on the grid %.4g)",
			capitalise(s.Loss.String()), end.Loss, state, math.Hypot(end.GradW, end.GradB), lowest))
	}
	return fmt.Sprintf("Gradient descent from (%s, %s) at learning rate %s. ", formatSig(set.start[0]), formatSig(set.start[1]),
		formatSig(set.descent.LR)) + strings.Join(parts, "; ") + "."
}

// convexitySummary states what the convexity maps show, from the numbers.
func convexitySummary(surfaces []*logistic.Surface) string {
	var parts []string
	for _, s := range surfaces {
		c := s.Convexity()
		if c.Negative == 0 {
			parts = append(parts, fmt.Sprintf("%s: smallest eigenvalue %.3g, never negative on the grid: convex here",
				capitalise(s.Loss.String()), c.MinEig))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: negative at %s of %s grid points, down to %.3g at (%.2f, %.2f): not convex",
			capitalise(s.Loss.String()), thousands(float64(c.Negative)), thousands(float64(c.Points)), c.MinEig, c.W, c.B))
	}
	return strings.Join(parts, ". ") + "."
}

// close stops the animation and the renderer.
func (l *lessonTab) close() {
	l.mu.Lock()
	l.closed = true
	if l.stopPlay != nil {
		l.stopPlay()
	}
	l.mu.Unlock()
	l.work.Wait()
	l.throttle.Stop()
}

// roundSignificant rounds v to n significant digits.
func roundSignificant(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}

// formatSig formats a rounded value without trailing noise.
func formatSig(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// capitalise upper-cases the first letter.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
