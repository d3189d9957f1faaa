package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Secondary is a series drawn against its own y axis on the right, e.g.
// the learning rate over a run: a dashed line in its colour, which the
// axis line, ticks and label share. The axis spans the series' values,
// widened as an automatic y range is (a constant by a tenth each way, or
// a factor of 2 on a log axis, so that it draws as a flat line about
// halfway up). It shares the chart's x axis, whose range it never
// changes: points outside it are clipped away. Non-finite points (and,
// with LogY, values ≤ 0) are dropped.
type Secondary struct {
	Label string // axis label and legend entry, e.g. "learning rate"
	X, Y  []float64
	LogY  bool // log scale on the right axis (values ≤ 0 dropped)
	Color int  // palette index (Theme.Color)
}

// secondaryRightAxis is written after a Secondary's label in the legend.
const secondaryRightAxis = " (right axis)"

// Line style of a Secondary series, in points: thinner than a curve and
// dashed, so that it reads as the backdrop to the curves it explains.
const (
	secondaryWidth    = 1.25
	secondaryAxisGap  = 3 // between the plotting area and the right axis, as newPlot pads the left one
	secondaryAxisLine = 0.75
)

// secondary draws a Secondary series: its line, scaled to its own range
// (that of all its drawable points, widened as an automatic primary y
// range is), and its axis right of the plotting area, the axis line,
// ticks and label in the series' colour. It is not a plot.DataRanger, so
// that the chart's axes keep their ranges; its glyph boxes make the plot
// leave room on the right for its axis.
type secondary struct {
	line  *curve // drawn against scale's axis
	scale *sideScale
}

// newSecondary returns s drawn in th, or an error if its X and Y differ
// in length.
func newSecondary(th Theme, s Secondary) (*secondary, error) {
	if len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("plots: secondary series %q has %d x values and %d y values, want as many of each", s.Label, len(s.X), len(s.Y))
	}
	xs, ys := keepDrawable(s.X, s.Y, s.LogY)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, y := range ys {
		lo, hi = math.Min(lo, y), math.Max(hi, y)
	}
	var ticks axisFitter = linearTicks{Target: 5}
	if s.LogY {
		ticks = logTicks{}
	}
	lo, hi = autoRange(lo, hi, s.LogY, ticks)

	col := th.Color(s.Color)
	axis := draw.LineStyle{Color: col, Width: vg.Points(secondaryAxisLine)}
	at := vg.Points(secondaryAxisGap + secondaryAxisLine/2)
	scale := newSideScale(lo, hi, ticks, s.Label, at, at, axis, th.Foreground, col)
	c := &curve{
		xs: xs, ys: ys, y: &scale.axis, weight: 1,
		line: draw.LineStyle{Color: col, Width: vg.Points(secondaryWidth), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}},
	}
	if len(xs) == 1 { // a single point draws no line
		c.marker = &draw.GlyphStyle{Color: col, Radius: vg.Points(markerRadius), Shape: draw.CircleGlyph{}}
	}
	return &secondary{line: c, scale: scale}, nil
}

// Plot implements plot.Plotter.
func (s *secondary) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	s.line.Plot(dc, p)
	x := dc.Max.X + s.scale.tickAt
	dc.StrokeLine2(s.scale.tick, x, dc.Min.Y, x, dc.Max.Y)
	s.scale.draw(dc)
}

// GlyphBoxes implements plot.GlyphBoxer: the room for the right axis.
func (s *secondary) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return s.scale.boxes }

// appendDrawn implements obstacle.
func (s *secondary) appendDrawn(drawn []drawnCurve, dc draw.Canvas, p *plot.Plot) []drawnCurve {
	return s.line.appendDrawn(drawn, dc, p)
}
