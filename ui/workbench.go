// Package ui is the workbench window: the experiment form, the run
// controls and the Training, Classify, Loss surfaces and Runs tabs. It
// drives the engine in training/ from Fyne callbacks and hands the
// engine's results back to the UI goroutine through ui/bridge.
package ui

import (
	"encoding/json"
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// prefExperiment is the preference key holding the form's settings, as
// the JSON of training.Config (the command line's --config format).
const prefExperiment = "experiment"

// Workbench is the window's content: it builds the form, the run
// controls and the tabs, hands each what it needs, and wires them
// together. The jobs live in their own types: the data sources in a
// datasetCache, the training runs in a runner, the current model in a
// modelHolder, the goroutines in tasks.
type Workbench struct {
	app fyne.App
	win fyne.Window

	// runs are the goroutines closing the window waits for (training
	// runs, landscapes, classifications, saves); loads are dataset reads,
	// which cannot be interrupted and which closing does not wait for
	// (tests do).
	runs, loads tasks
	data        *datasetCache
	models      *modelHolder
	runner      *runner
	probe       *sizeProbe // the form's estimate of an epoch's time

	keys     keys
	form     *experimentForm
	controls *runControls
	training *trainingTab
	runsTab  *runsTab
	sweeps   *sweepsTab
	lrFinder *lrFinder
	classify *classifyTab
	lesson   *lessonTab
	terrain  *landscapeTab
	tabs     *container.AppTabs
	labTabs  *container.AppTabs // the Loss surfaces tab's lesson and landscape
	sidebar  *container.Scroll  // the form
	content  fyne.CanvasObject

	// OnRunStarted and OnRunEnded, when set, are called on the UI
	// goroutine when a run starts training and after it has ended and its
	// results are shown (tests and the screenshot tour wait on them).
	OnRunStarted, OnRunEnded func()
}

// New builds the workbench in win, restoring the last settings from the
// app's preferences.
func New(a fyne.App, win fyne.Window) *Workbench {
	a.Settings().SetTheme(contrastTheme{theme.DefaultTheme()})
	w := &Workbench{app: a, win: win, data: newDatasetCache()}
	shortcuts := windowShortcuts(w.Train, func(i int) { w.tabs.SelectIndex(i) })
	w.keys = keys{shortcuts: map[string]func(){}, escape: w.escape}
	for s, f := range shortcuts {
		w.keys.shortcuts[s.ShortcutName()] = f
		win.Canvas().AddShortcut(s, func(fyne.Shortcut) { f() })
	}
	w.models = newModelHolder(
		func(m *training.Model, d string) { w.classify.setModel(m, d) },
		func(_ *training.Model, d string) { w.terrain.modelChanged(d) },
	)
	w.controls = newRunControls(w.Train, func() { w.runner.pauseResume() }, w.Stop)
	w.training = newTrainingTab(win, w.controls, w.models, &w.runs, newGallery(win, &w.runs, w.classifyImage))
	w.classify = newClassifyTab(win, &w.keys, &w.runs, w.models, w.Train)
	w.lesson = newLessonTab(win, w.data.load)
	w.form = newExperimentForm(&w.keys, formHooks{
		changed:       w.formChanged,
		chooseSource:  w.chooseSource,
		sourceChanged: w.listClasses,
		preview:       w.previewAugment,
		findLR:        func() { w.lrFinder.open(w.form.config()) },
		applyLive:     w.applyLive,
	})
	w.form.arch.editor.win = win
	w.terrain = newLandscapeTab(win, landscapeDeps{
		models:     w.models,
		load:       w.data.load,
		prepare:    w.prepare,
		formConfig: w.form.config,
		tasks:      &w.runs,
	})
	storeDir, _ := runs.DefaultDir() // "" when there is no data directory: runs are then not kept
	w.runner = &runner{tasks: &w.runs, prepare: w.prepare, controls: w.controls, view: w.training, models: w.models,
		store: runs.Store{Dir: storeDir},
		started: func() {
			w.probe.runStarting()
			cfg, _ := w.runner.liveConfig()
			w.form.live.set(true, cfg)
			if w.OnRunStarted != nil {
				w.OnRunStarted()
			}
		},
		ended: func() {
			w.form.live.set(false, training.Config{})
			if cfg, err := w.form.config(); err == nil {
				w.probe.changed(cfg, true) // measured now that the cores are free
			}
			w.training.updateStale()
			w.runsTab.refresh()
			if w.OnRunEnded != nil {
				w.OnRunEnded()
			}
		}}
	w.training.effective, w.training.live = w.runner.effective, w.runner.training
	w.runsTab = newRunsTab(runs.Store{Dir: storeDir}, &w.runs, win,
		func(e runs.Entry) { w.form.set(e.Config) },
		func(e runs.Entry, m *training.Model) {
			d := "Run " + e.ID + ": " + e.Summary.Name
			if m.Best {
				d += fmt.Sprintf(" (the best epoch's weights, epoch %d)", m.Epoch)
			}
			w.models.set(m, d)
			w.tabs.SelectIndex(1)
		})
	w.sweeps = newSweepsTab(sweepDeps{
		win: win, store: runs.Store{Dir: storeDir}, tasks: &w.runs, prepare: w.prepare,
		formConfig: w.form.config,
		training:   func() bool { return w.controls.state != idle },
		ended:      func() { w.runsTab.refresh() },
	})
	w.lrFinder = &lrFinder{win: win, tasks: &w.runs, prepare: w.prepare,
		busy: func() string {
			if w.controls.state != idle || w.sweeps.running() {
				return "A run or a sweep is training: the range test would share the cores with it and slow both. Try again when it has ended."
			}
			return ""
		},
		use:  func(lr float64) { w.form.lr.SetText(lrText(lr)) },
		dark: func() bool { return w.app.Settings().ThemeVariant() == theme.VariantDark },
	}
	w.probe = newSizeProbe(&w.runs, w.prepare, func() bool { return w.controls.state != idle || w.sweeps.running() },
		func() int {
			if w.form.epochs.err != nil {
				return 1
			}
			return int(w.form.epochs.number)
		}, w.form.estimate)
	w.restore()

	reset := &widget.Button{Text: "Reset to defaults", Icon: theme.ViewRefreshIcon(), OnTapped: func() {
		w.form.set(training.DefaultConfig())
	}}
	w.sidebar = container.NewVScroll(container.NewPadded(container.NewVBox(w.form.content, widget.NewSeparator(), reset)))
	w.sidebar.SetMinSize(fyne.NewSize(340, 0))
	w.keys.reveal = func(o fyne.CanvasObject) { reveal(w.sidebar, o) }

	w.labTabs = container.NewAppTabs(
		container.NewTabItem("Logistic regression: CE against MSE", w.lesson.content),
		container.NewTabItem("Trained network's landscape", w.terrain.content),
	)
	w.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Training", theme.MediaPlayIcon(), w.training.content),
		container.NewTabItemWithIcon("Classify", theme.SearchIcon(), w.classify.content),
		container.NewTabItemWithIcon("Loss surfaces", theme.GridIcon(), w.labTabs),
		container.NewTabItemWithIcon("Runs", theme.ListIcon(), w.runsTab.content),
		container.NewTabItemWithIcon("Sweeps", theme.ViewRefreshIcon(), w.sweeps.content),
	)
	w.tabs.OnSelected = func(t *container.TabItem) {
		switch t.Content {
		case w.runsTab.content:
			w.runsTab.refresh()
		case w.sweeps.content:
			w.sweeps.refresh("")
		}
	}
	about := &widget.Button{Icon: theme.InfoIcon(), Importance: widget.LowImportance, OnTapped: func() { showAbout(a, win) }}
	main := container.NewBorder(container.NewPadded(container.NewBorder(nil, nil, nil, about, w.controls.content)), nil, nil, nil, w.tabs)
	split := container.NewHSplit(w.sidebar, main)
	split.Offset = 0.28
	w.content = container.New(minSize{MinWidth, MinHeight}, split)

	win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			w.escape()
		}
	})
	w.followTheme()
	a.Settings().AddListener(func(fyne.Settings) { w.followTheme() })
	w.formChanged()
	return w
}

