package ui

import (
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

// The tests in this file replay what a new user saw go wrong in the
// window, and assert what the window shows now.

// divergingRun is plain SGD at learning rate 100 on a linear network:
// it diverges within a few steps.
func divergingRun() training.Config {
	cfg := smallRun(20)
	cfg.Optimizer, cfg.LR = "sgd", 100
	cfg.Hidden = []nn.Layer{{Width: 16, Activation: nn.Linear}}
	return cfg
}

// smallRun is a quick experiment of the given length.
func smallRun(epochs int) training.Config {
	cfg := training.DefaultConfig()
	cfg.Epochs, cfg.Limit = epochs, 600
	cfg.Hidden = []nn.Layer{{Width: 16, Activation: nn.ReLU}}
	return cfg
}

// Seen: a run that failed left the previous run's confusion matrix
// under "test set".
func TestFailedRunLeavesNoOldResults(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() { wb.form.set(smallRun(1)) })
	train(t, wb)
	onUI(func() {
		if wb.training.confusion.current() == nil {
			t.Fatal("the first run shows no confusion matrix")
		}
		wb.training.pointer(1, 0, true) // the pointer on the chart leaves a readout
		wb.form.set(divergingRun())
	})
	train(t, wb)
	onUI(func() {
		if wb.training.confusion.current() != nil {
			t.Error("after a failed run the previous run's confusion matrix is still shown")
		}
		if !wb.training.errorBox.Visible() || strings.Contains(wb.training.results.Text, "test accuracy") {
			t.Errorf("a failed run: error shown %v, results %q", wb.training.errorBox.Visible(), wb.training.results.Text)
		}
		if got := wb.training.perClass.Text; got != "" {
			t.Errorf("a failed run shows the per-class line %q", got)
		}
		if got := wb.training.readout.Text; strings.Contains(got, "Step") {
			t.Errorf("the readout still reads the previous run: %q", got)
		}
	})
}

// Seen: sgd at learning rate 10 reported "Done … Test accuracy 33.87%",
// every image predicted as 8, with no word of failure. (That run now
// diverges; MSE at learning rate 30 still collapses onto one class.)
func TestCollapsedRunWarns(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		cfg := smallRun(2)
		cfg.Limit = 2000
		cfg.Loss, cfg.Optimizer, cfg.LR = nn.MSE, "sgd", 30
		wb.form.set(cfg)
	})
	train(t, wb)
	onUI(func() {
		tt := wb.training
		if !tt.warnBox.Visible() || !strings.Contains(tt.warnText.Text, "failed to learn") || !strings.Contains(tt.warnText.Text, "try a lower learning rate") {
			t.Errorf("a collapsed run: warning shown %v, %q", tt.warnBox.Visible(), tt.warnText.Text)
		}
		if st := wb.controls.status.Text; !strings.Contains(st, "failed to learn") {
			t.Errorf("the status line %q calls the run done without a word of failure", st)
		}
		wb.form.set(smallRun(1))
	})
	train(t, wb)
	onUI(func() {
		if wb.training.warnBox.Visible() {
			t.Errorf("a good run still shows the previous run's warning %q", wb.training.warnText.Text)
		}
	})
}

// Seen: new settings passed for the run's; a 5-epoch run after a 30-epoch
// one showed the table's headers only.
func TestResultsNameTheirRun(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() { wb.form.set(smallRun(12)) })
	train(t, wb)
	onUI(func() {
		tt := wb.training
		if y := tableOffset(t, tt.table).Y; y <= 0 {
			t.Errorf("after 12 epochs the table shows its top (offset %v): it does not follow the newest epoch", y)
		}
		for _, want := range []string{"This run: mnist 3,5,8", "784-16-3 relu", "adam lr 0.001", "12 epochs", "seed 1"} {
			if !strings.Contains(tt.runInfo.Text, want) {
				t.Errorf("the run's line %q does not say %q", tt.runInfo.Text, want)
			}
		}
		if tt.stale.Visible() {
			t.Errorf("the run's own settings are reported as changed: %q", tt.stale.Text)
		}
		wb.form.lr.SetText("0.01")
		if !tt.stale.Visible() || !strings.Contains(tt.stale.Text, "Settings changed since this run") {
			t.Error("editing the learning rate after the run does not say the settings changed")
		}
		wb.form.lr.SetText("0.001")
		if tt.stale.Visible() {
			t.Error("the notice stays after the setting is put back")
		}
		wb.form.valSplit.SetText("0.7") // invalid: not the run's either
		if !tt.stale.Visible() {
			t.Error("an invalid form passes for the run's settings")
		}
		wb.form.valSplit.SetText("0.1")
		wb.form.set(smallRun(2))
	})
	train(t, wb)
	onUI(func() {
		tt := wb.training
		if off := tableOffset(t, tt.table); off.Y != 0 {
			t.Errorf("after a 12-epoch run, a 2-epoch run's table is scrolled to %v: its rows are out of view", off)
		}
		if !strings.Contains(tt.runInfo.Text, "2 epochs") {
			t.Errorf("the run's line %q is not the new run's", tt.runInfo.Text)
		}
	})
}

