//go:build tour

package ui

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/schedule"
	"github.com/neuralworkbench/workbench/ui/bridge"
	"github.com/neuralworkbench/workbench/ui/samples"
)

// Tour drives the real window through a short session, as a person would,
// and saves a screenshot of each step in dir: a run trained through the
// Train button (mid-run and finished), images dropped on the window, a
// digit drawn on the pad, and the remaining tabs. make screenshot runs it
// under Xvfb. Call it on its own goroutine; it returns when it is done,
// without closing the window.
func (w *Workbench) Tour(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ended := make(chan struct{}, 1)
	time.Sleep(1500 * time.Millisecond) // let the window appear
	bridge.DoAndWait(func() {
		cfg := training.DefaultConfig()
		cfg.Epochs = 40 // long enough to catch the run half way
		w.form.set(cfg)
		w.OnRunEnded = func() { ended <- struct{}{} }
		w.controls.train.OnTapped()
	})
	// Mid-run: wait for the progress bar to pass 40%.
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var v float64
		bridge.DoAndWait(func() { v = w.controls.progress.Value })
		if v >= 0.4 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	if err := w.capture(dir, "training-midrun.png"); err != nil {
		return err
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("the run did not end")
	}
	time.Sleep(800 * time.Millisecond) // the last redraw
	if err := w.capture(dir, "training.png"); err != nil {
		return err
	}
	// The pointer half way along the loss chart: markers and the readout.
	bridge.DoAndWait(func() {
		c := w.training.lossChart
		if ch := c.current(); ch != nil {
			mid := ch.DataRect.Min.Add(ch.DataRect.Max).Div(2)
			scale := c.Size().Width / float32(ch.Image.Bounds().Dx())
			c.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(float32(mid.X)*scale, float32(mid.Y)*scale)}})
		}
	})
	time.Sleep(300 * time.Millisecond)
	if err := w.capture(dir, "hover.png"); err != nil {
		return err
	}

	// Classify: drop two images and a file that is not one, then draw.
	sampleDir := filepath.Join(dir, "samples")
	os.MkdirAll(sampleDir, 0o755)
	var uris []fyne.URI
	notebook, err := samples.NotebookPhoto()
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		draw func() image.Image
	}{
		{"notebook-photo.png", func() image.Image { return notebook }},
		{"photo-of-an-8.png", samples.PhotoEight},
		{"white-on-black-5.png", samples.WhiteFive},
	} {
		path := filepath.Join(sampleDir, s.name)
		if err := samples.WritePNG(path, s.draw()); err != nil {
			return err
		}
		uris = append(uris, storage.NewFileURI(path))
	}
	notes := filepath.Join(sampleDir, "notes.txt")
	os.WriteFile(notes, []byte("not an image"), 0o644)
	uris = append(uris, storage.NewFileURI(notes))
	bridge.DoAndWait(func() { w.Dropped(fyne.NewPos(600, 400), uris) })
	bridge.DoAndWait(func() { samples.DrawThree(w.classify.pad) })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		busy := false
		bridge.DoAndWait(func() { busy = strings.Contains(w.classify.resultsText(), "classifying…") })
		if !busy {
			break
		}
	}
	time.Sleep(800 * time.Millisecond)
	if err := w.capture(dir, "classify.png"); err != nil {
		return err
	}
	// The augmentation preview.
	bridge.DoAndWait(func() {
		w.form.rotateOn.SetChecked(true)
		w.form.shiftOn.SetChecked(true)
		w.form.penOn.SetChecked(true)
		w.form.pen.SetText("1")
		w.form.noiseOn.SetChecked(true)
		w.form.noise.SetText("0.05")
		w.previewAugment()
	})
	time.Sleep(1500 * time.Millisecond)
	if err := w.capture(dir, "augment-preview.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() {
		if top := w.win.Canvas().Overlays().Top(); top != nil {
			w.win.Canvas().Overlays().Remove(top)
		}
	})
	if err := w.tourLab(dir); err != nil {
		return err
	}
	// All ten digits; then a run that fails to learn (plain SGD at
	// learning rate 10) and says so.
	for _, run := range []struct {
		name string
		set  func(*training.Config)
	}{
		{"ten-classes.png", func(c *training.Config) { c.Classes, c.Epochs = nil, 3 }},
		{"failed-run.png", func(c *training.Config) { c.Optimizer, c.LR, c.Epochs = "sgd", 10, 3 }},
	} {
		bridge.DoAndWait(func() {
			cfg := training.DefaultConfig()
			run.set(&cfg)
			w.form.set(cfg)
			w.controls.train.OnTapped()
		})
		select {
		case <-ended:
		case <-time.After(5 * time.Minute):
			return fmt.Errorf("the run for %s did not end", run.name)
		}
		time.Sleep(800 * time.Millisecond)
		if err := w.capture(dir, run.name); err != nil {
			return err
		}
		if run.name == "ten-classes.png" {
			if err := w.tourGallery(dir); err != nil {
				return err
			}
		}
	}

	// The runs kept so far, the three MNIST runs ticked: their validation
	// loss overlaid and their comparison with the first.
	bridge.DoAndWait(func() { w.tabs.SelectIndex(3) })
	time.Sleep(1500 * time.Millisecond) // the list is read off the UI goroutine
	bridge.DoAndWait(func() {
		for i := len(w.runsTab.shown) - 1; i >= 0; i-- {
			if w.runsTab.shown[i].Damaged == "" {
				w.runsTab.toggle(w.runsTab.shown[i].ID)
			}
		}
	})
	time.Sleep(1500 * time.Millisecond)
	if err := w.capture(dir, "runs.png"); err != nil {
		return err
	}

	if err := w.tourSweep(dir); err != nil {
		return err
	}
	if err := w.tourLive(dir, ended); err != nil {
		return err
	}

	// The smallest window the workbench supports, with a field in error.
	bridge.DoAndWait(func() {
		w.form.set(training.DefaultConfig())
		w.form.lr.SetText("-0.5")
		w.tabs.SelectIndex(0)
		w.win.Resize(fyne.NewSize(MinWidth, MinHeight))
	})
	time.Sleep(800 * time.Millisecond)
	if err := w.capture(dir, "small-window.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() { w.win.Resize(fyne.NewSize(1280, 820)) })
	return nil
}

