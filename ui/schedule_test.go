package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// TestScheduleField: the form's schedule is checked as it is typed, goes
// into the experiment, and comes back from a run's config (Run again).
func TestScheduleField(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		f := wb.form
		for _, tt := range []struct{ text, want string }{
			{"step:0:0.5", "N must be ≥ 1"},
			{"exp", `unknown schedule "exp"`},
			{"onecycle:0.0001", "MAXLR must be at least the base learning rate"},
		} {
			f.schedule.SetText(tt.text)
			if _, err := f.config(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("schedule %q: %v, want %q", tt.text, err, tt.want)
			}
			if !wb.controls.train.Disabled() {
				t.Errorf("schedule %q: Train is enabled", tt.text)
			}
		}
		if f.preview.content.Visible() {
			t.Error("the preview shows for a schedule in error")
		}
		f.schedule.SetText("step:1:0.5")
		cfg, err := f.config()
		if err != nil || cfg.Schedule.String() != "step:1:0.5" {
			t.Fatalf("step:1:0.5: %v, %v", cfg.Schedule, err)
		}
		if !f.preview.content.Visible() || f.preview.img.Image.Bounds().Dx() < 100 {
			t.Error("no preview of step:1:0.5")
		}
		f.schedule.SetText("constant")
		if f.preview.content.Visible() {
			t.Error("a preview of a constant rate")
		}
		f.schedule.SetText("plateau:2:0.5")
		if !f.preview.content.Visible() || !strings.Contains(f.preview.note.Text, "no preview can know") {
			t.Errorf("plateau's preview: shown %v, note %q", f.preview.content.Visible(), f.preview.note.Text)
		}
		run := training.DefaultConfig()
		run.Schedule, _ = schedule.Parse("cosine:0.0001,warmup=1")
		f.set(run)
		if got, err := f.config(); err != nil || got.Schedule != run.Schedule {
			t.Errorf("after set: %v, %v; want %v", got.Schedule, err, run.Schedule)
		}
		f.set(training.DefaultConfig())
		if f.schedule.Text != "constant" {
			t.Errorf("the defaults' schedule reads %q", f.schedule.Text)
		}
	})
}
