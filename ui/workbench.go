// Package ui is the workbench window: the experiment form, the run
// controls and the Training, Classify, Loss surfaces and Runs tabs. It
// drives the engine in training/ from Fyne callbacks and hands the
// engine's results back to the UI goroutine through ui/bridge.
package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/openblas"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// Version is the release, as in FyneApp.toml.
const Version = "0.1.0"

// prefExperiment is the preference key holding the form's settings, as
// the JSON of training.Config (the command line's --config format).
const prefExperiment = "experiment"

// Workbench is the application's window content and its state.
type Workbench struct {
	app fyne.App
	win fyne.Window

	keys     keys
	form     *experimentForm
	controls *runControls
	training *trainingTab
	classify *classifyTab
	lesson   *lessonTab
	terrain  *landscapeTab
	tabs     *container.AppTabs
	labTabs  *container.AppTabs // the Loss surfaces tab's lesson and landscape
	content  fyne.CanvasObject

	// OnRunEnded, when set, is called on the UI goroutine after a run has
	// ended and its results are shown (tests and the screenshot tour wait
	// on it).
	OnRunEnded func()

	mu       sync.Mutex // guards the fields below
	cancel   context.CancelFunc
	run      *training.Run
	model    *training.Model
	datasets map[string]*dataset.Dataset // every class of each source loaded, by source and seed
	closed   bool
	runs     sync.WaitGroup // training runs, which Close stops and waits for
	loads    sync.WaitGroup // dataset reads, which cannot be cancelled and Close does not wait for
}

// New builds the workbench in win, restoring the last settings from the
// app's preferences.
func New(a fyne.App, win fyne.Window) *Workbench {
	w := &Workbench{app: a, win: win, datasets: map[string]*dataset.Dataset{}}
	w.keys = keys{run: w.Train, stop: w.Stop}
	w.controls = newRunControls(w.Train, w.pauseResume, w.Stop)
	w.training = newTrainingTab(win)
	w.training.onProgress = w.controls.showProgress
	w.training.model = w.currentModel
	w.classify = newClassifyTab(win, &w.keys)
	w.classify.onTrain = w.Train
	w.classify.onLoaded = w.setModel
	w.lesson = newLessonTab(win, w.load)
	w.terrain = newLandscapeTab(win)
	w.terrain.model = w.currentModel
	w.terrain.load = w.load
	w.terrain.prepare = w.prepare
	w.terrain.formConfig = func() (training.Config, error) { return w.form.config() }
	w.terrain.goWork = func(f func()) bool { return w.goWork(&w.runs, f) }

	w.form = newExperimentForm(&w.keys, func() {
		if w.form != nil { // not while the form is being built
			w.formChanged()
		}
	})
	w.form.chooseSource = func(kind string, chosen func(string)) {
		title := "Choose a folder of MNIST-format IDX files"
		if kind == "folder" {
			title = "Choose a folder with one subfolder of images per class"
		}
		chooseFolderOrCancel(win, title, func(dir string) {
			if dir == "" {
				chosen("")
				return
			}
			chosen(kind + ":" + dir)
		})
	}
	w.form.sourceChanged = w.listClasses
	w.form.preview = w.previewAugment
	w.restore()

	reset := &widget.Button{Text: "Reset to defaults", Icon: theme.ViewRefreshIcon(), OnTapped: func() {
		w.form.set(training.DefaultConfig())
	}}
	sidebar := container.NewVScroll(container.NewPadded(container.NewVBox(w.form.content, widget.NewSeparator(), reset)))
	sidebar.SetMinSize(fyne.NewSize(340, 0))

	w.labTabs = container.NewAppTabs(
		container.NewTabItem("Logistic regression: CE against MSE", w.lesson.content),
		container.NewTabItem("Trained network's landscape", w.terrain.content),
	)
	w.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Training", theme.MediaPlayIcon(), w.training.content),
		container.NewTabItemWithIcon("Classify", theme.SearchIcon(), w.classify.content),
		container.NewTabItemWithIcon("Loss surfaces", theme.GridIcon(), w.labTabs),
		container.NewTabItemWithIcon("Runs", theme.ListIcon(), comingSoon("Runs",
			"Every run you train, kept with its settings and curves, to compare runs and architectures side by side "+
				"and to export a model to PyTorch.")),
	)
	about := &widget.Button{Icon: theme.InfoIcon(), Importance: widget.LowImportance, OnTapped: w.showAbout}
	main := container.NewBorder(container.NewPadded(container.NewBorder(nil, nil, nil, about, w.controls.content)), nil, nil, nil, w.tabs)
	split := container.NewHSplit(sidebar, main)
	split.Offset = 0.28
	w.content = split

	for _, s := range runShortcuts {
		win.Canvas().AddShortcut(s, func(fyne.Shortcut) { w.Train() })
	}
	win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			w.Stop()
		}
	})
	w.followTheme()
	a.Settings().AddListener(func(fyne.Settings) { w.followTheme() })
	w.formChanged()
	return w
}