// tourLab shows the loss-surface lab: the logistic-regression lesson at
// its three sections, then the twins trained with cross-entropy and MSE
// and their landscapes.
func (w *Workbench) tourLab(dir string) error {
	l := w.lesson
	bridge.DoAndWait(func() {
		w.tabs.SelectIndex(2)
		w.labTabs.SelectIndex(0)
	})
	if err := waitFor(time.Minute, func() bool { return l.convexityText.Text != "" && l.ceConv.current() != nil }); err != nil {
		return fmt.Errorf("the lesson: %w", err)
	}
	time.Sleep(800 * time.Millisecond)
	if err := w.capture(dir, "loss-surfaces.png"); err != nil {
		return err
	}
	for _, shot := range []struct {
		name string
		at   fyne.CanvasObject
	}{{"loss-surfaces-maps.png", l.mapsRow}, {"loss-surfaces-convexity.png", l.convexityRow}} {
		bridge.DoAndWait(func() { l.scroll.ScrollToOffset(fyne.NewPos(0, shot.at.Position().Y)) })
		time.Sleep(600 * time.Millisecond)
		if err := w.capture(dir, shot.name); err != nil {
			return err
		}
	}

	t := w.terrain
	bridge.DoAndWait(func() {
		w.labTabs.SelectIndex(1)
		t.twinButton.OnTapped()
	})
	if err := waitFor(5*time.Minute, func() bool { return t.status.Text == "Done." }); err != nil {
		return fmt.Errorf("the twins: %w (status %q)", err, t.status.Text)
	}
	time.Sleep(800 * time.Millisecond)
	if err := w.capture(dir, "landscape-twins.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() { t.scroll.ScrollToOffset(fyne.NewPos(0, t.linesRow.Position().Y)) })
	time.Sleep(600 * time.Millisecond)
	return w.capture(dir, "landscape-twins-lines.png")
}

// tourGallery shows the mistakes gallery of the run on screen: its most
// confused pairs, the worst pair's images opened by clicking its cell,
// and the first of them classified on the Classify tab.
func (w *Workbench) tourGallery(dir string) error {
	g := w.training.gallery
	var worst training.ConfusedPair
	bridge.DoAndWait(func() {
		s := w.training.current()
		worst = training.MostConfused(s.done.Test.Confusion)[0]
		g.mostConfused(s)
	})
	time.Sleep(600 * time.Millisecond)
	if err := w.capture(dir, "most-confused.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() {
		g.closeAll()
		c := w.training.confusion
		ch := c.current()
		px, py := ch.PixelAt(float64(worst.Predicted), float64(worst.True))
		scale := c.Size().Width / float32(ch.Image.Bounds().Dx())
		c.Tapped(&fyne.PointEvent{Position: fyne.NewPos(float32(px)*scale, float32(py)*scale)})
	})
	if err := waitFor(time.Minute, func() bool { return g.view != nil && len(g.view.classify) > 0 }); err != nil {
		return fmt.Errorf("the gallery: %w", err)
	}
	time.Sleep(800 * time.Millisecond)
	if err := w.capture(dir, "gallery.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() { g.view.classify[0].OnTapped() })
	if err := waitFor(30*time.Second, func() bool { return !strings.Contains(w.classify.resultsText(), "classifying…") }); err != nil {
		return fmt.Errorf("classifying from the gallery: %w", err)
	}
	time.Sleep(800 * time.Millisecond)
	return w.capture(dir, "gallery-classify.png")
}

// tourSweep finds a learning rate, runs a sweep of learning rates and
// optimizers from the Sweep dialog, shows its heat map, and overlays its
// runs on the Runs tab.
func (w *Workbench) tourSweep(dir string) error {
	// A cosine schedule with a warmup, its preview in view.
	bridge.DoAndWait(func() {
		cfg := training.DefaultConfig()
		cfg.Epochs = 20
		cfg.Schedule, _ = schedule.Parse("cosine:0.0001,warmup=2")
		w.form.set(cfg)
	})
	time.Sleep(300 * time.Millisecond) // laid out with the preview shown
	bridge.DoAndWait(func() { w.keys.reveal(w.form.preview.content) })
	time.Sleep(600 * time.Millisecond)
	if err := w.capture(dir, "schedule-preview.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() {
		w.form.set(training.DefaultConfig())
		w.form.hooks.findLR()
	})
	if err := waitFor(time.Minute, func() bool { return w.lrFinder.result != nil }); err != nil {
		return fmt.Errorf("the learning-rate finder: %w", err)
	}
	time.Sleep(800 * time.Millisecond)
	if err := w.capture(dir, "lr-find.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() {
		w.lrFinder.d.Hide()
		cfg := training.DefaultConfig()
		cfg.Epochs = 2
		w.form.set(cfg)
		w.tabs.SelectIndex(4)
		w.sweeps.openDialog()
	})
	time.Sleep(300 * time.Millisecond)
	var sd *sweepDialog
	bridge.DoAndWait(func() {
		sd = w.sweeps.dialog
		sd.rows[0].values.SetText("1e-4..1e-1 x4 log")
		sd.rows[1].setting.SetSelected("optimizer")
	})
	time.Sleep(500 * time.Millisecond)
	if err := w.capture(dir, "sweep-dialog.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() { sd.queue.OnTapped() })
	// Half way: the queue's progress.
	if err := waitFor(5*time.Minute, func() bool { return w.sweeps.endedJobs >= 5 }); err != nil {
		return fmt.Errorf("the sweep: %w", err)
	}
	if err := w.capture(dir, "sweep-queue.png"); err != nil {
		return err
	}
	if err := waitFor(5*time.Minute, func() bool { return !w.sweeps.running() && w.sweeps.result != nil && w.sweeps.chart.current() != nil }); err != nil {
		return fmt.Errorf("the sweep's results: %w", err)
	}
	time.Sleep(1000 * time.Millisecond)
	if err := w.capture(dir, "sweeps.png"); err != nil {
		return err
	}
	// The sweep's Adam runs overlaid on the Runs tab.
	bridge.DoAndWait(func() {
		w.tabs.SelectIndex(3)
		w.runsTab.ticked = nil
		w.runsTab.filter.SetText("optimizer=adam")
	})
	time.Sleep(1500 * time.Millisecond)
	bridge.DoAndWait(func() {
		for i := len(w.runsTab.shown) - 1; i >= 0; i-- {
			w.runsTab.toggle(w.runsTab.shown[i].ID)
		}
	})
	time.Sleep(1500 * time.Millisecond)
	return w.capture(dir, "runs-sweep.png")
}