// Seen: why Train is disabled was replaced by the old "Done…" line when
// the charts redrew, and never shown for a batch-size error.
func TestWhyTrainIsDisabledStays(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() { wb.form.set(smallRun(1)) })
	train(t, wb)
	onUI(func() { wb.form.batch.SetText("0") })
	wb.training.redraw() // the charts redraw after the run
	wb.settle()
	onUI(func() {
		c := wb.controls
		if !c.train.Disabled() || !c.problem.Visible() || !strings.Contains(c.problem.Text, "batch size must be between 1") {
			t.Errorf("batch 0 after a run: Train disabled %v, problem shown %v: %q", c.train.Disabled(), c.problem.Visible(), c.problem.Text)
		}
		if c.status.Visible() {
			t.Errorf("the run's status %q covers the problem", c.status.Text)
		}
		wb.form.batch.SetText("64")
		if c.train.Disabled() || c.problem.Visible() || !c.status.Visible() {
			t.Error("with the batch size fixed, Train is still disabled or the problem still shown")
		}
	})
}

// tableOffset reads how far a table is scrolled. Fyne keeps it
// unexported; the test fails loudly if that changes.
func tableOffset(t *testing.T, tb *widget.Table) fyne.Position {
	t.Helper()
	v := reflect.ValueOf(tb).Elem().FieldByName("offset")
	if !v.IsValid() || v.Type() != reflect.TypeOf(fyne.Position{}) {
		t.Fatalf("widget.Table has no offset field of type fyne.Position any more: update tableOffset")
	}
	return fyne.NewPos(float32(v.FieldByName("X").Float()), float32(v.FieldByName("Y").Float()))
}

// Seen: the dataset size, "3 of 10 classes", the hover readout and the
// hints were drawn in the theme's low-contrast colours. Every label that
// informs uses the foreground colour, which reads at WCAG AA (4.5:1) on
// the background in both themes; warnings and errors their own colours,
// checked the same way.
func TestInformativeTextHasContrast(t *testing.T) {
	a := test.NewTempApp(t)
	wb, win := newTestWorkbench(t, a)
	onUI(func() {
		for i := range wb.tabs.Items {
			wb.tabs.SelectIndex(i)
			for _, o := range test.LaidOutObjects(win.Content()) {
				if l, ok := o.(*widget.Label); ok && l.Importance == widget.LowImportance {
					t.Errorf("label %q is drawn in the low-contrast colour", l.Text)
				}
			}
		}
	})
	th := a.Settings().Theme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		bg := th.Color(theme.ColorNameBackground, v)
		for _, name := range []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameError, theme.ColorNameWarning, theme.ColorNamePlaceHolder} {
			if c := plots.Contrast(th.Color(name, v), bg); c < 4.5 {
				t.Errorf("%s on the background in variant %d: contrast %.2f, want ≥ 4.5", name, v, c)
			}
		}
	}
}

// Exported plots default to the light theme, which prints well, and
// carry the run's settings.
func TestExportedPlots(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() { wb.form.set(smallRun(1)) })
	train(t, wb)
	onUI(func() {
		for _, which := range []string{"loss", "accuracy", "confusion"} {
			for _, dark := range []bool{false, true} {
				p, size, err := wb.training.buildPlot(which, dark)
				if err != nil {
					t.Fatalf("%s: %v", which, err)
				}
				plain, _, _ := wb.training.buildPlot(which, dark)
				plots.SetSubtitle(plain, "")
				with, err1 := plots.Render(p, size)
				without, err2 := plots.Render(plain, size)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s: %v %v", which, err1, err2)
				}
				// The subtitle pushes the chart down: the plotting area
				// starts lower than without it.
				if with.DataRect.Min.Y <= without.DataRect.Min.Y {
					t.Errorf("%s: the plotting area starts at %d with the subtitle, %d without: no subtitle", which, with.DataRect.Min.Y, without.DataRect.Min.Y)
				}
				r, g, b, _ := with.Image.At(2, 2).RGBA()
				if light := r > 0xc000 && g > 0xc000 && b > 0xc000; light == dark {
					t.Errorf("%s exported dark=%v has a corner of (%d, %d, %d)", which, dark, r>>8, g>>8, b>>8)
				}
			}
		}
	})
}

// Seen: "hidden layer 1: hidden layer 1: …".
func TestMessagesNameTheirFieldOnce(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		wb.form.layers.rows[1].width.SetText("0")
		got := wb.controls.problem.Text
		if want := "hidden layer 2: width must be between 1 and 8192 (got 0)"; !strings.Contains(got, want) || strings.Count(got, "hidden layer") != 1 {
			t.Errorf("a zero width in layer 2: %q, want %q once", got, want)
		}
		wb.form.layers.rows[1].width.SetText("64")
		wb.form.lr.SetText("abc")
		if got := wb.controls.problem.Text; strings.Count(got, "learning rate") != 1 {
			t.Errorf("a learning rate that is not a number: %q", got)
		}
	})
}