// MinWidth and MinHeight are the smallest window the workbench is laid
// out for (tested); the window cannot be made smaller.
const (
	MinWidth  = 1024
	MinHeight = 700
)

// minSize is a layout that fills its objects into the space and asks for
// at least its own size: Fyne takes a window's minimum size from its
// content's.
type minSize struct{ w, h float32 }

func (m minSize) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (m minSize) MinSize(objects []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(m.w, m.h)
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}

// Content is the window's content.
func (w *Workbench) Content() fyne.CanvasObject { return w.content }

// followTheme draws the charts in the app's light or dark variant.
func (w *Workbench) followTheme() {
	dark := w.app.Settings().ThemeVariant() == theme.VariantDark
	w.training.setDark(dark)
	w.classify.setDark(dark)
	w.lesson.setDark(dark)
	w.terrain.setDark(dark)
	w.runsTab.setDark(dark)
	w.sweeps.setDark(dark)
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
	w.training.formChanged(cfg, err == nil)
	if w.probe != nil { // nil while the window is being built
		w.probe.changed(cfg, err == nil)
	}
	if err == nil {
		if b, err := json.Marshal(cfg); err == nil {
			w.app.Preferences().SetString(prefExperiment, string(b))
		}
		w.lesson.setSource(cfg.Dataset, cfg.Seed)
		w.form.preview.show(cfg, w.app.Settings().ThemeVariant() == theme.VariantDark)
	} else {
		w.form.preview.hide() // it would show settings that are not the form's
	}
}

