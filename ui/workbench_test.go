package ui

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/runs"
	"github.com/neuralworkbench/workbench/ui/bridge"
	"github.com/neuralworkbench/workbench/ui/samples"
)

// newTestWorkbench opens the workbench in a test window of the app's
// default size.
func newTestWorkbench(t *testing.T, a fyne.App) (*Workbench, fyne.Window) {
	t.Helper()
	var wb *Workbench
	var win fyne.Window
	onUI(func() {
		win = test.NewTempWindow(t, nil)
		wb = New(a, win)
		win.SetContent(wb.Content())
		win.Resize(fyne.NewSize(1280, 820))
	})
	t.Cleanup(wb.Close)
	return wb, win
}

// train taps Train with the form as it is and waits for the run to end,
// then stops the window's goroutines so the test may read its widgets.
func train(t *testing.T, wb *Workbench) {
	t.Helper()
	ended := make(chan struct{}, 1)
	onUI(func() {
		wb.OnRunEnded = func() { ended <- struct{}{} }
		if wb.controls.train.Disabled() {
			t.Fatalf("Train is disabled: %s", wb.controls.problem.Text)
		}
		test.Tap(wb.controls.train)
	})
	select {
	case <-ended:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run did not end")
	}
	wb.settle()
}

// onUI runs f as the UI goroutine would: never at the same time as the
// window's workers update widgets.
func onUI(f func()) { bridge.Locked(f) }

func TestValidationAsYouType(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		f := wb.form
		if wb.controls.train.Disabled() {
			t.Fatalf("Train is disabled with the defaults: %s", wb.controls.problem.Text)
		}
		tests := []struct {
			field *field
			text  string
			want  string
		}{
			{f.lr, "-0.1", "learning rate must be > 0 (got -0.1)"},
			{f.lr, "abc", "must be a number"},
			{f.batch, "0", "batch size must be between 1"},
			{f.epochs, "2.5", "must be a whole number"},
			{f.valSplit, "0.7", "validation split must be between 0 and 0.5"},
			{f.weightDecay, "-1", "weight decay"},
			{f.layers.rows[0].width, "0", "width must be between 1 and 8192 (got 0)"},
		}
		for _, tt := range tests {
			good := tt.field.Text
			tt.field.SetText("")
			test.Type(tt.field, tt.text)
			err := tt.field.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("typing %q: field error %v, want %q", tt.text, err, tt.want)
			}
			if !wb.controls.train.Disabled() {
				t.Errorf("typing %q left Train enabled", tt.text)
			}
			if !strings.Contains(wb.controls.problem.Text, tt.want) {
				t.Errorf("typing %q: status %q does not say %q", tt.text, wb.controls.problem.Text, tt.want)
			}
			tt.field.SetText(good)
			if wb.controls.train.Disabled() {
				t.Errorf("restoring %q left Train disabled: %s", good, wb.controls.problem.Text)
			}
		}

		// Fewer than two classes.
		f.classes.setAll(false)
		if !wb.controls.train.Disabled() || !strings.Contains(f.classes.status.Text, "at least 2") {
			t.Errorf("no classes ticked: Train enabled=%v, message %q", !wb.controls.train.Disabled(), f.classes.status.Text)
		}
		f.classes.setAll(true)

		// The parameter count follows the layers.
		test.Tap(wb.form.layers.rows[1].del)
		if want := "101,770 parameters  (784-128-10)"; f.params.Text != want {
			t.Errorf("after deleting layer 2 with all ten digits ticked: %q, want %q", f.params.Text, want)
		}
		// Momentum applies to the momentum optimizers only.
		f.optimizer.SetSelected("adam")
		if !f.momentum.Disabled() {
			t.Error("momentum is editable for adam")
		}
		f.optimizer.SetSelected("nesterov")
		if f.momentum.Disabled() {
			t.Error("momentum is not editable for nesterov")
		}
		// The log-scale slider and the entry follow each other.
		f.lr.SetText("0.1")
		if f.lrSlider.Value != -1 {
			t.Errorf("lr 0.1 puts the slider at %v, want -1", f.lrSlider.Value)
		}
		f.lrSlider.SetValue(-3)
		if f.lr.Text != "0.001" {
			t.Errorf("slider at -3 types %q, want 0.001", f.lr.Text)
		}
	})
}

