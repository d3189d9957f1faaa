package ui

import (
	"context"
	"fmt"
	"slices"
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
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/training/sweep"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// sweepDeps are what the Sweeps tab needs from the window.
type sweepDeps struct {
	win   fyne.Window
	store runs.Store
	tasks *tasks
	// prepare loads a run's data, from the window's dataset cache.
	prepare func(training.Config) (*training.Data, error)
	// formConfig is the form's experiment: a sweep's base.
	formConfig func() (training.Config, error)
	// training reports whether a single run is training now.
	training func() bool
	// ended is called on the UI goroutine after each of a sweep's runs
	// ends (the Runs tab refreshes).
	ended func()
}

// sweepsTab queues sweeps, shows the queue's progress with a Cancel for
// each run and for all, and draws a sweep's results: its table and its
// chart (accuracy against the setting, a heat map or parallel
// coordinates). Earlier sweeps are read back from the run store.
type sweepsTab struct {
	sweepDeps
	content fyne.CanvasObject

	newSweep, cancelAll *widget.Button
	queueTitle          *widget.Label
	queue               *widget.List
	pick                *widget.Select // the sweep whose results are shown
	summary             *widget.Label
	table               *widget.Table
	chart               *chartView
	throttle            *bridge.Throttle

	// On the UI goroutine.
	dialog    *sweepDialog // the last one opened
	jobs      []sweep.Job
	header    []string
	rows      [][]string
	result    *sweep.Result
	ids       []string // the store's sweeps, newest first, as pick lists them
	endedJobs int      // the queue's runs that had ended when last shown
	dark      bool
	shownID   string

	mu sync.Mutex // guards q and stopped
	q  *sweep.Queue
	// stopped: the window is closing; no new sweep starts.
	stopped bool
}

func newSweepsTab(d sweepDeps) *sweepsTab {
	s := &sweepsTab{sweepDeps: d}
	s.newSweep = &widget.Button{Text: "New sweep…", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: s.openDialog}
	s.cancelAll = &widget.Button{Text: "Cancel all", Icon: theme.CancelIcon(), OnTapped: s.cancelEverything}
	s.cancelAll.Disable()
	s.queueTitle = widget.NewLabel("No sweep queued. A sweep trains every combination of up to three settings' values, one run after another.")
	s.queueTitle.Wrapping = fyne.TextWrapWord
	s.queue = widget.NewList(func() int { return len(s.jobs) }, s.newJobRow, s.updateJobRow)
	s.pick = widget.NewSelect(nil, s.chose)
	s.pick.PlaceHolder = "Choose a sweep to show"
	s.summary = widget.NewLabel("")
	s.summary.Wrapping = fyne.TextWrapWord
	s.table = widget.NewTable(
		func() (int, int) {
			if len(s.header) == 0 {
				return 0, 0
			}
			return len(s.rows) + 1, len(s.header)
		},
		func() fyne.CanvasObject { return widget.NewLabel("") },
		s.updateCell)
	s.chart = newChartView(360, 240)
	s.chart.resized = s.drawChart
	s.throttle = bridge.NewThrottle(150*time.Millisecond, func() { bridge.Do(s.showQueue) })

	saveChart := &widget.Button{Text: "Save chart", Icon: theme.DocumentSaveIcon(), OnTapped: func() {
		savePlot(s.win, "sweep", func(dark bool) (*plot.Plot, plots.Size, error) {
			if s.result == nil {
				return nil, plots.Size{}, fmt.Errorf("there is no sweep to draw yet")
			}
			p, err := s.result.Chart(themeFor(dark))
			return p, plots.Size{Width: 900, Height: 560, DPI: plots.DefaultDPI}, err
		})
	}}
	copyTable := &widget.Button{Text: "Copy table", Icon: theme.ContentCopyIcon(), OnTapped: func() {
		if s.result == nil {
			return
		}
		var b strings.Builder
		if s.result.WriteMarkdown(&b) == nil {
			fyne.CurrentApp().Clipboard().SetContent(b.String())
		}
	}}
	top := container.NewBorder(nil, nil, container.NewHBox(s.newSweep, s.cancelAll, widget.NewLabel("Results of")), nil, s.pick)
	queuePane := container.NewBorder(s.queueTitle, nil, nil, nil, s.queue)
	resultTop := container.NewBorder(nil, nil, nil, container.NewHBox(copyTable, saveChart), s.summary)
	results := container.NewBorder(resultTop, nil, nil, nil, container.NewVSplit(s.chart, s.table))
	split := container.NewHSplit(queuePane, results)
	split.Offset = 0.4
	s.content = container.NewBorder(top, nil, nil, nil, split)
	return s
}

// themeFor is the charts' theme for the app's variant.
func themeFor(dark bool) plots.Theme {
	if dark {
		return plots.DarkTheme()
	}
	return plots.LightTheme()
}

func (s *sweepsTab) setDark(dark bool) {
	s.dark = dark
	s.drawChart()
}

// running reports whether a sweep is training.
func (s *sweepsTab) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.q == nil {
		return false
	}
	select {
	case <-s.q.Done():
		return false
	default:
		return true
	}
}

