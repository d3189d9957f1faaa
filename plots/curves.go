package plots

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one line of a chart.
type Series struct {
	Label string
	X, Y  []float64
	Color int // palette index, see Theme.Color

	Dashed bool
	// Points draws a marker at each point, for values that exist once per
	// epoch such as validation metrics. Such series are never smoothed.
	Points bool
}

// CurveOptions configure a line chart.
type CurveOptions struct {
	Title, XLabel, YLabel string

	// LogY draws the y axis on a log scale; values ≤ 0 are dropped.
	LogY bool

	// Smoothing, from 0 to 0.99, draws each series smoothed with EMA and
	// the raw series faintly behind it: same colour at 30% opacity, a pixel
	// wide. 0 draws only the raw series. Series with Points are never
	// smoothed.
	Smoothing float64

	// YMin and YMax fix the y range if YMin < YMax (e.g. 0..1 for accuracy;
	// on a log axis only if YMin > 0); otherwise it fits the data.
	YMin, YMax float64

	// IgnoreOutliers fits an automatic y range to the bulk of the data
	// rather than all of it, as TensorBoard's "ignore outliers in chart
	// scaling" does, so that one spike (a loss of 1e6 for a step) does not
	// flatten the rest of the run into a line. The bulk is the range from
	// the 5th to the 95th percentile of the measured values (every series'
	// points as given), and the values beyond it by less than its span
	// (see bulkRange). Lines beyond it run off the edge of the plotting
	// area; markers beyond it are not drawn.
	IgnoreOutliers bool

	// Markers are labelled vertical lines across the plotting area, such
	// as the steps at which a hyperparameter was changed mid-run: dashed
	// and faint, each label near the top beside its line on a box of the
	// background colour. Labels of markers close together are staggered
	// downwards, go left of their lines at the right edge, and keep clear
	// of the legend; one with no room left on a small chart is left out.
	// Markers outside the x axis's range, which is fitted to the series
	// and never to the markers, are not drawn. Marker.Y is not used.
	Markers []Marker

	// Secondary, if not nil, is drawn against its own y axis on the right,
	// such as the learning rate over the run, and listed in the legend as
	// its Label and " (right axis)". It does not change the x and y axes'
	// ranges, and Chart's mapping between pixels and data is to them.
	Secondary *Secondary

	Theme Theme
}

// Line styles of the curves, in points.
const (
	lineWidth    = 1.5
	rawLineWidth = 0.75
	rawAlpha     = 0.3 // opacity of the raw series behind a smoothed one
	markerRadius = 2.5
)