func TestSettingsPersistAndReset(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		wb.form.lr.SetText("0.01")
		wb.form.optimizer.SetSelected("nesterov")
		wb.form.layers.add()
		wb.form.penOn.SetChecked(true)
		wb.form.pen.SetText("0.75")
	})
	wb.Close()

	wb2, _ := newTestWorkbench(t, a)
	onUI(func() {
		cfg, err := wb2.form.config()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.LR != 0.01 || cfg.Optimizer != "nesterov" || len(cfg.Hidden) != 3 || cfg.Augment.Pen != 0.75 {
			t.Errorf("settings after reopening: lr %g optimizer %s layers %d augment %s; want 0.01 nesterov 3 pen=0.75",
				cfg.LR, cfg.Optimizer, len(cfg.Hidden), cfg.Augment)
		}
		wb2.form.set(training.DefaultConfig())
		cfg, _ = wb2.form.config()
		if cfg.LR != 0.001 || cfg.Optimizer != "adam" || len(cfg.Hidden) != 2 {
			t.Errorf("after reset: %+v", cfg)
		}
	})
}

// TestTrainClassifyDraw is a session: train through the Train button,
// watch the progress and charts, classify dropped files and a drawing.
func TestTrainClassifyDraw(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	var before *plots.Chart
	onUI(func() {
		before = wb.training.lossChart.current()
		wb.form.epochs.SetText("2")
		wb.form.layers.rows[0].width.SetText("32")
	})
	train(t, wb)

	onUI(func() {
		if v := wb.controls.progress.Value; v != 1 {
			t.Errorf("progress after the run = %v, want 1", v)
		}
		if !strings.Contains(wb.controls.status.Text, "Done: 2 epochs") {
			t.Errorf("status = %q", wb.controls.status.Text)
		}
		after := wb.training.lossChart.current()
		if after == nil || after == before || uniform(after.Image) {
			t.Error("the loss chart was not redrawn with the run")
		}
		if rows, _ := wb.training.tableSize(); rows != 2 {
			t.Errorf("epoch table has %d rows, want 2", rows)
		}
		if !strings.Contains(wb.training.results.Text, "test accuracy") || wb.training.confusion.current() == nil {
			t.Errorf("results %q, confusion %v", wb.training.results.Text, wb.training.confusion.current())
		}
		if wb.training.saveModel.Disabled() {
			t.Error("Save model is disabled after a run")
		}
		// The run is kept in the store, as the command line keeps its own.
		if list, err := wb.runner.store.List(); err != nil || len(list) == 0 || list[0].Summary.Status != runs.Done ||
			list[0].Summary.Epochs != 2 || list[0].Config.Hidden[0].Width != 32 {
			t.Errorf("the run store after the run: %v, %v; want the run, done after 2 epochs", list, err)
		}
		wb.tabs.SelectIndex(3)
	})
	// The Runs tab lists it; ticking it overlays its curve and compares
	// it; a filter matching nothing empties the list.
	wb.settle()
	onUI(func() {
		r := wb.runsTab
		if len(r.shown) == 0 || r.shown[0].Config.Hidden[0].Width != 32 {
			t.Fatalf("the Runs tab lists %d runs, want the run just trained first", len(r.shown))
		}
		r.table.OnSelected(widget.TableCellID{Row: 0, Col: 3})
		if len(r.ticked) != 1 || r.compare.data == nil || !slices.Contains(r.compare.data.Rows[0], "baseline") {
			t.Errorf("after ticking the run: ticked %v, comparison %v", r.ticked, r.compare.data)
		}
		r.compare.copy(false)
		if got := a.Clipboard().Content(); !strings.HasPrefix(got, "| run | name | test acc |") || !strings.Contains(got, "| baseline |") {
			t.Errorf("Copy as Markdown put %q on the clipboard", got)
		}
	})
	wb.settle()
	onUI(func() {
		r := wb.runsTab
		if r.curves.chart.current() == nil {
			t.Error("no chart of the ticked run")
		}
		r.filter.SetText("no-such-run-anywhere")
		if len(r.shown) != 0 {
			t.Errorf("a filter matching nothing shows %d runs", len(r.shown))
		}
		r.filter.SetText("")
		// Run again puts its settings into the form; Load model makes its
		// model the window's.
		wb.form.set(training.DefaultConfig())
		if r.runAgain.Disabled() || r.loadModel.Disabled() || r.deleteRun.Disabled() {
			t.Errorf("a ticked run's actions are disabled")
		}
		r.runAgain.OnTapped()
		if cfg, err := wb.form.config(); err != nil || cfg.Hidden[0].Width != 32 || cfg.Epochs != 2 {
			t.Errorf("Run again put %+v (%v) into the form, want the run's 32-unit layer and 2 epochs", cfg.Hidden, err)
		}
		r.loadModel.OnTapped()
	})
	var listed int
	wb.settle()
	onUI(func() {
		r := wb.runsTab
		if m := wb.models.current(); m == nil || m.Net.Spec.Hidden[0].Width != 32 || wb.tabs.SelectedIndex() != 1 {
			t.Errorf("Load model: current model %v, tab %d; want the run's, on Classify", m, wb.tabs.SelectedIndex())
		}
		// Deleting (once confirmed) removes it from the store and the list.
		e, _ := r.current()
		listed = len(r.all)
		r.remove(e)
	})
	wb.settle()
	onUI(func() {
		r := wb.runsTab
		if len(r.all) != listed-1 || len(r.ticked) != 0 || !r.runAgain.Disabled() {
			t.Errorf("after Delete: %d runs (had %d), ticked %v", len(r.all), listed, r.ticked)
		}
		wb.tabs.SelectIndex(0)
		after := wb.training.lossChart.current()
		// Pointing at the middle of the loss chart reads out its values.
		c := wb.training.lossChart
		mid := after.DataRect.Min.Add(after.DataRect.Max).Div(2)
		scale := c.Size().Width / float32(after.Image.Bounds().Dx())
		c.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(float32(mid.X)*scale, float32(mid.Y)*scale)}})
		if got := wb.training.readout.Text; !strings.HasPrefix(got, "Step ") || !strings.Contains(got, "train loss") || !strings.Contains(got, "validation after epoch") {
			t.Errorf("readout under the pointer = %q", got)
		}
		// A marker sits on each series there: the train curve and the
		// nearest validation point, inside the chart.
		if len(c.markData) != 2 || !c.marks[0].Visible() || !c.marks[1].Visible() {
			t.Errorf("markers under the pointer: %d, want 2 visible", len(c.markData))
		} else if p := c.marks[0].Position(); p.X < 0 || p.Y < 0 || p.X > c.Size().Width || p.Y > c.Size().Height {
			t.Errorf("train marker at %v, outside the %v chart", p, c.Size())
		}
		if wb.training.readout.Truncation != fyne.TextTruncateOff {
			t.Errorf("the readout may be cut off")
		}
		c.MouseOut()
		if c.marks[0].Visible() {
			t.Errorf("the marker stays after the pointer left")
		}
		if wb.classify.noModel.Visible() {
			t.Error("the Classify tab still says there is no model")
		}
	})

	// Drop an image of an 8, a text file and an empty file.
	dir := t.TempDir()
	eight := writeEight(t, filepath.Join(dir, "eight.png"))
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	empty := filepath.Join(dir, "empty.png")
	os.WriteFile(empty, nil, 0o644)
	shown := make(chan struct{}, 10)
	onUI(func() {
		wb.classify.onShown = func() { shown <- struct{}{} }
		wb.Dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(eight), storage.NewFileURI(text), storage.NewFileURI(empty)})
	})
	for range 3 {
		select {
		case <-shown:
		case <-time.After(30 * time.Second):
			t.Fatal("the dropped files were not all classified")
		}
	}
	onUI(func() {
		if wb.tabs.SelectedIndex() != 1 {
			t.Error("dropping files did not show the Classify tab")
		}
		titles := wb.classify.resultsText()
		for _, want := range []string{"eight.png: 8 (", "notes.txt: not a supported image (allowed: PNG, JPEG", "empty.png"} {
			if !strings.Contains(titles, want) {
				t.Errorf("results do not include %q:\n%s", want, titles)
			}
		}
		// Files are named, not given by their whole path, and listed in
		// the order they came (by name, for a folder).
		if strings.Contains(titles, dir) {
			t.Errorf("results show the folder's path:\n%s", titles)
		}
		if i, j, k := strings.Index(titles, "eight.png"), strings.Index(titles, "notes.txt"), strings.Index(titles, "empty.png"); !(i < j && j < k) {
			t.Errorf("results are not in the order dropped:\n%s", titles)
		}
		// Draw a 3 on the pad, as mouse drags.
		wb.classify.onShown = nil
		samples.DrawThree(wb.classify.pad)
	})
	wb.settle()
	onUI(func() {
		if got := wb.classify.padResult.Text; !strings.HasPrefix(got, "It looks like a 3") {
			t.Errorf("drawing a 3: %q", got)
		}
	})
}

