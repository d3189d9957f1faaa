package ui

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// lrFinder runs the learning-rate range test (training.FindLR) for the
// form's experiment in a dialog: its progress, then the smoothed loss
// against the learning rate and the suggested rates, each a button that
// puts it into the form. The test trains its own copy of the initial
// weights, so the form, the model and the runs are left as they were.
type lrFinder struct {
	win   fyne.Window
	tasks *tasks
	// prepare loads the experiment's data; busy says why the test cannot
	// run now ("" when it can); use puts a learning rate into the form.
	prepare func(training.Config) (*training.Data, error)
	busy    func() string
	use     func(lr float64)
	dark    func() bool

	mu     sync.Mutex // guards cancel
	cancel context.CancelFunc

	// The dialog's widgets, on the UI goroutine.
	d        *dialog.CustomDialog
	status   *widget.Label
	progress *widget.ProgressBar
	body     *fyne.Container
	buttons  *fyne.Container
	result   *training.LRFindResult
}

// open starts the test for cfg; on the UI goroutine.
func (f *lrFinder) open(cfg training.Config, cfgErr error) {
	if cfgErr != nil {
		showError(f.win, fmt.Errorf("the form's settings are not valid: %w", cfgErr))
		return
	}
	if why := f.busy(); why != "" {
		showInfo(f.win, "Find learning rate", why)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.mu.Lock()
	if f.cancel != nil {
		f.cancel() // one test at a time
	}
	f.cancel = cancel
	f.mu.Unlock()

	opts := training.DefaultLRFindOptions()
	f.result = nil
	f.status = widget.NewLabel(fmt.Sprintf("Training a copy of the initial weights for up to %d batches while the learning rate grows from %g to %g, until the loss explodes.", opts.Iterations, opts.Start, opts.End))
	f.status.Wrapping = fyne.TextWrapWord
	f.progress = widget.NewProgressBar()
	f.body = container.NewStack(f.progress)
	stop := &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: func() { cancel() }}
	f.buttons = container.NewHBox(stop)
	f.d = dialog.NewCustomWithoutButtons("Find learning rate", container.NewBorder(f.status, f.buttons, nil, nil, f.body), f.win)
	f.d.SetOnClosed(cancel)
	f.d.Resize(fyne.NewSize(720, 520))
	present(f.win, f.d)
	dark := f.dark()
	d := f.d
	opts.Progress = func(i, n int) {
		bridge.Do(func() {
			if f.d == d {
				f.progress.SetValue(float64(i) / float64(n))
			}
		})
	}
	if !f.tasks.start(func() { f.run(ctx, cfg, opts, dark, d) }) {
		cancel()
	}
}

// run runs the test and draws its curve; on a task goroutine.
func (f *lrFinder) run(ctx context.Context, cfg training.Config, opts training.LRFindOptions, dark bool, d *dialog.CustomDialog) {
	data, err := f.prepare(cfg)
	var res *training.LRFindResult
	if err == nil {
		res, err = training.FindLR(ctx, cfg, data, opts)
	}
	var chart *plots.Chart
	if err == nil && len(res.LRs) > 0 {
		pl, perr := plots.LRFinder(plots.LRFinderOptions{
			Title: fmt.Sprintf("Learning-rate range test: %s, %s, batch %d", cfg.Spec(len(data.Classes)), cfg.Optimizer, cfg.Batch),
			LR:    res.LRs, Loss: res.Losses, Smoothing: training.LRFindSmoothing, Suggestion: res.Suggestion,
			Theme: themeFor(dark),
		})
		if perr == nil {
			chart, perr = plots.Render(pl, plots.Size{Width: 680, Height: 400, DPI: plots.DefaultDPI})
		}
		err = perr
	}
	bridge.Do(func() {
		if f.d != d {
			return // closed, and another test opened since
		}
		f.show(res, chart, err)
	})
}

// show puts the test's outcome into the dialog; on the UI goroutine.
func (f *lrFinder) show(res *training.LRFindResult, chart *plots.Chart, err error) {
	f.buttons.Objects = []fyne.CanvasObject{&widget.Button{Text: "Close", OnTapped: f.d.Hide}}
	if err != nil {
		f.status.SetText("The test could not run: " + err.Error())
		f.body.Objects = nil
		f.body.Refresh()
		f.buttons.Refresh()
		return
	}
	f.result = res
	img := canvas.NewImageFromImage(chart.Image)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(480, 280))
	f.body.Objects = []fyne.CanvasObject{img}
	f.body.Refresh()

	why := map[training.LRFindStop]string{
		training.LRExploded:   "the loss exploded",
		training.LRReachedEnd: "the learning rate reached its end",
		training.LRCancelled:  "it was cancelled",
	}[res.Stopped]
	text := fmt.Sprintf("%d batches; stopped because %s.", res.Iterations, why)
	switch {
	case res.Suggestion > 0:
		text += fmt.Sprintf(" Suggested: %s, where the smoothed loss falls fastest (steepest descent).", lrText(res.Suggestion))
		if res.Valley > 0 {
			text += fmt.Sprintf(" The valley rule, a more careful second opinion, gives %s.", lrText(res.Valley))
		}
	default:
		text += " Too few points for a suggestion: the loss exploded almost at once. Try a smaller batch or another optimizer."
	}
	f.status.SetText(text)
	for _, c := range []struct {
		lr   float64
		rule string
	}{{res.Suggestion, "steepest"}, {res.Valley, "valley"}} {
		if lr := c.lr; lr > 0 {
			f.buttons.Add(&widget.Button{Text: "Use " + lrText(lr) + " (" + c.rule + ")", Importance: widget.HighImportance, OnTapped: func() {
				f.use(lr)
				f.d.Hide()
			}})
		}
	}
	f.buttons.Refresh()
}

// lrText writes a learning rate with two significant figures, as the
// form's slider does.
func lrText(lr float64) string { return strconv.FormatFloat(roundSig(lr, 2), 'g', -1, 64) }

// stop cancels a test; the window is closing.
func (f *lrFinder) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancel != nil {
		f.cancel()
	}
}
