package plots

import (
	"cmp"
	"fmt"
	"math"
	"slices"

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
// The chart has no axis titles: the class names and the percentages say
// what the axes are, and small charts need the room. Drawn by Render or
// Save, the class labels and percentages fit the chart's size: smaller
// where the classes are crowded and, where even 7-point type does not fit
// every class (20 classes at 300×220 pixels), only for the classes that
// matter most: the prediction, then the most probable (see classTicks).
// Every class keeps its bar and a tick.
//
// On the chart, class i is drawn at y = i: the class under the pointer is
// the nearest whole number to Chart.DataAt's y, which lets a GUI show the
// name and percentage of a class the chart leaves unlabelled.
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
	p := th.newPlot(title, "", "")
	p.X.Min, p.X.Max = 0, 1
	p.X.Tick.Marker = percentTicks{}
	setClassAxis(&p.Y, labels, true, byProbability(vs, highlight))
	p.Add(th.grid(true, false))
	p.Add(&bars{values: vs, highlight: highlight, theme: th})
	return p, nil
}

// byProbability returns the classes in the order they keep their labels
// when not all fit: the highlighted one, then from the most probable down,
// the first class of equals first.
func byProbability(values []float64, highlight int) []int {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	rank := func(i int) float64 {
		if i == highlight {
			return math.Inf(1)
		}
		return values[i]
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(rank(j), rank(i)) })
	return order
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

// annotations returns the style of each bar's annotation and whether it
// is drawn: those of the classes the fitted class axis labels, in its
// tick label size where that is smaller.
func (b *bars) annotations(p *plot.Plot) (styles []text.Style, drawn []bool) {
	size := font.Length(annotationSize)
	if s := p.Y.Tick.Label.Font.Size; s < size {
		size = s
	}
	ticks, _ := p.Y.Tick.Marker.(classTicks)
	styles, drawn = make([]text.Style, len(b.values)), make([]bool, len(b.values))
	for i := range b.values {
		f := sans
		if i == b.highlight {
			f = sansBold
		}
		styles[i] = text.Style{
			Color:   b.theme.Foreground,
			Font:    font.From(f, size),
			XAlign:  draw.XLeft,
			YAlign:  draw.YCenter,
			Handler: plot.DefaultTextHandler,
		}
		drawn[i] = ticks.shown == nil || ticks.shown[i]
	}
	return styles, drawn
}

// Plot implements plot.Plotter.
func (b *bars) Plot(dc draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&dc)
	styles, drawn := b.annotations(p)
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
		if drawn[i] {
			dc.FillText(styles[i], vg.Point{X: x1 + annotationGap, Y: trY(y)}, percent(v))
		}
	}
}

// DataRange implements plot.DataRanger.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 1, -0.5, float64(len(b.values)) - 0.5
}

// GlyphBoxes implements plot.GlyphBoxer, so that the plotting area leaves
// room for the annotations right of the longest bars.
func (b *bars) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	styles, drawn := b.annotations(p)
	var boxes []plot.GlyphBox
	for i, v := range b.values {
		if !drawn[i] {
			continue
		}
		r := styles[i].Rectangle(percent(v))
		r.Min.X += annotationGap
		r.Max.X += annotationGap
		boxes = append(boxes, plot.GlyphBox{X: p.X.Norm(v), Y: p.Y.Norm(float64(i)), Rectangle: r})
	}
	return boxes
}