// uniform reports whether every pixel of img is the same.
func uniform(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

func writeEight(t *testing.T, path string) string {
	t.Helper()
	if err := samples.WritePNG(path, samples.PhotoEight()); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKeyboard(t *testing.T) {
	var started <-chan struct{}
	a := test.NewTempApp(t)
	wb, win := newTestWorkbench(t, a)
	ended := make(chan struct{}, 1)
	onUI(func() {
		wb.form.epochs.SetText("200")
		wb.OnRunEnded = func() { ended <- struct{}{} }
		// Ctrl+Enter while typing in a field starts the run.
		win.Canvas().Focus(wb.form.lr)
		started = startsRunning(wb)
		wb.form.lr.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault})
		if wb.controls.state == idle {
			t.Fatal("Ctrl+Enter in a field did not start training")
		}
	})
	<-started
	onUI(func() {
		// Esc in a field stops it.
		wb.form.lr.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	})
	select {
	case <-ended:
	case <-time.After(time.Minute):
		t.Fatal("Esc did not stop the run")
	}
	wb.settle()
	onUI(func() {
		if !strings.Contains(wb.controls.status.Text, "Stopped") {
			t.Errorf("status after Esc = %q", wb.controls.status.Text)
		}
	})
}

func TestPauseResume(t *testing.T) {
	var started <-chan struct{}
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	ended := make(chan struct{}, 1)
	onUI(func() {
		wb.form.epochs.SetText("500")
		wb.OnRunEnded = func() { ended <- struct{}{} }
		started = startsRunning(wb)
		test.Tap(wb.controls.train)
	})
	<-started
	var run *training.Run
	onUI(func() {
		test.Tap(wb.controls.pause)
		if wb.controls.pause.Text != "Resume" {
			t.Errorf("the pause button says %q while paused", wb.controls.pause.Text)
		}
		wb.runner.mu.Lock()
		run = wb.runner.run
		wb.runner.mu.Unlock()
	})
	if run == nil || !run.Paused() {
		t.Fatal("Pause did not pause the run")
	}
	<-run.Parked() // the training loop has stopped
	onUI(func() {
		test.Tap(wb.controls.pause) // resume
		if run.Paused() || wb.controls.pause.Text != "Pause" {
			t.Errorf("after Resume: paused %v, button %q", run.Paused(), wb.controls.pause.Text)
		}
		test.Tap(wb.controls.stop)
	})
	select {
	case <-ended:
	case <-time.After(time.Minute):
		t.Fatal("Stop did not end the run")
	}
	wb.settle()
}