// Curves builds a line chart of the series, with the markers and secondary
// series of opts. Non-finite points (a diverged run) and, on a log axis,
// values ≤ 0 are dropped, never an error; an empty chart (no points yet)
// still draws its title and axes over a default range. The legend, drawn
// when more than one series (the secondary one included) has a label, goes
// in the corner of the plotting area that covers the least data and
// marker labels, top right when that is free. The only error is a series,
// or the secondary one, whose X and Y differ in length.
func Curves(opts CurveOptions, series ...Series) (*plot.Plot, error) {
	th := opts.Theme.withDefaults()
	p := th.newPlot(opts.Title, opts.XLabel, opts.YLabel)
	p.X.Tick.Marker = linearTicks{Target: 7}
	p.Y.Tick.Marker = linearTicks{Target: 5}
	if opts.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	p.Add(th.grid(true, true))

	// Behind the curves: the markers' lines, then the secondary series.
	mk := newMarkers(th, opts.Markers)
	if mk != nil {
		p.Add(mk.lines())
	}
	var sec *secondary
	if opts.Secondary != nil {
		var err error
		if sec, err = newSecondary(th, *opts.Secondary); err != nil {
			return nil, err
		}
		p.Add(sec)
	}

	var (
		raws, mains []*curve
		measured    []float64 // every drawable y, unsmoothed
	)
	leg := &legend{theme: th}
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: series %d (%q) has %d x values and %d y values, want as many of each", i, s.Label, len(s.X), len(s.Y))
		}
		xs, ys := keepDrawable(s.X, s.Y, opts.LogY)
		measured = append(measured, ys...)
		col := th.Color(s.Color)
		c := &curve{xs: xs, ys: ys, line: draw.LineStyle{Color: col, Width: vg.Points(lineWidth)}, weight: 1}
		if s.Dashed {
			c.line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		if s.Points || len(xs) == 1 { // a single point draws no line
			c.marker = &draw.GlyphStyle{Color: col, Radius: vg.Points(markerRadius), Shape: draw.CircleGlyph{}}
		}
		if opts.smooths(s, len(xs)) {
			raws = append(raws, &curve{
				xs:     xs,
				ys:     ys,
				line:   draw.LineStyle{Color: withAlpha(col, rawAlpha), Width: vg.Points(rawLineWidth)},
				weight: 0.3,
			})
			c.ys = EMA(ys, opts.Smoothing)
		}
		mains = append(mains, c)
		if s.Label != "" {
			leg.entries = append(leg.entries, legendEntry{label: s.Label, curve: c})
		}
	}
	// Raw curves go behind every smoothed one.
	all := append(raws, mains...)
	for _, c := range all {
		p.Add(c)
		leg.keepClear = append(leg.keepClear, c)
	}
	setCurveRanges(p, all, measured, opts)
	if sec != nil {
		leg.keepClear = append(leg.keepClear, sec)
		if opts.Secondary.Label != "" {
			leg.entries = append(leg.entries, legendEntry{label: opts.Secondary.Label + secondaryRightAxis, curve: sec.line})
		}
	}
	// Over the curves: the markers' labels, then the legend, which the
	// markers draw where there are any.
	if mk != nil {
		p.Add(mk)
		leg.keepClear = append(leg.keepClear, mk)
	}
	switch {
	case len(leg.entries) < 2:
	case mk != nil:
		mk.legend = leg
	default:
		p.Add(leg)
	}
	return p, nil
}

// Line returns the points of the line Curves draws for s under o, in
// full colour: s's points less the non-finite ones (and, on a log axis,
// those ≤ 0), smoothed with EMA where o smooths s. A GUI that marks the
// point under the pointer takes its y from here and places the mark with
// Chart.PixelAt, so that the mark sits on the line: an EMA of s.Y itself
// differs from the line where Curves drops points before smoothing (a loss
// of 0 on a log axis). Of a series whose X and Y differ in length, which
// Curves refuses, it takes the points both have.
func (o CurveOptions) Line(s Series) (x, y []float64) {
	x, y = keepDrawable(s.X, s.Y, o.LogY)
	if o.smooths(s, len(x)) {
		y = EMA(y, o.Smoothing)
	}
	return x, y
}

// smooths reports whether Curves smooths series s, of n drawable points.
func (o CurveOptions) smooths(s Series, n int) bool {
	return o.Smoothing > 0 && !s.Points && n > 1
}

// keepDrawable returns the points of x, y that can be drawn: finite, and
// positive on a log axis.
func keepDrawable(x, y []float64, logY bool) (xs, ys []float64) {
	x, y = x[:min(len(x), len(y))], y[:min(len(x), len(y))]
	xs, ys = make([]float64, 0, len(x)), make([]float64, 0, len(y))
	for i := range x {
		if !finite(x[i]) || !finite(y[i]) || (logY && y[i] <= 0) {
			continue
		}
		xs = append(xs, x[i])
		ys = append(ys, y[i])
	}
	return xs, ys
}

