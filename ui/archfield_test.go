package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// TestArchChooser: the form picks a preset network or typed layers, checks
// them by the engine's shape inference as they are typed (naming the
// layer that does not fit), counts their parameters, and shows a run's
// network again (Run again).
func TestArchChooser(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		f := wb.form
		if !f.arch.isMLP() || f.arch.text.Visible() || !f.layers.widget().Visible() {
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
		f.arch.text.SetText("conv(8,3),maxpool(2),maxpool(16)")
		if f.arch.kind.Selected != archLayers {
			t.Errorf("editing a preset's layers leaves the choice at %q", f.arch.kind.Selected)
		}
		_, err = f.config()
		if err == nil || !strings.Contains(err.Error(), "layer 3 maxpool(16): input 13×13 is smaller than the 16×16 window") || !wb.controls.train.Disabled() {
			t.Errorf("layers that do not fit: %v, Train disabled %v", err, wb.controls.train.Disabled())
		}
		f.arch.text.SetText("conv(4,3,2,1,relu),dense(16)")
		if _, err := f.config(); err != nil || wb.controls.train.Disabled() {
			t.Errorf("typed layers: %v", err)
		}
		// A run's network comes back with its settings.
		run := training.DefaultConfig()
		run.Hidden, run.Layers = nil, nn.ResNet(3, 16, 3).Layers
		f.set(run)
		if f.arch.kind.Selected != archResNet {
			t.Errorf("a ResNet run's settings show %q", f.arch.kind.Selected)
		}
		f.set(training.DefaultConfig())
		if !f.arch.isMLP() {
			t.Error("the defaults do not bring the multilayer perceptron back")
		}
		if cfg, err := f.config(); err != nil || len(cfg.Layers) != 0 || len(cfg.Hidden) != 2 {
			t.Errorf("defaults: layers %v, hidden %v, %v", cfg.Layers, cfg.Hidden, err)
		}
	})
}
