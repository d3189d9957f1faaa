package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
)

// TestFindLearningRate runs the range test from the form's button and
// puts its suggestion into the form with the dialog's Use button.
func TestFindLearningRate(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	cfg := training.DefaultConfig() // its range test explodes at about 0.5
	cfg.Epochs = 2
	onUI(func() {
		wb.form.set(cfg)
		wb.form.hooks.findLR()
	})
	wb.settle()
	onUI(func() {
		f := wb.lrFinder
		if f.result == nil {
			t.Fatalf("no result; the dialog says %q", f.status.Text)
		}
		if f.result.Stopped != training.LRExploded || !(f.result.Suggestion > 0) {
			t.Errorf("stopped %q, suggestion %g; want an explosion and a suggestion", f.result.Stopped, f.result.Suggestion)
		}
		if !strings.Contains(f.status.Text, "Suggested: "+lrText(f.result.Suggestion)) {
			t.Errorf("the dialog says %q", f.status.Text)
		}
		var use *widget.Button
		for _, o := range f.buttons.Objects {
			if b, ok := o.(*widget.Button); ok && b.Text == "Use "+lrText(f.result.Suggestion)+" (steepest)" {
				use = b
			}
		}
		if use == nil {
			t.Fatal("no Use button for the suggestion")
		}
		test.Tap(use)
		got, err := wb.form.config()
		if err != nil || lrText(got.LR) != lrText(f.result.Suggestion) {
			t.Errorf("after Use, the form's learning rate is %g (%v), want %s", got.LR, err, lrText(f.result.Suggestion))
		}
		// The test leaves the form's other settings alone.
		got.LR = cfg.LR
		if got.Epochs != cfg.Epochs || got.Optimizer != cfg.Optimizer || got.Hidden[0] != cfg.Hidden[0] {
			t.Errorf("the form changed: %+v", got)
		}
	})
}