// setCurveRanges sets the axis ranges of a line chart: the data's (with
// IgnoreOutliers, the y range of the bulk of the measured values), or the
// fixed y range, widened where the data is a single value, and a default
// where there is no data; an automatic range is widened to the labelled
// ticks just outside it when they are close.
func setCurveRanges(p *plot.Plot, curves []*curve, measured []float64, opts CurveOptions) {
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		x0, x1, y0, y1 := c.DataRange()
		xmin, xmax = math.Min(xmin, x0), math.Max(xmax, x1)
		ymin, ymax = math.Min(ymin, y0), math.Max(ymax, y1)
	}
	if opts.IgnoreOutliers && len(measured) > 0 {
		lo, hi := bulkRange(measured, opts.LogY)
		ymin, ymax = math.Max(ymin, lo), math.Min(ymax, hi)
	}

	switch {
	case xmin > xmax: // no data
		xmin, xmax = 0, 1
	case xmin == xmax:
		lo := xmin - 1
		if xmin >= 0 { // keep a step or epoch axis non-negative
			lo = math.Max(0, lo)
		}
		xmin, xmax = lo, xmax+1
	}

	if opts.YMin < opts.YMax && (!opts.LogY || opts.YMin > 0) {
		ymin, ymax = opts.YMin, opts.YMax
	} else {
		ymin, ymax = autoRange(ymin, ymax, opts.LogY, p.Y.Tick.Marker)
	}
	p.X.Min, p.X.Max = niceRange(xmin, xmax, p.X.Tick.Marker)
	p.Y.Min, p.Y.Max = ymin, ymax
}

// autoRange returns the automatic y range of data from lo to hi, on a log
// axis if log: a default where there is no data (lo > hi), widened where
// it is a single value, and widened to the labelled ticks of ticks just
// outside it where they are close (niceRange).
func autoRange(lo, hi float64, log bool, ticks plot.Ticker) (float64, float64) {
	switch {
	case lo > hi && log:
		lo, hi = 0.1, 1
	case lo > hi:
		lo, hi = 0, 1
	case lo == hi && log:
		lo, hi = lo/2, hi*2
	case lo == hi:
		d := math.Abs(lo) / 10
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	return niceRange(lo, hi, ticks)
}

// curve draws one series as a line, markers or both. Long lines are thinned
// to the plotting area's width in pixels when drawn.
type curve struct {
	xs, ys []float64  // drawable points
	y      *plot.Axis // the y axis it is drawn against; nil for the plot's
	line   draw.LineStyle
	marker *draw.GlyphStyle // nil: no markers

	// weight is how much covering this curve with the legend matters.
	weight float64
}

// DataRange implements plot.DataRanger.
func (c *curve) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for i := range c.xs {
		xmin, xmax = math.Min(xmin, c.xs[i]), math.Max(xmax, c.xs[i])
		ymin, ymax = math.Min(ymin, c.ys[i]), math.Max(ymax, c.ys[i])
	}
	return xmin, xmax, ymin, ymax
}

// points returns the curve's points in the coordinates of dc, thinned,
// unless it has markers, to pixelsPerColumn device pixels per column.
func (c *curve) points(dc draw.Canvas, p *plot.Plot, pixelsPerColumn float64) []vg.Point {
	xs, ys := c.xs, c.ys
	if c.marker == nil {
		cols := int(math.Ceil(float64(dc.Max.X-dc.Min.X) * deviceDPI(dc) / 72 / pixelsPerColumn))
		if len(xs) > 2*cols+2 {
			xs, ys = Thin(xs, ys, cols)
		}
	}
	trX, trY := p.Transforms(&dc)
	if c.y != nil {
		trY = func(v float64) vg.Length { return dc.Y(c.y.Norm(v)) }
	}
	pts := make([]vg.Point, len(xs))
	for i := range xs {
		pts[i] = vg.Point{X: trX(xs[i]), Y: trY(ys[i])}
	}
	return pts
}

// Plot implements plot.Plotter.
func (c *curve) Plot(dc draw.Canvas, p *plot.Plot) {
	pts := c.points(dc, p, 1)
	if c.line.Width > 0 && len(pts) > 1 {
		for _, l := range dc.ClipLinesXY(pts) {
			strokeChunked(dc, c.line, l)
		}
	}
	if c.marker != nil {
		for _, pt := range pts {
			if dc.Contains(pt) {
				dc.DrawGlyph(*c.marker, pt)
			}
		}
	}
}

// strokeChunk is the number of segments stroked at once by strokeChunked.
const strokeChunk = 32

