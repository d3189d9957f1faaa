package plots

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Fitting a plot to the size it is drawn at.
//
// gonum/plot lays a plot out while drawing it, and its Ticker interface is
// given an axis's range but never its length, so a ticker cannot know how
// many labels fit. drawPlot, behind Render and Save, therefore fits the
// plot to its canvas before drawing it (fitPlot): it wraps a subtitle to
// the width, measures the plotting area, lets each axis whose tick marker
// is an axisFitter adapt to its length (fewer labels, smaller or tilted
// ones; two class axes of the same classes share a label size), measures
// again and fits again until no axis comes out shorter than it was fitted
// to, draws, and then puts the plot back as it was. A plot drawn by other
// means (p.Draw, p.Save) is drawn unfitted: each marker labels as for an
// axis of unknown length, every class label in full.

// axisFitter is a tick marker that adapts its axis to the length it is
// drawn at.
type axisFitter interface {
	plot.Ticker
	// fitAxis sets a.Tick.Marker, and may change a.Tick.Label, for an axis
	// drawn length points long (the plotting area's width or height) in a
	// chart across points wide (for a y axis) or high (for an x axis).
	fitAxis(a *plot.Axis, length, across vg.Length, horizontal bool)
}

// fitPlot fits p to be drawn on c, and returns the function that undoes
// it.
func fitPlot(p *plot.Plot, c draw.Canvas) (restore func()) {
	xTick, yTick, title := p.X.Tick, p.Y.Tick, p.Title.TextStyle
	restore = func() { p.X.Tick, p.Y.Tick, p.Title.TextStyle = xTick, yTick, title }

	width, height := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	if s, ok := title.Handler.(*subtitled); ok {
		p.Title.TextStyle.Handler = s.fit(width, height)
	}
	fx, okX := xTick.Marker.(axisFitter)
	fy, okY := yTick.Marker.(axisFitter)
	if !okX && !okY {
		return restore
	}
	measure := func() (w, h vg.Length) {
		dc := p.DataCanvas(c)
		return max(dc.Max.X-dc.Min.X, 0), max(dc.Max.Y-dc.Min.Y, 0)
	}
	fitTo := func(w, h vg.Length) {
		p.X.Tick, p.Y.Tick = xTick, yTick
		if okX {
			fx.fitAxis(&p.X, w, height, true)
		}
		if okY {
			fy.fitAxis(&p.Y, h, width, false)
		}
		shareClassLabels(p, w, h, width, height)
	}

	// Fit to the lengths measured, and measure again: a fit is good if no
	// axis came out shorter than it was fitted to. Where the axes came out
	// longer (tilted labels take height, smaller ones less), fit again to
	// use the room; where shorter, fit to the shorter length. Fitting to
	// shorter axes only takes labels away or makes them smaller, so this
	// settles in a round or two.
	const slack = 0.01 // points
	w, h := measure()
	goodW, goodH := vg.Length(-1), vg.Length(-1)
	for range 4 {
		fitTo(w, h)
		mw, mh := measure()
		if mw >= w-slack && mh >= h-slack {
			goodW, goodH = w, h
			if mw <= w+slack && mh <= h+slack {
				return restore
			}
			w, h = mw, mh
			continue
		}
		w, h = min(w, mw), min(h, mh)
	}
	if goodW >= 0 {
		w, h = goodW, goodH
	}
	fitTo(w, h)
	return restore
}

// labelGap is the least space between two tick labels, as a fraction of
// their font size.
const labelGap = 0.25

// labelsFit reports whether the labels of ticks, drawn with a's tick label
// style along an axis length long, keep clear of each other. Labels side
// by side need their half widths apart; stacked or tilted ones, their
// height measured across their direction.
func labelsFit(a *plot.Axis, ticks []plot.Tick, length vg.Length, horizontal bool) bool {
	sty := a.Tick.Label
	need := sty.Height("0") + labelGap*sty.Font.Size
	type label struct{ pos, width vg.Length }
	var labels []label
	for _, tk := range ticks {
		if tk.Label == "" {
			continue
		}
		f := a.Norm(tk.Value)
		if f < -1e-9 || f > 1+1e-9 {
			continue // gonum/plot does not draw it
		}
		labels = append(labels, label{pos: vg.Length(f) * length, width: sty.Width(tk.Label)})
	}
	slices.SortFunc(labels, func(a, b label) int { return cmp.Compare(a.pos, b.pos) })

	sin, cos := math.Sincos(sty.Rotation)
	across := vg.Length(math.Abs(cos)) // fraction of the spacing between stacked labels
	if horizontal {
		across = vg.Length(math.Abs(sin))
	}
	for i := 1; i < len(labels); i++ {
		d := labels[i].pos - labels[i-1].pos
		switch {
		case horizontal && across < 1e-6: // side by side
			if d < (labels[i].width+labels[i-1].width)/2+labelGap*sty.Font.Size {
				return false
			}
		case d*across < need:
			return false
		}
	}
	return true
}

// fitAxis implements axisFitter: it lowers the number of labelled ticks
// until their labels fit.
func (t linearTicks) fitAxis(a *plot.Axis, length, _ vg.Length, horizontal bool) {
	for target := t.Target; target > 2; target-- {
		m := linearTicks{Target: target}
		if labelsFit(a, m.Ticks(a.Min, a.Max), length, horizontal) {
			a.Tick.Marker = m
			return
		}
	}
	a.Tick.Marker = linearTicks{Target: 2}
}

// minDecade is the shortest decade, in points, that shows the ticks at
// 2…9 times its power of ten; on shorter ones they would run together.
const minDecade = 24

// logSteps are the numbers of decades between labels a fitted log axis
// tries, in order.
var logSteps = []int{1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000}

// fitAxis implements axisFitter: it keeps the rule of labelled where its
// labels fit and labels every decade, every second, third, fifth, … where
// they do not.
func (logTicks) fitAxis(a *plot.Axis, length, _ vg.Length, horizontal bool) {
	if !(a.Min > 0) || !(a.Max > a.Min) || !finite(a.Max) {
		return
	}
	sparse := float64(length)/math.Log10(a.Max/a.Min) < minDecade
	m := logTicks{sparse: sparse}
	if labelsFit(a, m.Ticks(a.Min, a.Max), length, horizontal) {
		a.Tick.Marker = m
		return
	}
	for _, every := range logSteps {
		m = logTicks{every: every, sparse: sparse}
		if labelsFit(a, m.Ticks(a.Min, a.Max), length, horizontal) {
			break
		}
	}
	a.Tick.Marker = m
}