// chooseSource asks for a dataset folder of the kind ("idx" or "folder").
func (w *Workbench) chooseSource(kind string, chosen func(string)) {
	title := "Choose a folder of MNIST-format IDX files"
	if kind == "folder" {
		title = "Choose a folder with one subfolder of images per class"
	}
	chooseFolderOrCancel(w.win, title, func(dir string) {
		if dir == "" {
			chosen("")
			return
		}
		chosen(kind + ":" + dir)
	})
}

// listClasses reads a new source's classes in the background.
func (w *Workbench) listClasses(spec string) {
	seed := uint64(1)
	if cfg, err := w.form.config(); err == nil {
		seed = cfg.Seed
	}
	w.loads.start(func() {
		ds, err := w.data.load(spec, seed)
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

// prepare loads (or reuses) the source and splits it as cfg says.
func (w *Workbench) prepare(cfg training.Config) (*training.Data, error) { return w.data.prepare(cfg) }

// Train starts a run with the form's settings (the Train button and
// Ctrl+Enter).
func (w *Workbench) Train() {
	if w.controls.state != idle {
		return
	}
	cfg, err := w.form.config()
	if err != nil {
		w.controls.setFormValid(false, err.Error())
		return
	}
	if w.sweeps.running() {
		w.controls.status.SetText("A sweep is training: cancel it on the Sweeps tab or wait for it to end.")
		return
	}
	w.tabs.SelectIndex(0)
	w.runner.start(cfg)
}

// escape closes the top dialog, or else stops the run (Esc).
func (w *Workbench) escape() {
	if !dismissTop(w.win) {
		w.Stop()
	}
}

// reveal scrolls o, inside scroll, into view.
func reveal(scroll *container.Scroll, o fyne.CanvasObject) {
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(scroll.Content).Y
	bottom := top + o.Size().Height
	switch {
	case top < scroll.Offset.Y:
		scroll.ScrollToOffset(fyne.NewPos(scroll.Offset.X, top))
	case bottom > scroll.Offset.Y+scroll.Size().Height:
		scroll.ScrollToOffset(fyne.NewPos(scroll.Offset.X, bottom-scroll.Size().Height))
	}
}

// Stop stops the run (the Stop button and Esc); the run ends with its
// test results.
func (w *Workbench) Stop() {
	if w.runner.stop() {
		w.controls.status.SetText("Stopping…")
	}
}

// Dropped classifies files dropped on the window (Window.SetOnDropped).
func (w *Workbench) Dropped(_ fyne.Position, uris []fyne.URI) {
	w.tabs.SelectIndex(1)
	w.classify.classifyURIs(uris)
}

// classifyImage shows an image on the Classify tab with its preprocessing
// stages and probabilities (a test image from the mistakes gallery).
func (w *Workbench) classifyImage(img *image.Gray, name string) {
	w.tabs.SelectIndex(1)
	w.classify.classifyImage(img, name)
}

// settle waits until the window's goroutines have finished their work:
// runs, loads, redraws and classifications. Tests call it before reading
// widgets, which workers may otherwise be changing.
func (w *Workbench) settle() {
	w.runs.wait()
	w.loads.wait()
	w.training.throttle.Wait()
	w.classify.padWork.Wait()
	w.lesson.work.Wait()
	w.lesson.throttle.Wait()
	w.terrain.throttle.Wait()
	w.runs.wait()
}

// Close stops any run and job and waits for them to end; call it before
// the window closes. It does not wait for a dataset being read (a large
// image folder can take long and cannot be interrupted): that goroutine
// only hands its result to the UI, which is then gone.
func (w *Workbench) Close() {
	w.runs.close()
	w.loads.close()
	forgetDialogs(w.win)
	w.probe.stop()
	w.runner.stop()
	w.sweeps.stop()
	w.lrFinder.stop()
	w.terrain.stop()
	w.runs.wait()
	w.classify.close()
	w.training.close()
	w.lesson.close()
	w.terrain.close()
}