// strokeChunked strokes the polyline pts in pieces of strokeChunk segments.
// The rasteriser under gonum/plot's image backend keeps each pixel row's
// cells in a list it searches linearly, so one long, noisy polyline costs
// time quadratic in its crossings of a row; short pieces keep the lists
// short. An opaque line's pieces overlap by a segment so that the joins
// between them stay round; a translucent one's do not, as the overlap would
// show darker. Dashes continue across pieces.
func strokeChunked(dc draw.Canvas, sty draw.LineStyle, pts []vg.Point) {
	overlap := 0
	if _, _, _, a := sty.Color.RGBA(); a == 0xffff {
		overlap = 1
	}
	var along vg.Length // path length before the current piece
	for start := 0; start < len(pts)-1; start += strokeChunk {
		end := min(start+strokeChunk, len(pts)-1)
		s := sty
		if len(s.Dashes) > 0 {
			s.DashOffs = sty.DashOffs + along
			for i := start + 1; i <= end; i++ {
				along += vg.Length(math.Hypot(float64(pts[i].X-pts[i-1].X), float64(pts[i].Y-pts[i-1].Y)))
			}
		}
		dc.StrokeLines(s, pts[start:min(end+overlap, len(pts)-1)+1])
	}
}

// GlyphBoxes implements plot.GlyphBoxer, so that the plotting area leaves
// room for the line's width or the markers at the data's extremes. Only the
// extreme points can reach the edge, so only they are returned.
func (c *curve) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	if len(c.xs) == 0 {
		return nil
	}
	r := c.line.Width / 2
	if c.marker != nil {
		r = max(r, c.marker.Radius)
	}
	box := vg.Rectangle{Min: vg.Point{X: -r, Y: -r}, Max: vg.Point{X: r, Y: r}}
	var lo, hi, left, right int
	for i := range c.xs {
		if c.ys[i] < c.ys[lo] {
			lo = i
		}
		if c.ys[i] > c.ys[hi] {
			hi = i
		}
		if c.xs[i] < c.xs[left] {
			left = i
		}
		if c.xs[i] > c.xs[right] {
			right = i
		}
	}
	// A point beyond the axes (IgnoreOutliers, a fixed range) is clipped at
	// the edge, where its box belongs.
	clamp := func(v float64) float64 { return math.Min(math.Max(v, 0), 1) }
	boxes := make([]plot.GlyphBox, 0, 4)
	for _, i := range []int{lo, hi, left, right} {
		boxes = append(boxes, plot.GlyphBox{X: clamp(p.X.Norm(c.xs[i])), Y: clamp(p.Y.Norm(c.ys[i])), Rectangle: box})
	}
	return boxes
}

// outlierMargin is how far beyond the 5th to 95th percentile range
// bulkRange still counts values as the bulk, as a fraction of that range's
// span.
const outlierMargin = 1.0