// start queues a sweep of plan; on the UI goroutine. It refuses while a
// run or another sweep trains: they would share two cores and every
// run's time would be wrong.
func (s *sweepsTab) start(plan sweep.Plan) error {
	switch {
	case s.training():
		return fmt.Errorf("a run is training: stop it or wait for it to end, then queue the sweep")
	case s.running():
		return fmt.Errorf("a sweep is training: cancel it or wait for it to end")
	}
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if stopped {
		return fmt.Errorf("the window is closing")
	}
	q, err := sweep.Start(context.Background(), plan, sweep.Options{
		Store:   s.store,
		Prepare: s.prepare,
		Changed: s.throttle.Request,
		// The running run's progress bar moves with its batches; the
		// throttle redraws the list at most every 150 ms.
		Observe: func(int, training.Event) { s.throttle.Request() },
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.q = q
	s.mu.Unlock()
	if !s.tasks.start(func() { s.follow(q) }) {
		q.CancelAll()
		return fmt.Errorf("the window is closing")
	}
	s.jobs, s.endedJobs = q.Jobs(), 0
	s.cancelAll.Enable()
	s.showQueue()
	return nil
}

// follow waits for a sweep to end, telling the window as each run ends;
// on a task goroutine.
func (s *sweepsTab) follow(q *sweep.Queue) {
	<-q.Done()
	// Not through the throttle: the window may be closing, and a stopped
	// throttle serves no request (Wait would never return).
	bridge.Do(func() {
		s.showQueue()
		s.cancelAll.Disable()
		s.ended()
		s.refresh(q.ID())
	})
}

// stop cancels the sweep and refuses new ones; the window is closing.
func (s *sweepsTab) stop() {
	s.mu.Lock()
	s.stopped = true
	q := s.q
	s.mu.Unlock()
	if q != nil {
		q.CancelAll()
		q.Wait()
	}
	s.throttle.Stop()
}

func (s *sweepsTab) cancelEverything() {
	s.mu.Lock()
	q := s.q
	s.mu.Unlock()
	if q != nil {
		q.CancelAll()
	}
}

// showQueue reads the queue's jobs into the list; on the UI goroutine.
func (s *sweepsTab) showQueue() {
	s.mu.Lock()
	q := s.q
	s.mu.Unlock()
	if q == nil {
		return
	}
	before := len(s.jobs)
	s.jobs = q.Jobs()
	ended := 0
	for _, j := range s.jobs {
		switch j.State {
		case sweep.Finished, sweep.Failed, sweep.Cancelled:
			ended++
		}
	}
	plan := q.Plan()
	names := make([]string, len(plan.Axes))
	for i, a := range plan.Axes {
		names[i] = sweep.Label(a.Setting)
	}
	s.queueTitle.SetText(fmt.Sprintf("Sweep %s over %s: %d of %d runs ended.", q.ID(), strings.Join(names, ", "), ended, len(s.jobs)))
	if before != len(s.jobs) {
		s.queue.ScrollToTop()
	}
	s.queue.Refresh()
	if ended != s.endedJobs {
		s.endedJobs = ended
		s.ended() // a run has joined the store
		s.refresh(q.ID())
	}
}

func (s *sweepsTab) newJobRow() fyne.CanvasObject {
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	state := widget.NewLabel("")
	state.Truncation = fyne.TextTruncateEllipsis
	bar := widget.NewProgressBar()
	cancel := &widget.Button{Icon: theme.CancelIcon(), Importance: widget.LowImportance}
	// The name takes what the outcome (about "test 98.44%") leaves.
	outcome := container.New(minSize{w: 120}, bar, state)
	return container.NewBorder(nil, nil, nil, container.NewHBox(outcome, cancel), name)
}

func (s *sweepsTab) updateJobRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(s.jobs) {
		return
	}
	j := s.jobs[i]
	row := o.(*fyne.Container)
	name := row.Objects[0].(*widget.Label)
	right := row.Objects[1].(*fyne.Container)
	stack, cancel := right.Objects[0].(*fyne.Container), right.Objects[1].(*widget.Button)
	bar, state := stack.Objects[0].(*widget.ProgressBar), stack.Objects[1].(*widget.Label)
	name.SetText(fmt.Sprintf("%d. %s", i+1, j.Name))
	bar.Show()
	state.Hide()
	switch j.State {
	case sweep.Training:
		bar.SetValue(j.Progress.Fraction())
	default:
		bar.Hide()
		state.Show()
		state.SetText(jobOutcome(j))
	}
	cancel.OnTapped = func() {
		s.mu.Lock()
		q := s.q
		s.mu.Unlock()
		if q != nil {
			q.Cancel(i)
		}
	}
	if j.State == sweep.Pending || j.State == sweep.Preparing || j.State == sweep.Training {
		cancel.Enable()
	} else {
		cancel.Disable()
	}
}

// jobOutcome says how a sweep's run ended.
func jobOutcome(j sweep.Job) string {
	switch {
	case j.State == sweep.Pending:
		return "waiting"
	case j.State == sweep.Preparing:
		return "loading data…"
	case j.State == sweep.Failed:
		return "could not start: " + j.Err.Error()
	case j.State == sweep.Cancelled:
		return "cancelled"
	case j.Test != nil && j.Status != runs.Done:
		return fmt.Sprintf("%s, test %.2f%%", j.Status, 100*j.Test.Accuracy)
	case j.Test != nil:
		return fmt.Sprintf("test %.2f%%", 100*j.Test.Accuracy)
	default:
		return string(j.Status)
	}
}

// refresh lists the store's sweeps in the background and shows id's
// results ("" keeps the one shown, or the newest).
func (s *sweepsTab) refresh(id string) {
	if s.store.Dir == "" {
		s.summary.SetText("Sweeps are not kept: there is no folder for the run store (set WORKBENCH_HOME).")
		return
	}
	if id == "" {
		id = s.shownID
	}
	// A sweep still running is read against its plan, so that the runs
	// to come have their place in the table and the chart.
	var axes []sweep.Axis
	s.mu.Lock()
	if s.q != nil && s.q.ID() == id {
		axes = s.q.Plan().Axes
	}
	s.mu.Unlock()
	s.tasks.start(func() {
		entries, err := s.store.List()
		var ids []string
		var res *sweep.Result
		if err == nil {
			ids = sweepIDs(entries)
			if id == "" && len(ids) > 0 {
				id = ids[0]
			}
			if id != "" {
				collect := sweep.Collect
				if axes != nil {
					collect = func(e []runs.Entry, id string) (sweep.Result, error) { return sweep.CollectPlan(e, id, axes) }
				}
				if r, cerr := collect(entries, id); cerr == nil {
					res = &r
				} else {
					err = cerr
				}
			}
		}
		bridge.Do(func() { s.showResult(ids, res, err) })
	})
}

// sweepIDs lists the sweeps in a store's entries, newest first.
func sweepIDs(entries []runs.Entry) []string {
	var ids []string
	for _, e := range entries {
		if e.Summary.Sweep != nil && !slices.Contains(ids, e.Summary.Sweep.ID) {
			ids = append(ids, e.Summary.Sweep.ID)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	return ids
}

// showResult shows a sweep's results; on the UI goroutine.
func (s *sweepsTab) showResult(ids []string, res *sweep.Result, err error) {
	s.ids = ids
	s.pick.Options = ids
	if res == nil {
		s.result, s.header, s.rows = nil, nil, nil
		s.summary.SetText("No sweep yet: queue one with New sweep…")
		if err != nil && len(ids) > 0 {
			s.summary.SetText("Could not read the sweep: " + err.Error())
		}
		s.pick.Refresh()
		s.table.Refresh()
		s.chart.clear()
		return
	}
	s.result, s.shownID = res, res.ID
	s.pick.SetSelectedIndex(slices.Index(ids, res.ID)) // calls chose, which does nothing for the shown sweep
	s.header, s.rows = res.Table()
	text := fmt.Sprintf("%d runs", res.Runs())
	if seeds := res.Seeds(); seeds > 1 {
		text += fmt.Sprintf(", %d seeds each: accuracy and loss are mean ± sd over the seeds", seeds)
	}
	if b := res.Best(); b >= 0 && len(res.Groups) > 1 {
		text += fmt.Sprintf(". Best: %s, test accuracy %.2f%%.", res.Name(b), 100*res.Groups[b].Acc)
	}
	s.summary.SetText(text)
	for c := range s.header {
		s.table.SetColumnWidth(c, columnWidth(s.header, s.rows, c))
	}
	s.table.Refresh()
	s.drawChart()
}

// columnWidth fits a column to its longest cell, within bounds.
func columnWidth(header []string, rows [][]string, c int) float32 {
	n := len([]rune(header[c]))
	for _, r := range rows {
		n = max(n, len([]rune(r[c])))
	}
	return float32(min(max(n, 5), 40))*8 + 16
}

func (s *sweepsTab) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	l.TextStyle.Bold = id.Row == 0
	switch {
	case id.Row == 0 && id.Col < len(s.header):
		l.SetText(s.header[id.Col])
	case id.Row-1 < len(s.rows) && id.Col < len(s.rows[id.Row-1]):
		l.SetText(s.rows[id.Row-1][id.Col])
	default:
		l.SetText("")
	}
}

// chose shows the sweep picked in the list.
func (s *sweepsTab) chose(id string) {
	if id != "" && id != s.shownID {
		s.shownID = id
		s.refresh(id)
	}
}

// drawChart renders the shown sweep's chart in the background.
func (s *sweepsTab) drawChart() {
	res, th, size := s.result, themeFor(s.dark), s.chart.renderSize()
	if res == nil || size.Width < 1 || size.Height < 1 {
		return // nothing to draw, or not on screen: resized draws it when shown
	}
	s.tasks.start(func() {
		p, err := res.Chart(th)
		var ch *plots.Chart
		if err == nil {
			ch, err = plots.Render(p, size)
		}
		bridge.Do(func() {
			if s.result != res {
				return // another sweep is shown now
			}
			if err != nil {
				s.summary.SetText(s.summary.Text + " The chart could not be drawn: " + err.Error())
				return
			}
			s.chart.show(ch)
		})
	})
}
