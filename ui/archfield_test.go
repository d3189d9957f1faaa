package ui

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
	"github.com/neuralworkbench/workbench/training/runs"
)

// TestArchChooser: the form picks a preset network or builds one in the
// layer editor, whose rows say each layer's output shape and parameters
// by the engine's shape inference, name the layer that does not fit, add,
// move, remove and retype layers, read and write the --layers text, and
// show a run's network again (Run again).
func TestArchChooser(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		f := wb.form
		e := f.arch.editor
		if !f.arch.isMLP() || e.content.Visible() || !f.layers.widget().Visible() {
			t.Fatal("the form does not start with the multilayer perceptron's rows")
		}
		f.arch.kind.SetSelected(archLeNet)
		cfg, err := f.config()
		if err != nil || nn.LayersString(cfg.Layers) != nn.LayersString(nn.LeNet5(3).Layers) || len(cfg.Hidden) != 0 {
			t.Fatalf("LeNet-5 chosen: layers %s, hidden %v, %v", nn.LayersString(cfg.Layers), cfg.Hidden, err)
		}
		if want := "61,111 parameters  (lenet-3)"; f.params.Text != want {
			t.Errorf("LeNet-5's size reads %q, want %q", f.params.Text, want)
		}
		rows := rowTexts(e)
		want := []string{
			"1 conv 6 filters 5×5, pad 2, relu | → 6×28×28 · 156 parameters",
			"2 max pool 2×2 | → 6×14×14 · no parameters",
			"3 conv 16 filters 5×5, relu | → 16×10×10 · 2,416 parameters",
			"4 max pool 2×2 | → 16×5×5 · no parameters",
			"5 dense 120, relu | → 120 · 48,120 parameters",
			"6 dense 84, relu | → 84 · 10,164 parameters",
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("LeNet-5's rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		if want := "Output: dense to 3 classes, softmax → 3 · 255 parameters"; e.head.Text != want {
			t.Errorf("the output row reads %q, want %q", e.head.Text, want)
		}
		// Ticking a fourth class widens the output layer.
		for i, name := range f.classes.names {
			if name == "1" {
				f.classes.checks[i].SetChecked(true)
			}
		}
		if want := "Output: dense to 4 classes, softmax → 4 · 340 parameters"; e.head.Text != want {
			t.Errorf("with four classes the output row reads %q, want %q", e.head.Text, want)
		}
		for i, name := range f.classes.names {
			if name == "1" {
				f.classes.checks[i].SetChecked(false)
			}
		}

		// A window too large for its input: the row says so, the rows
		// after it cannot know their shapes, Train is refused, and the
		// choice is no longer the preset.
		pool := e.rows[3]
		e.toggle(pool)
		if !shows(pool.settings, pool.size) || shows(pool.settings, pool.kernel) {
			t.Error("an open max-pool row should show its size and no kernel")
		}
		pool.size.SetText("16")
		if f.arch.kind.Selected != archLayers {
			t.Errorf("editing a preset's layers leaves the choice at %q", f.arch.kind.Selected)
		}
		if got := pool.shape.Text; got != "input 10×10 is smaller than the 16×16 window" {
			t.Errorf("the misfit's row says %q", got)
		}
		if !strings.HasPrefix(e.rows[4].shape.Text, "→ ?") {
			t.Errorf("the row after the misfit says %q", e.rows[4].shape.Text)
		}
		_, err = f.config()
		if err == nil || err.Error() != "layers: layer 4 maxpool(16): input 10×10 is smaller than the 16×16 window" || !wb.controls.train.Disabled() {
			t.Errorf("layers that do not fit: %v, Train disabled %v", err, wb.controls.train.Disabled())
		}
		pool.size.SetText("2")
		if f.arch.kind.Selected != archLeNet || wb.controls.train.Disabled() {
			t.Errorf("the preset's layers again: choice %q, Train disabled %v", f.arch.kind.Selected, wb.controls.train.Disabled())
		}

		// A field that is not a number of the allowed range names the
		// layer and the field.
		e.rows[0].filters.SetText("0")
		if _, err := f.config(); err == nil || err.Error() != "layers: layer 1 conv: filters must be a whole number from 1 to 1024" {
			t.Errorf("0 filters: %v", err)
		}
		e.rows[0].filters.SetText("8")

		// Add puts a dense layer after the open row when its output is a
		// vector, and opens it; move and remove reorder the rows.
		e.toggle(e.rows[5])
		e.add()
		if len(e.rows) != 7 || e.open != e.rows[6] || e.rows[6].spec().String() != "dense(64,relu)" {
			t.Fatalf("Add after the last dense layer: %d rows, open %v, %s", len(e.rows), e.open == e.rows[6], e.rows[6].spec())
		}
		e.move(e.rows[6], -1)
		if e.rows[5].spec().String() != "dense(64,relu)" || e.rows[6].spec().String() != "dense(84,relu)" {
			t.Errorf("move up: %s", e.text())
		}
		e.remove(e.rows[5])
		e.rows[3].kind.SetSelected(kindTitles[nn.Dropout])
		if !shows(e.rows[3].settings, e.rows[3].p) || shows(e.rows[3].settings, e.rows[3].size) {
			t.Error("a row turned into dropout should show p, not a window size")
		}
		cfg, err = f.config()
		if want := "conv(8,5,1,2,relu),maxpool(2),conv(16,5,1,0,relu),dropout(0.5),dense(120,relu),dense(84,relu)"; err != nil || nn.LayersString(cfg.Layers) != want {
			t.Errorf("after the edits: %s, %v; want %s", nn.LayersString(cfg.Layers), err, want)
		}
		if e.rows[3].shape.Text != "→ 16×10×10 · no parameters" {
			t.Errorf("dropout's row: %q", e.rows[3].shape.Text)
		}

		// As text…: the rows as --layers text; a text that does not fit
		// cannot be used, one that does becomes the rows.
		e.editText()
		if e.textEntry == nil || e.textEntry.Text != e.text() {
			t.Fatal("the text dialog does not show the rows")
		}
		e.textEntry.SetText("conv(8,3),maxpool(2),maxpool(16)")
		if !e.textUse.Disabled() {
			t.Error("Use is enabled for layers that do not fit")
		}
		e.textEntry.SetText("conv(4,3,2,1,relu),dense(16)")
		test.Tap(e.textUse)
		if cfg, err := f.config(); err != nil || nn.LayersString(cfg.Layers) != "conv(4,3,2,1,relu),dense(16,relu)" || len(e.rows) != 2 {
			t.Errorf("typed layers: %s, %v", nn.LayersString(cfg.Layers), err)
		}
		if dismissTop(wb.win) {
			t.Error("Use left the text dialog open")
		}

		// A network too large for the machine's memory is refused before
		// it trains (or is timed), with the engine's message.
		// (About 650 GB at batch 4096: refused on any machine.)
		e.editText()
		e.textEntry.SetText(strings.Repeat("conv(1024,3,1,1,relu),", 6) + "dense(16)")
		test.Tap(e.textUse)
		f.batch.SetText("4096")
		if _, err := f.config(); err == nil || !strings.Contains(err.Error(), "the network needs about") || !wb.controls.train.Disabled() {
			t.Errorf("six 1024-filter convolutions at full resolution, batch 4096: %v, Train disabled %v", err, wb.controls.train.Disabled())
		}
		f.batch.SetText("64")
		e.editText()
		e.textEntry.SetText("conv(4,3,2,1,relu),dense(16)")
		test.Tap(e.textUse)

		// Removing every row: Train is refused with a message saying what
		// to do.
		e.remove(e.rows[0])
		e.remove(e.rows[0])
		if _, err := f.config(); err == nil || !strings.Contains(err.Error(), "give at least one layer") {
			t.Errorf("no layers: %v", err)
		}

		// A run's network comes back with its settings.
		run := training.DefaultConfig()
		run.Hidden, run.Layers = nil, nn.ResNet(3, 16, 3).Layers
		f.set(run)
		if f.arch.kind.Selected != archResNet || len(e.rows) != 6 {
			t.Errorf("a ResNet run's settings show %q with %d rows", f.arch.kind.Selected, len(e.rows))
		}
		f.set(training.DefaultConfig())
		if !f.arch.isMLP() || e.content.Visible() {
			t.Error("the defaults do not bring the multilayer perceptron back")
		}
		if cfg, err := f.config(); err != nil || len(cfg.Layers) != 0 || len(cfg.Hidden) != 2 {
			t.Errorf("defaults: layers %v, hidden %v, %v", cfg.Layers, cfg.Hidden, err)
		}
	})
}