// bulkRange returns the y range of the bulk of ys, for IgnoreOutliers: the
// range of the values that lie within the 5th to 95th percentile widened
// on each side by outlierMargin of its span (by a tenth of the value, or a
// factor of 2 on a log axis, where that span is 0). On a log axis it works
// on log10 of ys, which must then be positive.
//
// The percentiles are the nearest ranks inside them, not interpolated, so
// that a lone spike stays out of a short run's bulk: of 20 points the
// largest is always left out. TensorBoard interpolates (d3.quantile),
// takes the range of the values between the percentiles themselves, pads
// it by 10% on each side, and takes the values from the smoothed line
// where smoothing is on. That cuts off the start of an ordinary training
// run, the highest 5% of its loss, and a smoothed spike spreads over many
// points; so this takes the measured values, which smoothing cannot
// spread, and counts values well beyond the percentiles (a margin of the
// whole span, about 2.5 interquartile ranges for normal noise) as the
// bulk: a run without outliers keeps its whole range, and a step at 1e6
// in a loss falling from 2.3 to 0.1 stays out.
func bulkRange(ys []float64, logY bool) (lo, hi float64) {
	v := make([]float64, len(ys))
	for i, y := range ys {
		if logY {
			y = math.Log10(y)
		}
		v[i] = y
	}
	slices.Sort(v)
	n := float64(len(v) - 1)
	q05, q95 := v[int(math.Ceil(0.05*n))], v[int(math.Floor(0.95*n))]
	m := outlierMargin * (q95 - q05)
	switch {
	case m > 0:
	case logY:
		m = math.Log10(2)
	case q05 != 0:
		m = math.Abs(q05) / 10
	default:
		m = 1
	}
	// The values within the margin, which include q05 and q95.
	i, _ := slices.BinarySearch(v, q05-m)
	j, found := slices.BinarySearch(v, q95+m)
	if found {
		for j+1 < len(v) && v[j+1] == v[j] {
			j++
		}
	} else {
		j--
	}
	lo, hi = v[i], v[j]
	if logY {
		return math.Pow(10, lo), math.Pow(10, hi)
	}
	return lo, hi
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (c *curve) Thumbnail(dc *draw.Canvas) {
	y := dc.Center().Y
	if c.line.Width > 0 {
		dc.StrokeLine2(c.line, dc.Min.X, y, dc.Max.X, y)
	}
	if c.marker != nil {
		dc.DrawGlyph(*c.marker, dc.Center())
	}
}

// deviceDPI returns the resolution of the device under dc, or 96 for a
// vector canvas.
func deviceDPI(dc draw.Canvas) float64 {
	var c vg.Canvas = dc
	for {
		switch v := c.(type) {
		case interface{ DPI() float64 }:
			return v.DPI()
		case draw.Canvas:
			c = v.Canvas
		case *draw.Canvas:
			c = v.Canvas
		default:
			return DefaultDPI
		}
	}
}

// legend draws the legend of a line chart in a box, in the corner of the
// plotting area where it covers the least of what is drawn there.
type legend struct {
	theme     Theme
	entries   []legendEntry
	keepClear []obstacle // everything drawn in the plotting area
}

// obstacle is something drawn in the plotting area that a legend keeps
// clear of.
type obstacle interface {
	// appendDrawn appends to drawn what it draws in dc, as curves.
	appendDrawn(drawn []drawnCurve, dc draw.Canvas, p *plot.Plot) []drawnCurve
}

// appendDrawn implements obstacle.
func (c *curve) appendDrawn(drawn []drawnCurve, dc draw.Canvas, p *plot.Plot) []drawnCurve {
	return append(drawn, drawnCurve{points: c.points(dc, p, 4), markers: c.marker != nil, weight: c.weight})
}

type legendEntry struct {
	label string
	curve *curve
}

// Plot implements plot.Plotter.
func (l *legend) Plot(dc draw.Canvas, p *plot.Plot) {
	if b, ok := l.place(dc, p); ok {
		b.draw(dc, l.theme, 1)
	}
}

// place lays the legend out in dc, in the corner that covers the least of
// what is drawn; ok is false where it does not fit.
func (l *legend) place(dc draw.Canvas, p *plot.Plot) (b legendBox, ok bool) {
	drawn := make([]drawnCurve, 0, len(l.keepClear))
	for _, o := range l.keepClear {
		drawn = o.appendDrawn(drawn, dc, p)
	}
	return placeLegend(dc, l.theme, drawn, func(lg *plot.Legend) {
		for _, e := range l.entries {
			lg.Add(e.label, e.curve)
		}
	})
}

// legendBox is a legend laid out in a box in a corner of a plotting area.
type legendBox struct {
	lg  plot.Legend
	box vg.Rectangle
}

// legendPad is the room around a legend inside its box, in points.
const legendPad = 5

// drawLegendBox draws a legend, its entries added by add, in a box of the
// background colour at opacity alpha, in the corner of dc that covers the
// least of what is drawn (see placeLegend).
func drawLegendBox(dc draw.Canvas, th Theme, alpha float64, drawn []drawnCurve, add func(*plot.Legend)) {
	if b, ok := placeLegend(dc, th, drawn, add); ok {
		b.draw(dc, th, alpha)
	}
}

// placeLegend lays out a legend, its entries added by add, in the corner
// of dc that covers the least of what is drawn (right top on a tie, then
// right bottom, left top, left bottom). ok is false where the box would
// not fit.
func placeLegend(dc draw.Canvas, th Theme, drawn []drawnCurve, add func(*plot.Legend)) (b legendBox, ok bool) {
	lg := plot.NewLegend()
	lg.TextStyle.Color = th.Foreground
	lg.TextStyle.Font = font.From(sans, legendSize)
	lg.ThumbnailWidth = vg.Points(18)
	lg.Padding = vg.Points(2)
	lg.Top = true
	add(&lg)
	var (
		pad     = vg.Points(legendPad)
		inset   = vg.Points(4)
		descent = lg.TextStyle.FontExtents().Descent
		size    = lg.Rectangle(dc).Size()
		w       = size.X + 2*pad
		h       = size.Y + 2*pad + descent
	)
	if w > dc.Max.X-dc.Min.X-2*inset || h > dc.Max.Y-dc.Min.Y-2*inset {
		return legendBox{}, false // a legend larger than the plot would hide it
	}
	left, right := dc.Min.X+inset, dc.Max.X-inset-w
	top, bottom := dc.Max.Y-inset-h, dc.Min.Y+inset
	var boxes []vg.Rectangle
	for _, corner := range []vg.Point{{X: right, Y: top}, {X: right, Y: bottom}, {X: left, Y: top}, {X: left, Y: bottom}} {
		boxes = append(boxes, vg.Rectangle{Min: corner, Max: vg.Point{X: corner.X + w, Y: corner.Y + h}})
	}
	best := leastCovered(boxes, drawn)
	lg.Left = best >= 2
	return legendBox{lg: lg, box: boxes[best]}, true
}

// draw draws the legend on a box of the background colour at opacity
// alpha.
func (b legendBox) draw(dc draw.Canvas, th Theme, alpha float64) {
	box, pad := b.box, vg.Points(legendPad)
	outline := rectPoints(box)
	dc.FillPolygon(withAlpha(th.Background, alpha), outline)
	dc.StrokeLines(draw.LineStyle{Color: th.Grid, Width: vg.Points(0.75)}, append(outline, box.Min))
	b.lg.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: box.Min.X + pad, Y: box.Min.Y + pad},
		Max: vg.Point{X: box.Max.X - pad, Y: box.Max.Y - pad},
	}})
}

