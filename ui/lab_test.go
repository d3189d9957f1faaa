package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// openLab shows one of the Loss surfaces tab's views, so that its charts
// are laid out at their real size.
func openLab(wb *Workbench, view int) {
	onUI(func() {
		wb.tabs.SelectIndex(2)
		wb.labTabs.SelectIndex(view)
	})
}

// TestLessonShowsWhatIsTrue drives the logistic-regression lesson: the
// MNIST 3s and 5s are loaded, the convexity summary reports what the
// exact Hessians show, the linear output's MSE is convex, a tap on a map
// moves the descent's start, a bad range is refused, and Play animates
// the descent to its end.
func TestLessonShowsWhatIsTrue(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	openLab(wb, 0)
	onUI(func() { wb.lesson.gridN.SetText("41") }) // fewer points: the race detector is slow
	wb.settle()
	l := wb.lesson
	onUI(func() {
		if l.classA.Selected != "3" || l.classB.Selected != "5" {
			t.Errorf("lesson classes %q and %q, want 3 and 5", l.classA.Selected, l.classB.Selected)
		}
		if !strings.Contains(l.dataInfo.Text, "2,000 images of 3 and 5") {
			t.Errorf("data line %q", l.dataInfo.Text)
		}
		text := l.convexityText.Text
		for _, want := range []string{"Cross-entropy (sigmoid): smallest eigenvalue", "never negative on the grid: convex here",
			"MSE (sigmoid): negative at", "not convex"} {
			if !strings.Contains(text, want) {
				t.Errorf("convexity summary %q does not say %q", text, want)
			}
		}
		for i, c := range []*chartView{l.exampleLoss, l.exampleGrad, l.ceMap, l.rightMap, l.ceConv, l.rightConv, l.stepChart} {
			if c.current() == nil {
				t.Errorf("lesson chart %d was never drawn", i)
			}
		}
		if !strings.Contains(l.exampleText.Text, "-0.990") {
			t.Errorf("per-example summary %q lacks the cross-entropy's gradient -0.990", l.exampleText.Text)
		}
		l.right.SetSelected(rightLinear)
	})
	wb.settle()
	onUI(func() {
		if text := l.convexityText.Text; !strings.Contains(text, "MSE (linear output): smallest eigenvalue 2, never negative") {
			t.Errorf("with the linear output, convexity summary %q", text)
		}
		// A tap on the map at (w, b) = (-4, 2) starts the descent there.
		ch := l.ceMap.current()
		px, py := ch.PixelAt(-4, 2)
		size, bounds := l.ceMap.Size(), ch.Image.Bounds()
		pos := fyne.NewPos(float32(px)*size.Width/float32(bounds.Dx()), float32(py)*size.Height/float32(bounds.Dy()))
		l.ceMap.Tapped(&fyne.PointEvent{Position: pos})
		if l.startLabel.Text != "from (-4, 2)" {
			t.Errorf("after a tap at (-4, 2) the start reads %q", l.startLabel.Text)
		}
	})
	wb.settle()
	onUI(func() {
		if !strings.Contains(l.descentText.Text, "Gradient descent from (-4, 2)") {
			t.Errorf("descent summary %q does not start from the tapped point", l.descentText.Text)
		}
		l.wMin.SetText("9")
		if !l.rangeError.Visible() || !strings.Contains(l.rangeError.Text, "MIN must be less than MAX") {
			t.Errorf("w from 9 to 8: error shown %v, %q", l.rangeError.Visible(), l.rangeError.Text)
		}
		l.wMin.SetText("-8")
		l.gridN.SetText("1000")
		if !l.rangeError.Visible() || !strings.Contains(l.rangeError.Text, "grid must be between 2 and 401 here") {
			t.Errorf("grid 1000: error shown %v, %q", l.rangeError.Visible(), l.rangeError.Text)
		}
		l.gridN.SetText("41")
		if l.rangeError.Visible() {
			t.Errorf("a valid range still shows %q", l.rangeError.Text)
		}
		l.steps.SetValue(4)
		test.Tap(l.play)
		if l.play.Text != "Stop" {
			t.Errorf("while playing the button reads %q", l.play.Text)
		}
	})
	wb.settle() // waits for the animation to end
	onUI(func() {
		l.mu.Lock()
		frame := l.frame
		l.mu.Unlock()
		if l.play.Text != "Play" || frame != -1 {
			t.Errorf("after the animation: button %q, frame %d; want Play and the whole path", l.play.Text, frame)
		}
	})
}