// shows reports whether obj is in the container's tree.
func shows(c *fyne.Container, obj fyne.CanvasObject) bool {
	for _, o := range c.Objects {
		if o == obj {
			return true
		}
		if sub, ok := o.(*fyne.Container); ok && shows(sub, obj) {
			return true
		}
	}
	return false
}

// rowTexts is each row as "index title | shape".
func rowTexts(e *layerEditor) []string {
	out := make([]string, len(e.rows))
	for i, r := range e.rows {
		out[i] = r.index.Text + " " + r.title.Text + " | " + r.shape.Text
	}
	return out
}

// TestTrainsAConvNet: a network of layers built in the editor trains in
// the window with augmentation on, is kept in the run store with its
// layers, comes back with Run again, and classifies a dropped image on
// the Classify tab.
func TestTrainsAConvNet(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	const net = "conv(4,3,1,1,relu),maxpool(2),batchnorm,dropout(0.1),dense(16,relu)"
	onUI(func() {
		f := wb.form
		f.epochs.SetText("1")
		f.arch.kind.SetSelected(archLayers)
		f.arch.editor.editText()
		f.arch.editor.textEntry.SetText(net)
		test.Tap(f.arch.editor.textUse)
		f.shiftOn.SetChecked(true)
		f.rotateOn.SetChecked(true)
		f.noiseOn.SetChecked(true)
		if cfg, err := f.config(); err != nil || nn.LayersString(cfg.Layers) != net || cfg.Augment.Shift == 0 || cfg.Augment.Rotate == 0 || cfg.Augment.Noise == 0 {
			t.Fatalf("the form's experiment: %s %+v, %v", nn.LayersString(cfg.Layers), cfg.Augment, err)
		}
	})
	train(t, wb)
	onUI(func() {
		if !strings.Contains(wb.controls.status.Text, "Done: 1 epoch") {
			t.Errorf("status = %q", wb.controls.status.Text)
		}
		m := wb.models.current()
		if m == nil || nn.LayersString(m.Net.Spec.Layers) != net || len(m.Net.Buffers) == 0 {
			t.Fatalf("the window's model after the run: %v", m)
		}
		list, err := wb.runner.store.List()
		if err != nil || len(list) == 0 || list[0].Summary.Status != runs.Done || nn.LayersString(list[0].Config.Layers) != net {
			t.Fatalf("the run store after the run: %v, %v", list, err)
		}
		if acc := list[0].Summary.TestAcc; acc == nil || *acc < 0.8 {
			t.Errorf("the network learnt little in an epoch: test accuracy %v", acc)
		}
		wb.form.set(training.DefaultConfig())
		wb.form.set(list[0].Config) // Run again
		if cfg, err := wb.form.config(); err != nil || nn.LayersString(cfg.Layers) != net || wb.form.arch.kind.Selected != archLayers {
			t.Errorf("Run again: %s as %q, %v", nn.LayersString(cfg.Layers), wb.form.arch.kind.Selected, err)
		}
	})
	eight := writeEight(t, filepath.Join(t.TempDir(), "eight.png"))
	shown := make(chan struct{}, 1)
	onUI(func() {
		wb.classify.onShown = func() { shown <- struct{}{} }
		wb.Dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(eight)})
	})
	select {
	case <-shown:
	case <-time.After(30 * time.Second):
		t.Fatal("the dropped image was not classified")
	}
	onUI(func() {
		if got := wb.classify.resultsText(); !regexp.MustCompile(`^eight\.png: [358] \(\d+(\.\d+)?%\)`).MatchString(got) {
			t.Errorf("the Classify tab says %q", got)
		}
	})
}
