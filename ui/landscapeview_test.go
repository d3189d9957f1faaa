package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// TestTwinLandscapesCNN: the landscape view maps a convolutional network
// (the twins of a small one) as it maps a multilayer perceptron: both
// slices, the line from the initial weights and the Hessian.
func TestTwinLandscapesCNN(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	openLab(wb, 1)
	tab := wb.terrain
	onUI(func() {
		cfg := training.DefaultConfig()
		layers, err := nn.ParseLayerList("conv(4,3,1,1,relu),maxpool(2),dense(10,relu)")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Hidden, cfg.Layers, cfg.Epochs, cfg.Limit = nil, layers, 1, 1000
		wb.form.set(cfg)
		tab.samples.SetText("100")
		tab.grid.SetText("3")
		test.Tap(tab.twinButton)
	})
	wb.settle()
	onUI(func() {
		if tab.status.Text != "Done." {
			t.Fatalf("twins of a CNN ended with %q", tab.status.Text)
		}
		tab.mu.Lock()
		results := tab.results
		tab.mu.Unlock()
		if len(results) != 2 {
			t.Fatalf("twins: %d results", len(results))
		}
		for _, r := range results {
			if r.model.Net.Spec.IsMLP() || r.plane == nil || r.line == nil || r.interp == nil || r.curv == nil {
				t.Errorf("%s: a CNN %v, slice %v, line %v, interpolation %v, curvature %v", r.name, !r.model.Net.Spec.IsMLP(), r.plane != nil, r.line != nil, r.interp != nil, r.curv != nil)
			}
		}
		if !strings.Contains(tab.curvText.Text, "Hessian eigenvalues from") {
			t.Errorf("summary %q does not give the Hessian's eigenvalues", tab.curvText.Text)
		}
	})
}
