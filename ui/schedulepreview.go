package ui

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/schedule"
)

// previewStepsPerEpoch is the batches an epoch has in the schedule's
// preview: the form does not know the data's size, and the shape over
// the run is what the preview is for.
const previewStepsPerEpoch = 20

// previewSize is the preview chart's size in pixels.
var previewSize = fyne.NewSize(220, 130)

// schedulePreview draws the form's learning-rate schedule over the run,
// under its field; hidden for a constant rate.
type schedulePreview struct {
	img     *canvas.Image
	note    *widget.Label
	content *fyne.Container
	shown   string // what the image shows, to draw only on a change
}

func newSchedulePreview() *schedulePreview {
	p := &schedulePreview{img: canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))}
	p.img.FillMode = canvas.ImageFillContain
	p.img.SetMinSize(previewSize)
	p.note = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: "captionText"}
	p.content = container.NewVBox(p.img, p.note)
	p.content.Hide()
	return p
}

// show draws cfg's schedule, a valid experiment's; on the UI goroutine (a
// chart this small renders in a few milliseconds).
func (p *schedulePreview) show(cfg training.Config, dark bool) {
	s := cfg.Schedule
	if s.Kind == "" || s.Kind == schedule.Constant {
		p.hide()
		return
	}
	key := fmt.Sprintf("%s %g %d %v", s, cfg.LR, cfg.Epochs, dark)
	if key == p.shown {
		return
	}
	lrs, err := s.Preview(cfg.LR, previewStepsPerEpoch, cfg.Epochs)
	var chart *plots.Chart
	if err == nil {
		x := make([]float64, len(lrs))
		for i := range x {
			x[i] = float64(i+1) / previewStepsPerEpoch
		}
		plot, perr := plots.Curves(plots.CurveOptions{XLabel: "epoch",
			Theme: themeFor(dark)}, plots.Series{Label: s.String(), X: x, Y: lrs})
		if perr == nil {
			chart, perr = plots.Render(plot, plots.Size{Width: int(previewSize.Width), Height: int(previewSize.Height), DPI: plots.DefaultDPI})
		}
		err = perr
	}
	if err != nil {
		p.content.Hide()
		return
	}
	p.shown = key
	p.img.Image = chart.Image
	p.img.Refresh()
	p.note.SetText("")
	if s.Kind == schedule.Plateau {
		p.note.SetText("Plateau lowers the rate when the validation loss stalls, which no preview can know: the run starts at this rate.")
	}
	p.content.Show()
}

// hide hides the preview until the next show.
func (p *schedulePreview) hide() {
	p.content.Hide()
	p.shown = ""
}