// tourLive trains a run and changes its learning rate twice while it is
// paused, from the form: the form's live box, then the curves with the
// two changes marked and the learning rate on its own axis.
func (w *Workbench) tourLive(dir string, ended <-chan struct{}) error {
	bridge.DoAndWait(func() {
		cfg := training.DefaultConfig()
		cfg.Epochs, cfg.LR = 12, 0.003
		w.form.set(cfg)
		w.tabs.SelectIndex(0)
		w.training.options.lr.SetChecked(true)
		w.controls.train.OnTapped()
	})
	for i, change := range []struct {
		at float64
		lr string
	}{{0.3, "0.0003"}, {0.6, "0.00003"}} {
		if err := waitFor(3*time.Minute, func() bool { return w.controls.progress.Value >= change.at }); err != nil {
			return fmt.Errorf("the run for the live changes: %w", err)
		}
		bridge.DoAndWait(func() {
			w.controls.pause.OnTapped()
			w.form.lr.SetText(change.lr)
			w.keys.reveal(w.form.live.content)
		})
		if i == 1 {
			time.Sleep(800 * time.Millisecond)
			if err := w.capture(dir, "live-pending.png"); err != nil {
				return err
			}
		}
		bridge.DoAndWait(func() { w.applyLive() })
		if i == 1 {
			time.Sleep(800 * time.Millisecond)
			if err := w.capture(dir, "live-applied.png"); err != nil {
				return err
			}
		}
		bridge.DoAndWait(func() { w.controls.pause.OnTapped() })
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("the run with live changes did not end")
	}
	time.Sleep(1000 * time.Millisecond)
	if err := w.capture(dir, "live-changes.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() { w.training.options.lr.SetChecked(false) })

	// A network large for the machine: a wide ResNet typed in, and the
	// form's warning from its timed probe.
	estimated := func() bool {
		t := w.form.estimate.Text
		return strings.HasPrefix(t, "About") || strings.HasPrefix(t, "Large") || strings.HasPrefix(t, "Could not")
	}
	bridge.DoAndWait(func() {
		cfg := training.DefaultConfig()
		cfg.Epochs = 10
		cfg.Hidden, cfg.Layers = nil, nn.ResNet(3, 32, 3).Layers
		w.form.set(cfg)
		w.keys.reveal(w.form.estimate)
	})
	if err := waitFor(3*time.Minute, estimated); err != nil {
		return fmt.Errorf("the wide ResNet's estimate: %w", err)
	}
	time.Sleep(300 * time.Millisecond)
	bridge.DoAndWait(func() { w.keys.reveal(w.form.estimate) })
	time.Sleep(300 * time.Millisecond)
	if err := w.capture(dir, "layer-warning.png"); err != nil {
		return err
	}

	// A convolutional network: LeNet-5 chosen in the form, its second
	// convolution open in the layer editor, trained.
	bridge.DoAndWait(func() {
		cfg := training.DefaultConfig()
		cfg.Epochs = 3
		w.form.set(cfg)
		w.form.arch.kind.SetSelected(archLeNet)
		w.form.arch.editor.toggle(w.form.arch.editor.rows[2])
		w.keys.reveal(w.form.estimate)
	})
	if err := waitFor(3*time.Minute, estimated); err != nil {
		return fmt.Errorf("LeNet-5's estimate: %w", err)
	}
	time.Sleep(300 * time.Millisecond)
	bridge.DoAndWait(func() { w.keys.reveal(w.form.estimate) })
	time.Sleep(300 * time.Millisecond)
	if err := w.capture(dir, "layer-editor.png"); err != nil {
		return err
	}
	bridge.DoAndWait(func() {
		w.keys.reveal(w.form.arch.content)
		w.controls.train.OnTapped()
	})
	select {
	case <-ended:
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("the LeNet-5 run did not end")
	}
	time.Sleep(1000 * time.Millisecond)
	return w.capture(dir, "lenet-run.png")
}

// waitFor polls cond on the UI goroutine until it holds.
func waitFor(limit time.Duration, cond func() bool) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ok := false
		bridge.DoAndWait(func() { ok = cond() })
		if ok {
			return nil
		}
	}
	return fmt.Errorf("gave up after %s", limit)
}

// capture saves the window as the X server shows it. It asks ImageMagick
// (import) for the screen rather than Canvas().Capture(), which returns a
// blank image under Xvfb's software OpenGL, and because the screen is what
// a person sees. The window sits at the screen's top-left corner when
// there is no window manager, as under xvfb-run.
func (w *Workbench) capture(dir, name string) error {
	var size fyne.Size
	var scale float32
	bridge.DoAndWait(func() {
		size, scale = w.win.Canvas().Size(), w.win.Canvas().Scale()
	})
	path := filepath.Join(dir, name)
	geometry := fmt.Sprintf("%dx%d+0+0", int(size.Width*scale), int(size.Height*scale))
	out, err := exec.Command("import", "-window", "root", "-crop", geometry, "+repage", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("capturing %s with ImageMagick's import: %v: %s", name, err, out)
	}
	return nil
}