// showAbout names the app, the BLAS in use and the data's authors.
func (w *Workbench) showAbout() {
	version := w.app.Metadata().Version // set by fyne build from FyneApp.toml
	if version == "" {
		version = Version
	}
	text := fmt.Sprintf("Neural Workbench %s\n\n"+
		"Train small image classifiers and see why they work.\n\n"+
		"Matrix products: %s.\n\n"+
		"Built-in data: the MNIST database of handwritten digits by Yann LeCun, Corinna Cortes "+
		"and Christopher J. C. Burges, licensed under Creative Commons Attribution-Share Alike 3.0.\n\n"+
		"Made with Fyne, gorgonia and gonum/plot. MIT licence.", version, openblas.Load())
	label := widget.NewLabel(text)
	label.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("About Neural Workbench", "Close", label, w.win)
	d.Resize(fyne.NewSize(480, 320))
	d.Show()
}

// Content is the window's content.
func (w *Workbench) Content() fyne.CanvasObject { return w.content }

func comingSoon(title, text string) fyne.CanvasObject {
	h := widget.NewLabel(title)
	h.TextStyle = fyne.TextStyle{Bold: true}
	h.SizeName = theme.SizeNameHeadingText
	body := widget.NewLabel(text + "\n\nThis tab arrives in the next release.")
	body.Wrapping = fyne.TextWrapWord
	return container.NewPadded(container.NewVBox(h, body))
}

// followTheme draws the charts in the app's light or dark variant.
func (w *Workbench) followTheme() {
	dark := w.app.Settings().ThemeVariant() == theme.VariantDark
	w.training.setDark(dark)
	w.classify.setDark(dark)
	w.lesson.setDark(dark)
	w.terrain.setDark(dark)
}

// restore loads the saved settings, falling back to the defaults when
// they are missing or no longer valid.
func (w *Workbench) restore() {
	cfg := training.DefaultConfig()
	if s := w.app.Preferences().String(prefExperiment); s != "" {
		saved := training.DefaultConfig()
		if err := json.Unmarshal([]byte(s), &saved); err == nil && saved.Validate() == nil {
			cfg = saved
		}
	}
	w.form.set(cfg)
	if cfg.Dataset != "mnist" {
		w.listClasses(cfg.Dataset)
	}
}

// formChanged validates the form, enables Train accordingly and saves
// valid settings.
func (w *Workbench) formChanged() {
	cfg, err := w.form.config()
	problem := ""
	if err != nil {
		problem = err.Error()
	}
	w.controls.setFormValid(err == nil, problem)
	if err == nil {
		if b, err := json.Marshal(cfg); err == nil {
			w.app.Preferences().SetString(prefExperiment, string(b))
		}
		w.lesson.setSource(cfg.Dataset, cfg.Seed)
	}
}

// load returns a source with every class, loading it once per seed.
func (w *Workbench) load(spec string, seed uint64) (*dataset.Dataset, error) {
	key := fmt.Sprintf("%s|%d", spec, seed)
	w.mu.Lock()
	ds, ok := w.datasets[key]
	w.mu.Unlock()
	if ok {
		return ds, nil
	}
	ds, err := dataset.Open(spec, nil, seed)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.datasets[key] = ds
	w.mu.Unlock()
	return ds, nil
}

// listClasses reads a new source's classes in the background.
func (w *Workbench) listClasses(spec string) {
	seed := uint64(1)
	if cfg, err := w.form.config(); err == nil {
		seed = cfg.Seed
	}
	w.goWork(&w.loads, func() {
		ds, err := w.load(spec, seed)
		bridge.Do(func() {
			if w.form.spec != spec {
				return // the user has moved on
			}
			if err != nil {
				w.form.classes.failed(err)
			} else {
				w.form.classes.set(ds.Classes, w.form.classes.want)
				w.form.classes.want = nil
			}
			w.form.edited()
		})
	})
}

// goWork runs f on a goroutine counted in wg, unless the window is closed.
func (w *Workbench) goWork(wg *sync.WaitGroup, f func()) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
	return true
}

