package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"

	"github.com/neuralworkbench/workbench/plots"
)

// chartControls are the controls of a chartOptions: the x-axis unit, a
// log scale for losses, ignoring outliers and the smoothing. The Training
// and Runs tabs each have a set, so that their curves read the same way.
type chartControls struct {
	axis      *widget.Select
	logLoss   *widget.Check
	outliers  *widget.Check
	lr        *widget.Check // the learning rate on a right-hand axis; nil where not offered
	smoothing *widget.Slider
	smoothLbl *widget.Label
	content   fyne.CanvasObject // the controls in a row
}

// newChartControls makes controls showing o; every change is handed to
// set, which applies it to its owner's options and redraws. withLR offers
// the learning rate on a right-hand axis.
func newChartControls(o chartOptions, set func(func(*chartOptions)), withLR bool) *chartControls {
	c := &chartControls{
		axis: &widget.Select{Options: []string{axisStep, axisEpoch, axisSeconds}, Selected: o.axis, OnChanged: func(s string) {
			set(func(o *chartOptions) { o.axis = s })
		}},
		logLoss:   &widget.Check{Text: "Log loss", Checked: o.logLoss, OnChanged: func(on bool) { set(func(o *chartOptions) { o.logLoss = on }) }},
		outliers:  &widget.Check{Text: "Ignore outliers", Checked: o.ignoreOutliers, OnChanged: func(on bool) { set(func(o *chartOptions) { o.ignoreOutliers = on }) }},
		smoothLbl: widget.NewLabel(fmt.Sprintf("%.2f", o.smoothing)),
	}
	c.smoothing = &widget.Slider{Min: 0, Max: 0.99, Step: 0.01, Value: o.smoothing, OnChanged: func(v float64) {
		c.smoothLbl.SetText(fmt.Sprintf("%.2f", v))
		set(func(o *chartOptions) { o.smoothing = v })
	}}
	smoothing := container.NewBorder(nil, nil, widget.NewLabel("Smoothing"), c.smoothLbl, c.smoothing)
	left := container.NewHBox(widget.NewLabel("x-axis"), c.axis, c.logLoss, c.outliers)
	if withLR {
		c.lr = &widget.Check{Text: "LR", Checked: o.showLR, OnChanged: func(on bool) { set(func(o *chartOptions) { o.showLR = on }) }}
		left.Add(c.lr)
	}
	c.content = container.NewBorder(nil, nil, left, nil, smoothing)
	return c
}

// xLabel names an x-axis unit on a chart.
func xLabel(axis string) string {
	return map[string]string{axisStep: "step (batch)", axisEpoch: "epoch", axisSeconds: "seconds"}[axis]
}

// savePlot asks where to save a chart, as PNG or SVG (by the file's
// extension), and in which theme (light by default: it prints well), then
// saves it. build makes the chart in a theme; when it fails at once
// (there is nothing to save yet) its error is shown instead.
func savePlot(win fyne.Window, name string, build func(dark bool) (*plot.Plot, plots.Size, error)) {
	if _, _, err := build(false); err != nil {
		showError(win, err)
		return
	}
	themes := widget.NewRadioGroup([]string{exportLight, exportDark}, nil)
	themes.Horizontal = true
	themes.SetSelected(exportLight)
	saveFile(win, name, []string{".png", ".svg"}, container.NewHBox(widget.NewLabel("Theme"), themes), func(path string) error {
		p, size, err := build(themes.Selected == exportDark)
		if err != nil {
			return err
		}
		return plots.Save(p, path, size)
	})
}
