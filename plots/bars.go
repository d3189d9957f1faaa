package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// probabilityTolerance is how far outside [0, 1] a probability may stray
// through rounding (a float32 softmax) before Bars calls it an error.
const probabilityTolerance = 1e-3

// Bars builds a horizontal bar chart of class probabilities: one bar per
// label, top to bottom in label order, each annotated with its percentage.
// The bar at index highlight (the prediction) is drawn in the accent colour,
// Palette[0], and the others muted; a highlight outside the labels
// highlights none. Values must be probabilities: finite and in [0, 1] (up to
// rounding); there must be one per label and at least one label.
//
// On the chart, class i is drawn at y = i (Chart.DataAt rounds to it).
func Bars(title string, labels []string, values []float64, highlight int, theme Theme) (*plot.Plot, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("plots: Bars %q: no classes", title)
	}
	if len(values) != len(labels) {
		return nil, fmt.Errorf("plots: Bars %q: %d values for %d labels, want one per label", title, len(values), len(labels))
	}
	vs := make([]float64, len(values))
	for i, v := range values {
		if !finite(v) || v < -probabilityTolerance || v > 1+probabilityTolerance {
			return nil, fmt.Errorf("plots: Bars %q: value %d (%s) is %v, want a probability in [0, 1]", title, i, labels[i], v)
		}
		vs[i] = math.Min(math.Max(v, 0), 1)
	}

	th := theme.withDefaults()
	p := th.newPlot(title, "probability", "class")
	p.X.Min, p.X.Max = 0, 1
	p.X.Tick.Marker = percentTicks
	setClassAxis(&p.Y, labels, true)
	p.Add(th.grid(true, false))
	p.Add(&bars{values: vs, highlight: highlight, theme: th})
	return p, nil
}

// percentTicks marks a 0..1 axis in percent.
var percentTicks = plot.ConstantTicks{
	{Value: 0, Label: "0%"}, {Value: 0.1}, {Value: 0.2, Label: "20%"}, {Value: 0.3},
	{Value: 0.4, Label: "40%"}, {Value: 0.5}, {Value: 0.6, Label: "60%"}, {Value: 0.7},
	{Value: 0.8, Label: "80%"}, {Value: 0.9}, {Value: 1, Label: "100%"},
}

// setClassAxis makes a an axis of class labels: class i at i, the range
// one cell wider than the classes, and the first class at the top if down.
func setClassAxis(a *plot.Axis, labels []string, down bool) {
	a.Min, a.Max = -0.5, float64(len(labels))-0.5
	if down {
		a.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	}
	ticks := make(plot.ConstantTicks, len(labels))
	for i, l := range labels {
		ticks[i] = plot.Tick{Value: float64(i), Label: shorten(l, maxLabelRunes)}
	}
	a.Tick.Marker = ticks
	a.Tick.Length = vg.Points(3)
}

// maxLabelRunes is the longest class label drawn in full.
const maxLabelRunes = 14

// shorten cuts s to n runes, ending it with an ellipsis if it was longer.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// percent formats a probability for a bar's annotation.
func percent(v float64) string {
	switch {
	case v == 0:
		return "0%"
	case v == 1:
		return "100%"
	case v < 0.0005:
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

// bars draws the bars of Bars and their annotations.
type bars struct {
	values    []float64
	highlight int
	theme     Theme
}

// barThickness is a bar's thickness as a fraction of its class's slot.
const barThickness = 0.7

// annotationGap separates a bar's end from its annotation.
var annotationGap = vg.Points(4)

func (b *bars) textStyle(i int) text.Style {
	f := sans
	if i == b.highlight {
		f = sansBold
	}
	return text.Style{
		Color:   b.theme.Foreground,
		Font:    font.From(f, annotationSize),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// Plot implements plot.Plotter.
func (b *bars) Plot(dc draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&dc)
	for i, v := range b.values {
		fill := b.theme.muted()
		if i == b.highlight {
			fill = b.theme.Color(0)
		}
		y := float64(i)
		x0, x1 := trX(0), trX(v)
		y0, y1 := trY(y-barThickness/2), trY(y+barThickness/2)
		if x1 > x0 {
			dc.FillPolygon(fill, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		}
		dc.FillText(b.textStyle(i), vg.Point{X: x1 + annotationGap, Y: trY(y)}, percent(v))
	}
}

// DataRange implements plot.DataRanger.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 1, -0.5, float64(len(b.values)) - 0.5
}

// GlyphBoxes implements plot.GlyphBoxer, so that the plotting area leaves
// room for the annotations right of the longest bars.
func (b *bars) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	boxes := make([]plot.GlyphBox, len(b.values))
	for i, v := range b.values {
		r := b.textStyle(i).Rectangle(percent(v))
		r.Min.X += annotationGap
		r.Max.X += annotationGap
		boxes[i] = plot.GlyphBox{X: p.X.Norm(v), Y: p.Y.Norm(float64(i)), Rectangle: r}
	}
	return boxes
}