// drawnCurve is a curve as drawn, in canvas coordinates.
type drawnCurve struct {
	points  []vg.Point
	markers bool
	weight  float64 // how much covering it matters
}

// leastCovered returns the index of the box that covers the least of the
// curves, the first of equals.
func leastCovered(boxes []vg.Rectangle, curves []drawnCurve) int {
	best, bestScore := 0, math.Inf(1)
	for i, box := range boxes {
		var score float64
		for _, c := range curves {
			score += c.weight * covered(c.points, c.markers, box)
		}
		if score < bestScore-1e-9 {
			best, bestScore = i, score
		}
	}
	return best
}

// covered returns how much of a drawn curve lies in r: the length of its
// line inside r, plus a marker's size for each marker inside r.
func covered(pts []vg.Point, markers bool, r vg.Rectangle) float64 {
	const markerCost = 2 * markerRadius
	var sum float64
	for i, pt := range pts {
		if (markers || len(pts) == 1) && inside(pt, r) {
			sum += markerCost
		}
		if i > 0 {
			sum += clippedLength(pts[i-1], pt, r)
		}
	}
	return sum
}

func inside(pt vg.Point, r vg.Rectangle) bool {
	return pt.X >= r.Min.X && pt.X <= r.Max.X && pt.Y >= r.Min.Y && pt.Y <= r.Max.Y
}

// clippedLength returns the length of the segment from a to b inside r
// (Liang–Barsky clipping).
func clippedLength(a, b vg.Point, r vg.Rectangle) float64 {
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{
		{-dx, float64(a.X - r.Min.X)},
		{dx, float64(r.Max.X - a.X)},
		{-dy, float64(a.Y - r.Min.Y)},
		{dy, float64(r.Max.Y - a.Y)},
	} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return 0
		}
	}
	return (t1 - t0) * math.Hypot(dx, dy)
}