// TestTwinLandscapes trains the CE and MSE twins and maps both.
func TestTwinLandscapes(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	openLab(wb, 1)
	tab := wb.terrain
	onUI(func() {
		test.Tap(tab.mapButton)
		if !strings.Contains(tab.status.Text, "no model to map yet") {
			t.Errorf("Map without a model: %q", tab.status.Text)
		}
		cfg := training.DefaultConfig()
		cfg.Epochs, cfg.Limit = 1, 1500
		cfg.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
		wb.form.set(cfg)
		tab.samples.SetText("200")
		tab.grid.SetText("5")
		test.Tap(tab.twinButton)
	})
	wb.settle()
	onUI(func() {
		if tab.status.Text != "Done." {
			t.Fatalf("twins ended with %q", tab.status.Text)
		}
		tab.mu.Lock()
		results := tab.results
		tab.mu.Unlock()
		if len(results) != 2 || results[0].model.Config.Loss != nn.CrossEntropy || results[1].model.Config.Loss != nn.MSE {
			t.Fatalf("twins: %d results", len(results))
		}
		for _, r := range results {
			if r.plane == nil || r.line == nil || r.interp == nil || r.curv == nil || r.samples != 200 {
				t.Errorf("%s: slice %v, line %v, interpolation %v, curvature %v, %d samples", r.name, r.plane != nil, r.line != nil, r.interp != nil, r.curv != nil, r.samples)
			}
		}
		// The same initial weights: the interpolations start at the same loss… of their own loss functions, so compare the weights.
		a, b := results[0].model.Init, results[1].model.Init
		if a == nil || b == nil || a.Params[0].Data[7] != b.Params[0].Data[7] {
			t.Errorf("the twins did not start from the same initial weights")
		}
		for i, c := range []*chartView{tab.mapA, tab.mapB, tab.slice, tab.interp} {
			if c.current() == nil {
				t.Errorf("landscape chart %d was never drawn", i)
			}
		}
		for _, want := range []string{"Cross-entropy twin (test accuracy", "MSE twin (test accuracy", "Hessian eigenvalues from", "share one colour scale"} {
			if !strings.Contains(tab.curvText.Text, want) {
				t.Errorf("summary %q does not say %q", tab.curvText.Text, want)
			}
		}
		tab.show.SetSelected(showAccuracy)
	})
	wb.settle()

	// Cancel stops the next job.
	onUI(func() {
		tab.grid.SetText("41")
		tab.samples.SetText("all")
		test.Tap(tab.twinButton)
		test.Tap(tab.cancelButton)
	})
	wb.settle()
	onUI(func() {
		if tab.status.Text != "Cancelled." || tab.twinButton.Disabled() || !tab.cancelButton.Disabled() {
			t.Errorf("after Cancel: %q, twins disabled %v, cancel disabled %v", tab.status.Text, tab.twinButton.Disabled(), tab.cancelButton.Disabled())
		}
	})
}

// TestMapTrainedModel maps the model a run in the window trained.
func TestMapTrainedModel(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		cfg := training.DefaultConfig()
		cfg.Epochs, cfg.Limit = 1, 1000
		cfg.Hidden = []nn.Layer{{Width: 8, Activation: nn.Tanh}}
		wb.form.set(cfg)
	})
	train(t, wb)
	openLab(wb, 1)
	tab := wb.terrain
	onUI(func() {
		if !strings.Contains(tab.modelInfo.Text, "784-8-3") {
			t.Errorf("model line %q does not name the trained network", tab.modelInfo.Text)
		}
		tab.samples.SetText("100")
		tab.grid.SetText("3")
		test.Tap(tab.mapButton)
	})
	wb.settle()
	onUI(func() {
		if tab.status.Text != "Done." || tab.mapA.current() == nil || tab.mapB.current() == nil {
			t.Errorf("mapping the trained model: %q, maps drawn %v %v", tab.status.Text, tab.mapA.current() != nil, tab.mapB.current() != nil)
		}
		if !strings.Contains(tab.curvText.Text, "784-8-3, cross-entropy loss: Hessian eigenvalues") {
			t.Errorf("summary %q", tab.curvText.Text)
		}
		tab.grid.SetText("1")
		test.Tap(tab.mapButton)
		if !strings.Contains(tab.status.Text, "grid must be a whole number from 3 to 101") {
			t.Errorf("grid 1: %q", tab.status.Text)
		}
	})
}