// startsRunning returns a channel that receives when the next run starts
// training; call it on the UI goroutine before starting the run.
func startsRunning(wb *Workbench) <-chan struct{} {
	ch := make(chan struct{}, 1)
	wb.OnRunStarted = func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	return ch
}

func TestDivergedRunShowsError(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		cfg := training.DefaultConfig()
		cfg.Optimizer, cfg.LR, cfg.Epochs = "sgd", 100, 20
		cfg.Hidden[0].Activation, cfg.Hidden[1].Activation = "linear", "linear"
		wb.form.set(cfg)
	})
	train(t, wb)
	onUI(func() {
		if !wb.training.errorBox.Visible() || !strings.Contains(wb.training.errorText.Text, "diverged") {
			t.Errorf("error box visible=%v text %q", wb.training.errorBox.Visible(), wb.training.errorText.Text)
		}
		if wb.controls.train.Disabled() {
			t.Error("Train is disabled after a failed run: the app must stay usable")
		}
	})
}

// TestFitsSmallScreens checks that every tab fits the smallest window the
// workbench supports, 1024×700, in the states that used to widen it: a
// field in error with a long message, all ten classes ticked, and back to
// MNIST after another source; and that none of them changes the sidebar's
// width.
func TestFitsSmallScreens(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	var sidebar float32
	fits := func(state string) {
		t.Helper()
		for i, tab := range wb.tabs.Items {
			wb.tabs.SelectIndex(i)
			if m := wb.Content().MinSize(); m.Width > 1024 || m.Height > 700 {
				t.Errorf("%s, with the %s tab the window needs at least %v×%v, more than 1024×700", state, tab.Text, m.Width, m.Height)
			}
			// What the window's minimum hides: the content inside it.
			if m := wb.Content().(*fyne.Container).Objects[0].MinSize(); m.Width > 1024 || m.Height > 700 {
				t.Errorf("%s, with the %s tab the content needs %v×%v, more than 1024×700", state, tab.Text, m.Width, m.Height)
			}
		}
		wb.tabs.SelectIndex(0)
		w := wb.form.content.MinSize().Width
		if sidebar == 0 {
			sidebar = w
		} else if w != sidebar {
			t.Errorf("%s, the form needs %v wide, not %v as at first", state, w, sidebar)
		}
	}
	onUI(func() {
		fits("with the defaults")
		wb.form.layers.rows[0].width.SetText("100000000")
		wb.form.valSplit.SetText("0.987654321")
		fits("with two fields in error")
		wb.form.layers.rows[0].width.SetText("128")
		wb.form.valSplit.SetText("0.1")
		wb.form.classes.setAll(true)
		fits("with ten classes")
		wb.form.selectSource("idx:/a/folder/with/a/rather/long/name/that/goes/on/and/on/and/on")
		fits("with a long source")
		wb.form.setSource("mnist")
		fits("back on MNIST")
		wb.form.set(divergingRun())
	})
	train(t, wb)
	onUI(func() {
		wb.form.lr.SetText("-0.5")
		if !wb.training.stale.Visible() || !wb.training.errorBox.Visible() {
			t.Fatal("the failed run's message and the changed-settings notice are not both shown")
		}
		fits("after a failed run, with the settings changed and in error")
	})
}

