package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
)

// runState is where the run controls are.
type runState int

const (
	idle runState = iota
	preparing
	running
	paused
)

// runControls are Train, Pause/Resume and Stop, the progress bar and the
// status line.
type runControls struct {
	train, pause, stop *widget.Button
	progress           *widget.ProgressBar
	status             *widget.Label // the run's progress or outcome
	problem            *widget.Label // why Train is disabled, while it is
	state              runState
	formValid          bool
	content            fyne.CanvasObject
}

func newRunControls(start, pauseResume, stop func()) *runControls {
	c := &runControls{formValid: true}
	c.train = &widget.Button{Text: "Train", Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: start}
	c.pause = &widget.Button{Text: "Pause", Icon: theme.MediaPauseIcon(), OnTapped: pauseResume}
	c.stop = &widget.Button{Text: "Stop", Icon: theme.MediaStopIcon(), OnTapped: stop}
	c.progress = widget.NewProgressBar()
	c.status = widget.NewLabel("Ready. Ctrl+Enter trains, Esc stops.")
	c.status.Truncation = fyne.TextTruncateEllipsis
	c.problem = widget.NewLabel("")
	c.problem.Importance = widget.DangerImportance
	c.problem.Truncation = fyne.TextTruncateEllipsis
	c.problem.Hide()
	buttons := container.NewVBox(layout.NewSpacer(), container.NewHBox(c.train, c.pause, c.stop), layout.NewSpacer())
	// The problem takes the status line's place while it lasts, so the
	// window's layout does not move.
	c.content = container.NewBorder(nil, nil, buttons, nil, container.NewVBox(c.progress, container.NewStack(c.status, c.problem)))
	c.setState(idle)
	return c
}

// setState enables the buttons that make sense.
func (c *runControls) setState(s runState) {
	c.state = s
	enable := func(b *widget.Button, on bool) {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(c.train, s == idle && c.formValid)
	enable(c.pause, s == running || s == paused)
	enable(c.stop, s != idle)
	if s == paused {
		c.pause.SetText("Resume")
		c.pause.SetIcon(theme.MediaPlayIcon())
	} else {
		c.pause.SetText("Pause")
		c.pause.SetIcon(theme.MediaPauseIcon())
	}
	switch s {
	case preparing:
		c.progress.SetValue(0)
		c.status.SetText("Preparing the data…")
	case paused:
		c.status.SetText("Paused. " + c.status.Text)
	}
}

// setFormValid enables Train only while every setting is valid, and
// says why it is disabled until the setting is fixed, whatever the run's
// progress reports meanwhile.
func (c *runControls) setFormValid(valid bool, problem string) {
	c.formValid = valid
	c.setState(c.state)
	if valid {
		c.problem.Hide()
		c.status.Show()
		return
	}
	c.problem.SetText("Fix the settings first: " + problem)
	c.problem.Show()
	c.status.Hide()
}

// showProgress shows where a run is.
func (c *runControls) showProgress(p training.Progress, s *snapshot) {
	if p.Steps == 0 {
		return
	}
	c.progress.SetValue(p.Fraction())
	text := fmt.Sprintf("Epoch %d/%d · batch %d/%d · %s samples/s · elapsed %s · ETA %s",
		p.Epoch, p.Epochs, p.Batch, p.Batches, thousands(p.SamplesPerSec), clock(p.Elapsed), clock(p.ETA))
	switch {
	case s.failed != nil:
		text = "Failed at step " + thousands(float64(p.Step)) + ": " + s.failed.Err.Error()
	case s.done != nil && s.done.Stopped:
		text = fmt.Sprintf("Stopped at epoch %d, batch %d. Test accuracy %.2f%%.", p.Epoch, p.Batch, 100*s.done.Test.Accuracy)
	case s.done != nil:
		text = fmt.Sprintf("Done: %d epochs in %s at %s samples/s. Test accuracy %.2f%%.",
			p.Epochs, clock(p.Elapsed), thousands(p.SamplesPerSec), 100*s.done.Test.Accuracy)
		if s.done.Warning != "" {
			text = fmt.Sprintf("Done, but the run failed to learn: test accuracy %.2f%% (see the warning below).", 100*s.done.Test.Accuracy)
		}
	case c.state == paused:
		text = "Paused. " + text
	}
	c.status.SetText(text)
}

// clock formats a duration as m:ss (or h:mm:ss).
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