// Train starts a run with the form's settings (the Train button and
// Ctrl+Enter).
func (w *Workbench) Train() {
	if w.controls.state != idle {
		return
	}
	cfg, err := w.form.config()
	if err != nil {
		w.controls.status.SetText("Fix the settings first: " + err.Error())
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.mu.Lock()
	w.cancel = cancel
	w.mu.Unlock()
	rec := newRecord(cfg, nil)
	w.controls.setState(preparing)
	w.training.start(rec)
	w.tabs.SelectIndex(0)
	if !w.goWork(&w.runs, func() { w.runExperiment(ctx, cfg, rec) }) {
		cancel()
	}
}

// runExperiment prepares the data, runs the training and records its
// events; on its own goroutine.
func (w *Workbench) runExperiment(ctx context.Context, cfg training.Config, rec *record) {
	defer func() {
		w.mu.Lock()
		w.cancel, w.run = nil, nil
		w.mu.Unlock()
	}()
	data, err := w.prepare(cfg)
	if err == nil && ctx.Err() != nil {
		bridge.Do(func() {
			w.controls.setState(idle)
			w.controls.status.SetText("Stopped before training started.")
			w.training.results.SetText("")
			w.ended()
		})
		return
	}
	var run *training.Run
	if err == nil {
		run, err = training.Start(ctx, cfg, data)
	}
	if err != nil {
		bridge.Do(func() {
			w.controls.setState(idle)
			w.controls.status.SetText("Could not start: " + err.Error())
			w.training.fail(err)
			w.ended()
		})
		return
	}
	rec.setClasses(data.Classes)
	w.mu.Lock()
	w.run = run
	w.mu.Unlock()
	bridge.Do(func() {
		if w.controls.state == preparing {
			w.controls.setState(running)
		}
	})
	var model *training.Model
	for ev := range run.Events() {
		rec.add(ev)
		w.training.redraw()
		switch e := ev.(type) {
		case *training.DoneEvent:
			model = e.Model
		case *training.ErrorEvent:
			model = e.Model
		}
	}
	run.Wait()
	w.training.redraw()
	bridge.Do(func() {
		w.controls.setState(idle)
		if model != nil {
			w.setModel(model, describeModel(model, rec.snapshot()))
		}
		w.ended()
	})
}

func (w *Workbench) ended() {
	if w.OnRunEnded != nil {
		w.OnRunEnded()
	}
}

// prepare loads (or reuses) the source and splits it as cfg says.
func (w *Workbench) prepare(cfg training.Config) (*training.Data, error) {
	all, err := w.load(cfg.Dataset, cfg.Seed)
	if err != nil {
		return nil, err
	}
	ds, err := all.Select(cfg.Classes)
	if err != nil {
		return nil, err
	}
	return training.Split(ds, cfg)
}

// describeModel is the one-line description of a trained model.
func describeModel(m *training.Model, s *snapshot) string {
	d := fmt.Sprintf("Last run: %s, %s", m.Net.Spec, m.Source)
	switch {
	case s.failed != nil:
		d += " (diverged; the last good weights)"
	case s.done != nil:
		d += fmt.Sprintf(", test accuracy %.2f%%", 100*s.done.Test.Accuracy)
	}
	return d
}

// setModel makes m the model that classifies; on the UI goroutine.
func (w *Workbench) setModel(m *training.Model, description string) {
	w.mu.Lock()
	w.model = m
	w.mu.Unlock()
	w.classify.setModel(m, description)
	w.terrain.modelChanged(description)
}

func (w *Workbench) currentModel() *training.Model {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.model
}

// pauseResume toggles a running run.
func (w *Workbench) pauseResume() {
	w.mu.Lock()
	run := w.run
	w.mu.Unlock()
	if run == nil {
		return
	}
	if run.Paused() {
		run.Resume()
		w.controls.setState(running)
	} else {
		run.Pause()
		w.controls.setState(paused)
	}
}

// Stop stops the run (the Stop button and Esc); the run ends with its
// test results.
func (w *Workbench) Stop() {
	w.mu.Lock()
	cancel := w.cancel
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		w.controls.status.SetText("Stopping…")
	}
}

// Dropped classifies files dropped on the window (Window.SetOnDropped).
func (w *Workbench) Dropped(_ fyne.Position, uris []fyne.URI) {
	w.tabs.SelectIndex(1)
	w.classify.classifyURIs(uris)
}

// settle waits until the window's goroutines have finished their work:
// runs, loads, redraws and classifications. Tests call it before reading
// widgets, which workers may otherwise be changing.
func (w *Workbench) settle() {
	w.runs.Wait()
	w.loads.Wait()
	w.training.throttle.Wait()
	w.classify.padWork.Wait()
	w.lesson.work.Wait()
	w.lesson.throttle.Wait()
	w.terrain.throttle.Wait()
	w.runs.Wait()
}

// Close stops any run and waits for it to end; call it before the window
// closes. It does not wait for a dataset being read (a large image folder
// can take long and cannot be interrupted): that goroutine only hands its
// result to the UI, which is then gone.
func (w *Workbench) Close() {
	w.mu.Lock()
	w.closed = true
	cancel := w.cancel
	w.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	w.terrain.stop()
	w.runs.Wait()
	w.classify.close()
	w.training.close()
	w.lesson.close()
	w.terrain.close()
}