// TestImageFolderSource picks an image folder as the dataset: its classes
// are listed once it has been read, and the preview shows its samples.
func TestImageFolderSource(t *testing.T) {
	a := test.NewTempApp(t)
	wb, win := newTestWorkbench(t, a)
	dir := t.TempDir()
	for _, class := range []string{"circles", "fives"} {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range 6 {
			img := samples.PhotoEight()
			if class == "fives" {
				img = samples.WhiteFive()
			}
			if err := samples.WritePNG(filepath.Join(dir, class, fmt.Sprintf("%d.png", i)), img); err != nil {
				t.Fatal(err)
			}
		}
	}
	onUI(func() { wb.form.setSource("folder:" + dir) })
	wb.settle()
	onUI(func() {
		if got := wb.form.classes.names; len(got) != 2 || got[0] != "circles" || got[1] != "fives" {
			t.Errorf("classes listed for the folder = %v, want [circles fives]", got)
		}
		if wb.controls.train.Disabled() {
			t.Errorf("Train disabled with a readable folder: %s", wb.controls.problem.Text)
		}
		wb.form.batch.SetText("4")
		wb.previewAugment()
	})
	wb.settle()
	onUI(func() {
		if len(win.Canvas().Overlays().List()) == 0 {
			t.Error("Preview showed no dialog")
		}
	})
	// A folder that is not a dataset says why in the class picker.
	onUI(func() { wb.form.setSource("folder:" + filepath.Join(dir, "circles")) })
	wb.settle()
	onUI(func() {
		if !strings.Contains(wb.form.classes.status.Text, "class folders") || !wb.controls.train.Disabled() {
			t.Errorf("a folder without class folders: message %q, Train disabled %v", wb.form.classes.status.Text, wb.controls.train.Disabled())
		}
	})
}

// TestCloseDuringRun checks that closing the window stops a run and ends
// every goroutine the window started.
func TestCloseDuringRun(t *testing.T) {
	var started <-chan struct{}
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		wb.form.epochs.SetText("1000")
		started = startsRunning(wb)
		test.Tap(wb.controls.train)
	})
	<-started
	closed := make(chan struct{})
	go func() {
		wb.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return during a run")
	}
}
