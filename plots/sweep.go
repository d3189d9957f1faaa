package plots

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	imgdraw "image/draw"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The charts of a hyperparameter sweep, a metric (test accuracy, a loss)
// over the settings tried: SweepLine for one setting, SweepHeatmap for two,
// ParallelCoordinates for three or more; and LRFinder, the loss of a
// learning-rate range test.

// SweepLineOptions configure a chart of a metric against one swept setting.
type SweepLineOptions struct {
	Title  string
	XLabel string // the setting, such as "learning rate"
	YLabel string // the metric, such as "test accuracy (%)"

	// X holds the values of a numeric setting, in any order: the points
	// are joined in order of X, and the axis is labelled at the values
	// themselves where their labels fit. LogX spaces them by their
	// logarithm (learning rates, weight decays); they must then be > 0.
	X    []float64
	LogX bool

	// Labels name the values of a categorical setting (optimizers,
	// activations) instead: evenly spaced in the order given, as points
	// that are not joined, as the order of categories means nothing.
	Labels []string

	// Mean holds the metric at each value of the setting, one per X or
	// label; NaN or ±Inf for a setting whose runs diverged.
	Mean []float64

	// SD, if not nil, holds the standard deviation of the metric over the
	// seeds run at each value, one per Mean: an error bar of ±SD is drawn
	// where it is > 0. NaN means none.
	SD []float64

	// LowerIsBetter marks the lowest mean as the best (a loss) rather
	// than the highest (an accuracy).
	LowerIsBetter bool

	Theme Theme
}

// Styles of the sweep charts, in points.
const (
	errorBarWidth = 1
	errorBarCap   = 3   // half width of an error bar's caps
	bestRing      = 5.5 // radius of the ring around the best point
	bestRingWidth = 1.25
)

// SweepLine builds a chart of a metric against one swept setting: a marker
// at each value tried, joined by a line for a numeric setting, with error
// bars of ±SD where given, the best value ringed, and each diverged value
// (a NaN or infinite mean) marked by an × along the bottom of the chart,
// the line broken there. A key above the chart explains the marks.
//
// SweepLine returns an error for no points, X and Labels both given, an X,
// Labels or SD whose length differs from Mean's, an X that is not finite
// or, with LogX, not > 0, LogX with Labels, and an SD that is negative or
// infinite. A non-finite mean is never an error.
func SweepLine(o SweepLineOptions) (*plot.Plot, error) {
	n := len(o.Mean)
	categorical := len(o.Labels) > 0
	fail := func(format string, args ...any) (*plot.Plot, error) {
		return nil, fmt.Errorf("plots: SweepLine %q: "+format, append([]any{o.Title}, args...)...)
	}
	switch {
	case n == 0:
		return fail("no points (Mean is empty)")
	case categorical && len(o.X) > 0:
		return fail("both X and Labels given, want the setting's values as one or the other")
	case categorical && o.LogX:
		return fail("LogX with Labels, want a log axis only for numeric X")
	case categorical && len(o.Labels) != n:
		return fail("%d labels for %d means, want one per mean", len(o.Labels), n)
	case !categorical && len(o.X) != n:
		return fail("%d x values for %d means, want one per mean", len(o.X), n)
	case o.SD != nil && len(o.SD) != n:
		return fail("%d SDs for %d means, want one per mean", len(o.SD), n)
	}
	for i, x := range o.X {
		if !finite(x) || o.LogX && x <= 0 {
			want := "a finite number"
			if o.LogX {
				want = "a finite number > 0 on a log axis (LogX)"
			}
			return fail("x value %d is %v, want %s", i, x, want)
		}
	}
	for i, sd := range o.SD {
		if sd < 0 || math.IsInf(sd, 0) {
			return fail("SD %d is %v, want ≥ 0 (or NaN for none)", i, sd)
		}
	}

	th := o.Theme.withDefaults()
	p := th.newPlot(o.Title, o.XLabel, o.YLabel)
	p.Y.Tick.Marker = linearTicks{Target: 5}

	// The points in the order they are joined.
	order := make([]int, n)
	xs := make([]float64, n)
	for i := range order {
		order[i] = i
		xs[i] = float64(i)
	}
	if categorical {
		setClassAxis(&p.X, o.Labels, false, nil)
		p.Add(th.grid(false, true))
	} else {
		copy(xs, o.X)
		slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(xs[i], xs[j]) })
		setSettingAxis(&p.X, xs, o.LogX)
		p.Add(th.grid(true, true))
	}

	col := th.Color(0)
	marker := draw.GlyphStyle{Color: col, Radius: vg.Points(markerRadius), Shape: draw.CircleGlyph{}}
	line := draw.LineStyle{Color: col, Width: vg.Points(lineWidth)}
	if categorical {
		line.Width = 0
	}
	marks := &sweepMarks{theme: th, best: -1}
	legend := &key{theme: th}
	bars := &errorBars{style: draw.LineStyle{Color: col, Width: vg.Points(errorBarWidth)}}
	var (
		segment  *curve
		segments []*curve  // the line's pieces between diverged values
		ys       []float64 // every y the axis must show
	)
	for _, i := range order {
		m := o.Mean[i]
		if !finite(m) {
			marks.diverged = append(marks.diverged, xs[i])
			segment = nil // a gap in the line
			continue
		}
		if segment == nil || categorical {
			segment = &curve{line: line, marker: &marker, weight: 1}
			segments = append(segments, segment)
		}
		segment.xs = append(segment.xs, xs[i])
		segment.ys = append(segment.ys, m)
		ys = append(ys, m)
		if marks.best < 0 || o.LowerIsBetter && m < marks.bestY || !o.LowerIsBetter && m > marks.bestY {
			marks.best, marks.bestX, marks.bestY = i, xs[i], m
		}
		if o.SD != nil && o.SD[i] > 0 {
			bars.x = append(bars.x, xs[i])
			bars.lo = append(bars.lo, m-o.SD[i])
			bars.hi = append(bars.hi, m+o.SD[i])
			ys = append(ys, m-o.SD[i], m+o.SD[i])
		}
	}
	// A little room above and below, so that no cap lies on an axis.
	lo, hi := fitRange(ys)
	lo, hi = lo-0.03*(hi-lo), hi+0.03*(hi-lo)
	p.Y.Min, p.Y.Max = niceRange(lo, hi, p.Y.Tick.Marker)

	if len(bars.x) > 0 {
		p.Add(bars)
		legend.entries = append(legend.entries, heatLegendEntry{"mean ± SD", thumbFunc(func(dc *draw.Canvas) {
			c := dc.Center()
			h := vg.Points(legendSize) / 2
			bars.drawBar(dc, c.X, c.Y-h, c.Y+h)
			dc.DrawGlyph(marker, c)
		})})
	}
	for _, c := range segments {
		p.Add(c)
	}
	if marks.best >= 0 {
		marks.ring = draw.LineStyle{Color: th.Foreground, Width: vg.Points(bestRingWidth)}
		legend.entries = append(legend.entries, heatLegendEntry{"best", thumbFunc(func(dc *draw.Canvas) {
			dc.DrawGlyph(marker, dc.Center())
			strokeCircle(*dc, marks.ring, dc.Center(), vg.Points(bestRing))
		})})
	}
	if len(marks.diverged) > 0 {
		marks.cross = draw.LineStyle{Color: th.Color(1), Width: vg.Points(crossWidth)}
		legend.entries = append(legend.entries, heatLegendEntry{"diverged", thumbFunc(func(dc *draw.Canvas) {
			drawCross(*dc, marks.cross, dc.Center(), vg.Points(crossRadius))
		})})
	}
	p.Add(marks, legend)
	return p, nil
}

// fitRange returns the range of vs, widened by 2% where it is a single
// value (and by 1 where that is 0), and 0..1 where vs is empty.
func fitRange(vs []float64) (lo, hi float64) {
	if len(vs) == 0 {
		return 0, 1
	}
	lo, hi = slices.Min(vs), slices.Max(vs)
	if lo == hi {
		d := math.Abs(lo) / 50
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	return lo, hi
}

// settingPad is how far beyond the first and last value a setting's axis
// reaches, as a fraction of their span, so that their markers and error
// bars do not sit on the axes.
const settingPad = 0.05

// setSettingAxis makes a the axis of a numeric setting taking the values
// xs (> 0 if log): a log axis if log, its range just wider than xs, ticks
// at the values themselves where their labels fit (see settingTicks).
func setSettingAxis(a *plot.Axis, xs []float64, log bool) {
	vals := slices.Clone(xs)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	var fallback axisFitter = linearTicks{Target: 7}
	to, from := func(v float64) float64 { return v }, func(v float64) float64 { return v }
	if log {
		a.Scale = plot.LogScale{}
		fallback = logTicks{}
		to, from = math.Log10, func(v float64) float64 { return math.Pow(10, v) }
	}
	lo, hi := to(vals[0]), to(vals[len(vals)-1])
	if lo == hi && log {
		lo, hi = lo-math.Log10(2), hi+math.Log10(2)
	} else {
		lo, hi = fitRange([]float64{lo, hi})
	}
	pad := settingPad * (hi - lo)
	if len(vals) == 1 {
		pad = 0
	}
	a.Min, a.Max = from(lo-pad), from(hi+pad)
	a.Tick.Marker = settingTicks{values: vals, fallback: fallback}
}

// settingTicks marks the axis of a numeric setting at the values swept,
// each labelled (see formatSetting), where their labels fit along the axis,
// and with fallback's ticks where they do not.
type settingTicks struct {
	values   []float64 // sorted, distinct
	fallback axisFitter
}

// Ticks implements plot.Ticker.
func (t settingTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := make([]plot.Tick, len(t.values))
	for i, v := range t.values {
		ticks[i] = plot.Tick{Value: v, Label: formatSetting(v)}
	}
	return ticks
}

// fitAxis implements axisFitter.
func (t settingTicks) fitAxis(a *plot.Axis, length, across vg.Length, horizontal bool) {
	if labelsFit(a, t.Ticks(a.Min, a.Max), length, horizontal) {
		return
	}
	a.Tick.Marker = t.fallback
	t.fallback.fitAxis(a, length, across, horizontal)
}

// formatSetting writes a setting's value in at most three significant
// digits, in scientific notation where it is tiny or huge: "0.0003",
// "128", "1e-5".
func formatSetting(v float64) string {
	r := roundLog(v)
	if r == 0 {
		return "0"
	}
	a := math.Abs(r)
	return formatLogStyle(r, a < 1e-4 || a >= 1e6)
}

// thumbFunc is a legend thumbnail drawn by a function.
type thumbFunc func(dc *draw.Canvas)

// Thumbnail implements plot.Thumbnailer.
func (f thumbFunc) Thumbnail(dc *draw.Canvas) { f(dc) }

// errorBars draws vertical error bars with caps.
type errorBars struct {
	x, lo, hi []float64
	style     draw.LineStyle
}

// drawBar draws one bar at x from y0 to y1, in canvas coordinates.
func (b *errorBars) drawBar(dc *draw.Canvas, x, y0, y1 vg.Length) {
	w := vg.Points(errorBarCap)
	dc.StrokeLines(b.style,
		[]vg.Point{{X: x, Y: y0}, {X: x, Y: y1}},
		[]vg.Point{{X: x - w, Y: y0}, {X: x + w, Y: y0}},
		[]vg.Point{{X: x - w, Y: y1}, {X: x + w, Y: y1}})
}

// Plot implements plot.Plotter.
func (b *errorBars) Plot(dc draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&dc)
	for i, x := range b.x {
		b.drawBar(&dc, trX(x), trY(b.lo[i]), trY(b.hi[i]))
	}
}

// sweepMarks draws SweepLine's marks over its points: the ring around the
// best, the crosses of the diverged values, and the legend.
type sweepMarks struct {
	theme        Theme
	best         int // index of the best point, -1 for none
	bestX, bestY float64
	ring         draw.LineStyle
	diverged     []float64 // x of each diverged value
	cross        draw.LineStyle
}

// Plot implements plot.Plotter.
func (m *sweepMarks) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	trX, trY := p.Transforms(&dc)
	if m.best >= 0 {
		strokeCircle(dc, m.ring, vg.Point{X: trX(m.bestX), Y: trY(m.bestY)}, vg.Points(bestRing))
	}
	// The crosses sit along the bottom, where a diverged run's metric
	// would have gone off the chart.
	y := dc.Min.Y + vg.Points(crossRadius+3)
	for _, x := range m.diverged {
		pt := vg.Point{X: trX(x), Y: y}
		drawCross(dc, draw.LineStyle{Color: m.theme.Background, Width: vg.Points(crossWidth + 2*haloWidth)}, pt, vg.Points(crossRadius+haloWidth))
		drawCross(dc, m.cross, pt, vg.Points(crossRadius))
	}
}

// GlyphBoxes implements plot.GlyphBoxer, making room for the ring and
// the crosses at the ends of the axes.
func (m *sweepMarks) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	r := vg.Points(crossRadius + haloWidth)
	boxes := make([]plot.GlyphBox, len(m.diverged), len(m.diverged)+1)
	for i, x := range m.diverged {
		boxes[i] = plot.GlyphBox{X: p.X.Norm(x), Rectangle: vg.Rectangle{Min: vg.Point{X: -r}, Max: vg.Point{X: r}}}
	}
	if m.best >= 0 {
		r := vg.Points(bestRing + bestRingWidth/2)
		boxes = append(boxes, plot.GlyphBox{X: p.X.Norm(m.bestX), Y: p.Y.Norm(m.bestY),
			Rectangle: vg.Rectangle{Min: vg.Point{X: -r, Y: -r}, Max: vg.Point{X: r, Y: r}}})
	}
	return boxes
}

// Layout of a key, in points.
const (
	keyGap   = 5  // between the plotting area and the key
	keyThumb = 14 // width of a thumbnail
	keyPad   = 3  // between a thumbnail and its label
	keySep   = 12 // between entries
)

// key is a legend in one row above the top right corner of the plotting
// area, where it covers nothing: for marks whose explanation must never
// hide them, on charts small enough that any corner of the plotting area
// would.
type key struct {
	theme   Theme
	entries []heatLegendEntry
}

func (k *key) style() text.Style {
	return text.Style{Color: k.theme.Foreground, Font: font.From(sans, legendSize),
		XAlign: draw.XLeft, YAlign: draw.YBottom, Handler: plot.DefaultTextHandler}
}

// width returns the width of the key.
func (k *key) width() vg.Length {
	sty := k.style()
	var w vg.Length
	for i, e := range k.entries {
		if i > 0 {
			w += vg.Points(keySep)
		}
		w += vg.Points(keyThumb+keyPad) + sty.Width(e.label)
	}
	return w
}

// GlyphBoxes implements plot.GlyphBoxer, making room for the key.
func (k *key) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	if len(k.entries) == 0 {
		return nil
	}
	ext := k.style().FontExtents()
	return []plot.GlyphBox{{X: 1, Y: 1, Rectangle: vg.Rectangle{
		Min: vg.Point{X: -k.width(), Y: vg.Points(keyGap)},
		Max: vg.Point{Y: vg.Points(keyGap) + ext.Ascent + ext.Descent},
	}}}
}

// Plot implements plot.Plotter.
func (k *key) Plot(dc draw.Canvas, _ *plot.Plot) {
	if !drawable(dc) || len(k.entries) == 0 {
		return
	}
	sty := k.style()
	ext := sty.FontExtents()
	y := dc.Max.Y + vg.Points(keyGap)
	x := dc.Max.X - k.width()
	for _, e := range k.entries {
		thumb := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y}, Max: vg.Point{X: x + vg.Points(keyThumb), Y: y + ext.Ascent + ext.Descent}}}
		e.thumb.Thumbnail(&thumb)
		x += vg.Points(keyThumb + keyPad)
		dc.FillText(sty, vg.Point{X: x, Y: y + ext.Descent}, e.label)
		x += sty.Width(e.label) + vg.Points(keySep)
	}
}

// SweepHeatmapOptions configure a chart of a metric over a sweep of two
// settings.
type SweepHeatmapOptions struct {
	Title        string
	XName, YName string // the settings, such as "learning rate" and "batch size"

	// XLabels and YLabels are the settings' values as they are to be
	// written, in order: columns left to right, rows bottom to top.
	XLabels, YLabels []string

	// Values holds the metric, Values[r][c] at YLabels[r] and XLabels[c];
	// NaN or ±Inf where there is no value (not run, or diverged).
	Values [][]float64

	// SD, if not nil, holds the standard deviation over seeds of each
	// value, in the same shape, written under the value where the cell has
	// room; NaN for none.
	SD [][]float64

	// ValueName labels the colour bar, such as "test accuracy (%)".
	ValueName string

	// Format writes one value (and, after a "±", one SD) with fmt, such as
	// "%.1f%%"; "%.3g" if empty.
	Format string

	// LowerIsBetter marks the lowest value as the best (a loss) rather
	// than the highest (an accuracy).
	LowerIsBetter bool

	Theme Theme
}

// SweepHeatmap builds a grid of a metric over two swept settings: a cell
// for each pair of values, coloured by the metric along viridis (as
// Heatmap colours a surface, with the colour bar beside it) and with the
// metric written in it, in black or white, whichever reads better on the
// fill, and its SD under it where the cell has room; the best cell is outlined and
// its value written in bold. A cell without a value is grey and says "—".
// The writing shrinks with the cells: SDs are left out below 7-point type,
// values below 6-point. Without a single value, there is no colour bar.
//
// On the chart, column c is at x = c and row r at y = r: the cell under
// the pointer is row round(y), column round(x) of Chart.DataAt.
//
// SweepHeatmap returns an error for no columns or rows, Values or SD of
// another shape than XLabels × YLabels, an SD that is negative or
// infinite, and a Format that does not write one number. A non-finite
// value is never an error.
func SweepHeatmap(o SweepHeatmapOptions) (*plot.Plot, error) {
	fail := func(format string, args ...any) (*plot.Plot, error) {
		return nil, fmt.Errorf("plots: SweepHeatmap %q: "+format, append([]any{o.Title}, args...)...)
	}
	nx, ny := len(o.XLabels), len(o.YLabels)
	if nx == 0 || ny == 0 {
		return fail("%d x labels and %d y labels, want at least one of each", nx, ny)
	}
	for _, g := range []struct {
		name string
		grid [][]float64
	}{{"Values", o.Values}, {"SD", o.SD}} {
		name, grid := g.name, g.grid
		if grid == nil && name == "SD" {
			continue
		}
		if len(grid) != ny {
			return fail("%s has %d rows for %d y labels, want one per label", name, len(grid), ny)
		}
		for r, row := range grid {
			if len(row) != nx {
				return fail("%s row %d (%s) has %d values for %d x labels, want one per label", name, r, o.YLabels[r], len(row), nx)
			}
		}
	}
	for r, row := range o.SD {
		for c, sd := range row {
			if sd < 0 || math.IsInf(sd, 0) {
				return fail("SD [%d][%d] is %v, want ≥ 0 (or NaN for none)", r, c, sd)
			}
		}
	}
	format := o.Format
	if format == "" {
		format = "%.3g"
	}
	if s := fmt.Sprintf(format, 1.0); strings.Contains(s, "%!") {
		return fail("Format %q does not write one number (it writes %q)", format, s)
	}

	th := o.Theme.withDefaults()
	p := th.newPlot(o.Title, o.XName, o.YName)
	setClassAxis(&p.X, o.XLabels, false, nil)
	setClassAxis(&p.Y, o.YLabels, false, nil)

	cells := &sweepCells{theme: th, scale: newHeatScale(Sequential, th), bestRow: -1}
	var finiteValues []float64
	for r, row := range o.Values {
		cells.values = append(cells.values, slices.Clone(row))
		for c, v := range row {
			if !finite(v) {
				continue
			}
			finiteValues = append(finiteValues, v)
			if cells.bestRow < 0 || o.LowerIsBetter && v < cells.values[cells.bestRow][cells.bestCol] ||
				!o.LowerIsBetter && v > cells.values[cells.bestRow][cells.bestCol] {
				cells.bestRow, cells.bestCol = r, c
			}
		}
	}
	cells.scale.setRange(finiteValues, 0, 0)
	cells.text = make([][][2]string, ny)
	for r, row := range o.Values {
		cells.text[r] = make([][2]string, nx)
		for c, v := range row {
			t := &cells.text[r][c]
			if !finite(v) {
				t[0] = "—"
				continue
			}
			t[0] = fmt.Sprintf(format, v)
			if o.SD != nil && finite(o.SD[r][c]) {
				t[1] = "±" + fmt.Sprintf(format, o.SD[r][c])
			}
		}
	}
	p.Add(cells)
	if len(finiteValues) > 0 { // a scale of nothing would only puzzle
		p.Add(newColorBar(cells.scale, o.ValueName, th))
	}
	return p, nil
}

// Cell writing of SweepHeatmap, in points.
const (
	minCellText = 6    // the smallest type a value is written in
	minSDText   = 7    // the smallest type an SD is written in; smaller, it is left out
	sdTextScale = 0.8  // an SD's size next to its value's
	cellFill    = 0.85 // the share of a cell's width and height the writing may take
	bestOutline = 2.25
)

// sweepCells draws SweepHeatmap's cells and the writing in them.
type sweepCells struct {
	theme            Theme
	scale            *heatScale
	values           [][]float64
	text             [][][2]string // value and SD of each cell, "" for none
	bestRow, bestCol int           // -1 for none
}

// fill returns the colour of a cell of value v.
func (s *sweepCells) fill(v float64) color.Color {
	if !finite(v) {
		return Mix(s.theme.Background, s.theme.Foreground, 0.15)
	}
	return s.scale.color(s.scale.pos(v))
}

// Plot implements plot.Plotter.
func (s *sweepCells) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	trX, trY := p.Transforms(&dc)
	w, h := trX(1)-trX(0), trY(1)-trY(0)
	gap := min(vg.Points(1.5), w/12, h/12)
	cell := func(r, c int) vg.Rectangle {
		x, y := trX(float64(c)), trY(float64(r))
		return vg.Rectangle{
			Min: vg.Point{X: x - w/2 + gap/2, Y: y - h/2 + gap/2},
			Max: vg.Point{X: x + w/2 - gap/2, Y: y + h/2 - gap/2},
		}
	}
	for r, row := range s.values {
		for c, v := range row {
			dc.FillPolygon(s.fill(v), rectPoints(cell(r, c)))
		}
	}
	if s.bestRow >= 0 {
		fill := s.fill(s.values[s.bestRow][s.bestCol])
		lw := min(vg.Points(bestOutline), w/10, h/10)
		b := cell(s.bestRow, s.bestCol)
		b.Min = b.Min.Add(vg.Point{X: lw / 2, Y: lw / 2})
		b.Max = b.Max.Sub(vg.Point{X: lw / 2, Y: lw / 2})
		dc.StrokeLines(draw.LineStyle{Color: inkOn(fill), Width: lw}, append(rectPoints(b), b.Min, rectPoints(b)[1]))
	}

	main, sd, ok := s.textStyles(w*cellFill, h*cellFill)
	if !ok {
		return
	}
	for r, row := range s.text {
		for c, t := range row {
			fill := s.fill(s.values[r][c])
			m := main
			if r == s.bestRow && c == s.bestCol {
				m.Font = font.From(sansBold, m.Font.Size)
			}
			// Black or white, not the theme's text colours, which reach
			// a contrast of 4.5 on some colours of the map and not on
			// their neighbours: cells alike are written alike.
			ink := inkOn(fill)
			if !finite(s.values[r][c]) {
				ink = Mix(fill, ink, 0.6) // the dash recedes
			}
			m.Color, sd.Color = ink, ink
			mid := vg.Point{X: trX(float64(c)), Y: trY(float64(r))}
			if t[1] == "" || sd.Font.Size == 0 {
				dc.FillText(m, mid, t[0])
				continue
			}
			mh, sh := m.Height(t[0]), sd.Height(t[1])
			top := mid.Y + (mh+sh)/2
			dc.FillText(m, vg.Point{X: mid.X, Y: top - mh/2}, t[0])
			dc.FillText(sd, vg.Point{X: mid.X, Y: top - mh - sh/2}, t[1])
		}
	}
}

// textStyles returns the styles of the values and the SDs written in cells
// of room w × h, as large as fits up to the axis label size: sd's font
// size is 0 where the SDs are left out, and ok is false where the values
// are too.
func (s *sweepCells) textStyles(w, h vg.Length) (main, sd text.Style, ok bool) {
	main = text.Style{
		Font:    font.From(sansBold, labelSize), // bold is the widest
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
	sd = main
	sd.Font = font.From(sans, labelSize*sdTextScale)
	var mw, sw vg.Length
	withSD := false
	for _, row := range s.text {
		for _, t := range row {
			mw = max(mw, main.Width(t[0]))
			sw = max(sw, sd.Width(t[1]))
			withSD = withSD || t[1] != ""
		}
	}
	lineH := main.Height("0")
	fit := func(width, height vg.Length) float64 {
		return math.Min(1, math.Min(float64(w/width), float64(h/height)))
	}
	if withSD {
		if f := fit(max(mw, sw), lineH*(1+sdTextScale)); labelSize*sdTextScale*f >= minSDText {
			main.Font.Size *= font.Length(f)
			sd.Font.Size *= font.Length(f)
			main.Font = font.From(sans, main.Font.Size)
			return main, sd, true
		}
	}
	sd.Font.Size = 0
	f := fit(mw, lineH)
	if labelSize*f < minCellText {
		return main, sd, false
	}
	main.Font.Size *= font.Length(f)
	main.Font = font.From(sans, main.Font.Size)
	return main, sd, true
}

// ParallelAxis is one setting of a sweep, an axis of ParallelCoordinates.
type ParallelAxis struct {
	Name string

	// Labels name the values of a categorical setting (optimizers): a
	// run's value on the axis is the index of its label. Nil for a
	// numeric setting.
	Labels []string

	// Log spaces a numeric setting by its logarithm (learning rates); its
	// values must then be > 0.
	Log bool
}

// ParallelOptions configure a parallel-coordinates chart of a sweep.
type ParallelOptions struct {
	Title string

	// Axes are the settings swept, drawn left to right, before the
	// metric's axis.
	Axes []ParallelAxis

	// Rows holds one run each: Rows[i][j] is run i's value of setting
	// Axes[j] (for a categorical setting, the index of its label).
	Rows [][]float64

	// Metric holds each run's metric, one per row; NaN or ±Inf for a run
	// that diverged.
	Metric     []float64
	MetricName string // such as "test accuracy (%)"

	// LowerIsBetter colours and draws on top the runs of the lowest
	// metric (a loss) rather than the highest (an accuracy).
	LowerIsBetter bool

	Theme Theme
}

// ParallelCoordinates builds a parallel-coordinates chart of a sweep of
// several settings: one vertical axis per setting and a last one for the
// metric, each with its own scale and tick labels (a categorical axis its
// labels, evenly spaced; a numeric axis its values, spaced by their
// logarithm if Log), and each run a line across the axes through its
// values. A run's line is coloured by its metric, from a faint tint of the
// theme's accent colour, Palette[0], for the worst to the accent itself for
// the best; the metric's axis carries the colour scale, and the better
// runs are drawn over the worse, the best a little wider. A diverged run
// (a non-finite metric) is drawn thin and dashed in Palette[1], below the
// others, to a point marked "diverged" at the foot of the metric's axis.
//
// Drawn by Render or Save, the axes share the chart's width: names too
// long for their share wrap onto two lines and shrink, down to 7-point
// type; numeric axes label as many ticks as fit their height, categorical
// ones every label where they fit and every second or third where they do
// not, each cut to the room beside its axis.
//
// ParallelCoordinates returns an error for no axes or no runs, a Metric
// whose length differs from Rows', a row without one value per axis, an
// axis with both Labels and Log, a setting's value that is not finite, not
// > 0 on a Log axis, or not the index of one of a categorical axis's
// labels. A non-finite metric is never an error.
func ParallelCoordinates(o ParallelOptions) (*plot.Plot, error) {
	_, p, err := buildParallel(o)
	return p, err
}

// buildParallel does the work of ParallelCoordinates, and returns the
// plotter that draws the chart too, which the tests look into.
func buildParallel(o ParallelOptions) (*parallel, *plot.Plot, error) {
	fail := func(format string, args ...any) (*parallel, *plot.Plot, error) {
		return nil, nil, fmt.Errorf("plots: ParallelCoordinates %q: "+format, append([]any{o.Title}, args...)...)
	}
	switch {
	case len(o.Axes) == 0:
		return fail("no axes, want one per setting")
	case len(o.Rows) == 0:
		return fail("no runs (Rows is empty)")
	case len(o.Metric) != len(o.Rows):
		return fail("%d metric values for %d runs, want one per run", len(o.Metric), len(o.Rows))
	}
	for j, a := range o.Axes {
		if a.Log && a.Labels != nil {
			return fail("axis %d (%s) has both Labels and Log, want a log scale only for a numeric setting", j, a.Name)
		}
	}
	for i, row := range o.Rows {
		if len(row) != len(o.Axes) {
			return fail("run %d has %d values for %d axes, want one per axis", i, len(row), len(o.Axes))
		}
		for j, v := range row {
			a := o.Axes[j]
			switch {
			case !finite(v):
				return fail("run %d: %s is %v, want a finite number", i, a.Name, v)
			case a.Log && v <= 0:
				return fail("run %d: %s is %v, want > 0 on a log axis", i, a.Name, v)
			case a.Labels != nil && (v != math.Trunc(v) || v < 0 || int(v) >= len(a.Labels)):
				return fail("run %d: %s is %v, want the index of one of its %d labels", i, a.Name, v, len(a.Labels))
			}
		}
	}

	th := o.Theme.withDefaults()
	p := th.newPlot(o.Title, "", "")
	p.HideAxes()
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1

	pc := &parallel{theme: th}
	column := make([]float64, len(o.Rows))
	for j, a := range o.Axes {
		for i, row := range o.Rows {
			column[i] = row[j]
		}
		pc.axes = append(pc.axes, newParallelAxis(a.Name, a.Labels, a.Log, column))
	}
	var finiteMetric []float64
	for _, m := range o.Metric {
		if finite(m) {
			finiteMetric = append(finiteMetric, m)
		}
	}
	metric := newParallelAxis(o.MetricName, nil, false, finiteMetric)
	pc.axes = append(pc.axes, metric)
	pc.lowerIsBetter = o.LowerIsBetter
	slices.Sort(finiteMetric)
	pc.ranked = finiteMetric

	pc.runs = make([]parallelRun, len(o.Rows))
	for i, row := range o.Rows {
		r := parallelRun{at: make([]float64, len(pc.axes)), t: math.NaN()}
		for j, v := range row {
			r.at[j] = pc.axes[j].norm(v)
		}
		if m := o.Metric[i]; finite(m) {
			r.at[len(row)], r.t = metric.norm(m), pc.rank(m)
		} else {
			pc.diverged = true
		}
		pc.runs[i] = r
	}
	// Diverged runs first, then from the worst to the best.
	slices.SortStableFunc(pc.runs, func(a, b parallelRun) int {
		return cmp.Compare(a.t, b.t) // NaN first
	})
	p.Add(pc)
	return pc, p, nil
}

// parallelAxis is an axis of ParallelCoordinates.
type parallelAxis struct {
	name   string
	labels []string // nil for a numeric axis
	log    bool
	lo, hi float64 // a numeric axis's range
}

// newParallelAxis returns an axis for the values vs, its range theirs
// widened to the labelled ticks just outside it where they are close.
func newParallelAxis(name string, labels []string, log bool, vs []float64) parallelAxis {
	a := parallelAxis{name: name, labels: labels, log: log}
	if labels != nil {
		return a
	}
	var ticks plot.Ticker = linearTicks{Target: 5}
	switch {
	case len(vs) == 0:
		a.lo, a.hi = 0, 1
	case log:
		ticks = logTicks{}
		a.lo, a.hi = slices.Min(vs), slices.Max(vs)
		if a.lo == a.hi {
			a.lo, a.hi = a.lo/2, a.hi*2
		}
	default:
		a.lo, a.hi = fitRange(vs)
	}
	a.lo, a.hi = niceRange(a.lo, a.hi, ticks)
	return a
}

// norm returns the fraction of the axis's height, from its foot, at which
// v is drawn: a categorical axis's values in the middle of equal shares.
func (a parallelAxis) norm(v float64) float64 {
	switch {
	case a.labels != nil:
		return (v + 0.5) / float64(len(a.labels))
	case a.log:
		return math.Log(v/a.lo) / math.Log(a.hi/a.lo)
	}
	return (v - a.lo) / (a.hi - a.lo)
}

// ticks returns the axis's ticks for a height of length points and
// labels in sty, a categorical axis's cut to maxLabelRunes.
func (a parallelAxis) ticks(length vg.Length, sty text.Style) []plot.Tick {
	var ticks []plot.Tick
	if a.labels != nil {
		n := len(a.labels)
		need := sty.Height("0") + labelGap*sty.Font.Size
		every := max(1, int(math.Ceil(float64(need*vg.Length(n)/length)-1e-6)))
		for i, name := range a.labels {
			tk := plot.Tick{Value: float64(i)}
			if i%every == 0 {
				tk.Label = name
			}
			ticks = append(ticks, tk)
		}
	} else {
		ax := plot.Axis{Min: a.lo, Max: a.hi, Scale: plot.LinearScale{}}
		var m axisFitter = linearTicks{Target: 5}
		if a.log {
			ax.Scale, m = plot.LogScale{}, logTicks{}
		}
		ax.Tick.Label = sty
		m.fitAxis(&ax, length, 0, false)
		ticks = ax.Tick.Marker.Ticks(a.lo, a.hi)
		if lt, ok := ax.Tick.Marker.(linearTicks); ok {
			if _, off := lt.ticks(a.lo, a.hi); off != 0 {
				// Written in full: an axis among others has no room for
				// an offset.
				for i := range ticks {
					if ticks[i].Label != "" {
						ticks[i].Label = compact(ticks[i].Value, 8)
					}
				}
			}
		}
	}
	for i := range ticks {
		ticks[i].Label = shorten(ticks[i].Label, maxLabelRunes)
	}
	return ticks
}

// parallelRun is a run as drawn: the fraction of each axis's height at
// which it crosses it, and its place t from the worst metric (0) to the
// best (1), NaN if it diverged, when it crosses the metric's axis at the
// diverged mark.
type parallelRun struct {
	at []float64
	t  float64
}

// parallel draws ParallelCoordinates' axes and runs over its whole data
// area, which it lays out itself: the axes' names along the top, and the
// axes spread across the width between the first axis's tick labels on
// the left and the metric's colour scale on the right.
type parallel struct {
	theme         Theme
	axes          []parallelAxis // the settings', then the metric's
	runs          []parallelRun  // in drawing order
	ranked        []float64      // the finite metrics, sorted
	diverged      bool
	lowerIsBetter bool
}

// rank returns the place of metric v among the runs', from the worst (0)
// to the best (1), interpolated between runs: a run's colour. Colouring
// by rank rather than by value keeps the runs apart where most of them
// bunch up near the best metric, as a sweep's runs do, and whatever one
// poor run's metric is.
func (pc *parallel) rank(v float64) float64 {
	s := pc.ranked
	var f float64
	switch i, _ := slices.BinarySearch(s, v); {
	case len(s) < 2:
		f = 1
	case i == 0:
		f = 0
	case i == len(s):
		f = 1
	default: // s[i-1] < v <= s[i]; equal runs share the rank of the first
		f = (float64(i-1) + (v-s[i-1])/(s[i]-s[i-1])) / float64(len(s)-1)
	}
	if pc.lowerIsBetter {
		f = 1 - f
	}
	return f
}

// Layout of ParallelCoordinates, in points.
const (
	parallelRunWidth  = 1.1
	parallelBestWidth = 2.25
	parallelAxisWidth = 1
	parallelTick      = 3
	parallelLabelGap  = 2 // between a tick and its label
	parallelNameGap   = 6 // between the names and the axes' tops
	parallelStripGap  = 2 // between the metric's axis and its colour scale
	parallelStrip     = 6 // width of the colour scale
	parallelFaint     = 0.2
)

// divergedLabel marks where diverged runs meet the metric's axis.
const divergedLabel = "diverged"

// parallelLayout is where ParallelCoordinates draws its parts.
type parallelLayout struct {
	x          []vg.Length // of each axis
	foot, top  vg.Length   // of the axes
	slot       vg.Length   // height of the diverged mark's place at the metric axis's foot, 0 if none
	ticks      [][]plot.Tick
	tickStyle  text.Style
	names      [][]string // each in one or two lines
	nameLine   vg.Length  // the distance between two lines of a name
	nameStyle  text.Style
	labelWidth vg.Length // the most a tick label may take
}

// layout lays the chart out on dc.
func (pc *parallel) layout(dc draw.Canvas) parallelLayout {
	n := len(pc.axes)
	l := parallelLayout{
		tickStyle: text.Style{Color: pc.theme.Foreground, Font: font.From(sans, tickSize),
			XAlign: draw.XRight, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler},
		nameStyle: text.Style{Color: pc.theme.Foreground, Font: font.From(sans, labelSize),
			XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler},
		names: make([][]string, n),
		ticks: make([][]plot.Tick, n),
		x:     make([]vg.Length, n),
	}
	width := dc.Max.X - dc.Min.X
	namesH := 2 * l.nameStyle.Height("0") // a first guess
	right := vg.Points(parallelStripGap + parallelStrip)
	left := vg.Length(0)
	widest := func(ticks []plot.Tick) vg.Length {
		var w vg.Length
		for _, tk := range ticks {
			w = max(w, l.tickStyle.Width(tk.Label))
		}
		return w
	}
	for range 2 {
		// The axes' heights, then their ticks, as large as fit between
		// the axes (the first one's have the room left of it), then the
		// room the first one's labels take, then the names in the space
		// between axes.
		spacing := (width - left - right) / vg.Length(n-1)
		l.labelWidth = max(spacing-vg.Points(parallelTick+parallelLabelGap+parallelStripGap+parallelStrip+4), 0)
		ticks := func() {
			tickH := l.tickStyle.Height("0")
			l.top = dc.Max.Y - namesH - vg.Points(parallelNameGap) - tickH/2
			l.foot = dc.Min.Y + tickH/2
			if pc.diverged {
				l.slot = 1.5 * tickH
			}
			for j, a := range pc.axes {
				length := l.top - l.foot
				if j == n-1 {
					length -= l.slot
				}
				l.ticks[j] = a.ticks(max(length, 1), l.tickStyle)
			}
		}
		l.tickStyle.Font.Size = tickSize
		ticks()
		var most vg.Length
		for _, t := range l.ticks[1:] {
			most = max(most, widest(t))
		}
		if pc.diverged {
			most = max(most, l.tickStyle.Width(divergedLabel))
		}
		if most > l.labelWidth {
			l.tickStyle.Font.Size = max(minTickSize, tickSize*font.Length(l.labelWidth/most))
			ticks()
		}
		for j, t := range l.ticks {
			room := l.labelWidth
			if j == 0 {
				room = classLabelShare * width
			}
			for i := range t {
				t[i].Label = fitWidth(t[i].Label, l.tickStyle, room)
			}
		}
		left = widest(l.ticks[0]) + vg.Points(parallelTick+parallelLabelGap)
		spacing = (width - left - right) / vg.Length(n-1)
		namesH = l.fitNames(pc.axes, spacing-vg.Points(parallelNameGap))
		left = max(left, widestLine(l.nameStyle, l.names[0])/2)
		right = max(right, widestLine(l.nameStyle, l.names[n-1])/2)
	}
	spacing := (width - left - right) / vg.Length(n-1)
	for j := range l.x {
		l.x[j] = dc.Min.X + left + vg.Length(j)*spacing
	}
	return l
}

// widestLine returns the width of the widest of lines in sty.
func widestLine(sty text.Style, lines []string) vg.Length {
	var w vg.Length
	for _, line := range lines {
		w = max(w, sty.Width(line))
	}
	return w
}

// fitNames breaks the axes' names into at most two lines no wider than
// width, shrinking them as far as minTickSize where they do not fit and
// shortening the lines that still do not, and returns the height they
// take.
func (l *parallelLayout) fitNames(axes []parallelAxis, width vg.Length) vg.Length {
	sty := l.nameStyle
	for size := font.Length(labelSize); ; size -= 0.5 {
		sty.Font.Size = size
		fits := true
		lines := make([][]string, len(axes))
		for j, a := range axes {
			var ok bool
			lines[j], ok = twoLines(a.name, sty, width)
			fits = fits && ok
		}
		if !fits && size > minTickSize {
			continue
		}
		ext := sty.FontExtents()
		l.nameStyle, l.nameLine = sty, ext.Ascent+ext.Descent
		most := 0
		for j := range axes {
			for k, line := range lines[j] {
				lines[j][k] = fitWidth(line, sty, width)
			}
			l.names[j] = lines[j]
			most = max(most, len(lines[j]))
		}
		return vg.Length(most) * l.nameLine
	}
}

// twoLines returns s as one line if it is at most width wide in sty, and
// otherwise split between two words: into the two lines whose wider is
// the narrowest, if that is at most width (fits), or else after as many
// words as fit on the first line.
func twoLines(s string, sty text.Style, width vg.Length) (lines []string, fits bool) {
	if sty.Width(s) <= width {
		return []string{s}, true
	}
	words := strings.Fields(s)
	lines, widest := []string{s}, sty.Width(s)
	greedy := 1
	for i := 1; i < len(words); i++ {
		a, b := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		if sty.Width(a) <= width {
			greedy = i
		}
		if w := max(sty.Width(a), sty.Width(b)); w < widest {
			lines, widest = []string{a, b}, w
		}
	}
	if widest <= width || len(words) < 2 {
		return lines, widest <= width
	}
	return []string{strings.Join(words[:greedy], " "), strings.Join(words[greedy:], " ")}, false
}

// fitWidth returns s shortened, with an ellipsis, to be at most width
// wide in sty, but never to fewer than three runes.
func fitWidth(s string, sty text.Style, width vg.Length) string {
	for runes := len([]rune(s)) - 1; sty.Width(s) > width && runes >= 3; runes-- {
		s = strings.Replace(shorten(s, runes), " …", "…", 1)
	}
	return s
}

// color returns the colour of a run at t, from the worst run (0) to the
// best (1).
func (pc *parallel) color(t float64) color.Color {
	accent := pc.theme.Color(0)
	return Mix(Mix(pc.theme.Background, accent, parallelFaint), accent, t)
}

// Plot implements plot.Plotter.
func (pc *parallel) Plot(dc draw.Canvas, _ *plot.Plot) {
	if !drawable(dc) {
		return
	}
	l := pc.layout(dc)
	n := len(pc.axes)
	yAt := func(j int, f float64) vg.Length {
		foot := l.foot
		if j == n-1 {
			foot += l.slot
		}
		return foot + vg.Length(f)*(l.top-foot)
	}

	// The runs, worst first.
	pts := make([]vg.Point, n)
	for k, r := range pc.runs {
		for j := range n {
			pts[j] = vg.Point{X: l.x[j], Y: yAt(j, r.at[j])}
		}
		sty := draw.LineStyle{Color: withAlpha(pc.color(r.t), 0.6+0.4*r.t), Width: vg.Points(parallelRunWidth * (0.6 + 0.6*r.t))}
		if math.IsNaN(r.t) {
			pts[n-1].Y = l.foot
			sty.Color = pc.theme.Color(1)
			sty.Width = vg.Points(0.75)
			sty.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		} else if k == len(pc.runs)-1 {
			dc.StrokeLines(draw.LineStyle{Color: pc.theme.Background, Width: vg.Points(parallelBestWidth + 2*haloWidth)}, pts)
			sty.Width = vg.Points(parallelBestWidth)
		}
		dc.StrokeLines(sty, pts)
	}

	// The axes, their ticks and labels, and their names.
	axis := draw.LineStyle{Color: pc.theme.Foreground, Width: vg.Points(parallelAxisWidth)}
	label := func(x, y vg.Length, s string) {
		x -= vg.Points(parallelTick + parallelLabelGap)
		r := l.tickStyle.Rectangle(s).Add(vg.Point{X: x, Y: y})
		dc.FillPolygon(withAlpha(pc.theme.Background, 0.9), rectPoints(r))
		dc.FillText(l.tickStyle, vg.Point{X: x, Y: y}, s)
	}
	for j, a := range pc.axes {
		x := l.x[j]
		dc.StrokeLine2(axis, x, yAt(j, 0), x, l.top)
		for _, tk := range l.ticks[j] {
			f := a.norm(tk.Value)
			if f < -1e-9 || f > 1+1e-9 {
				continue
			}
			y := yAt(j, f)
			length := vg.Points(parallelTick)
			if tk.Label == "" {
				length /= 2
			}
			dc.StrokeLine2(axis, x-length, y, x, y)
			if tk.Label != "" {
				label(x, y, tk.Label)
			}
		}
		for k, line := range l.names[j] {
			dc.FillText(l.nameStyle, vg.Point{X: x, Y: dc.Max.Y - vg.Length(k)*l.nameLine}, line)
		}
	}

	// The metric's colour scale, and the diverged runs' mark.
	x := l.x[n-1] + vg.Points(parallelStripGap)
	metric := pc.axes[n-1]
	strip := vg.Rectangle{Min: vg.Point{X: x, Y: yAt(n-1, 0)}, Max: vg.Point{X: x + vg.Points(parallelStrip), Y: l.top}}
	paintRaster(dc, strip, func(a rasterArea) {
		b := a.img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			f := 1 - (float64(y)+0.5-a.top)/a.height // from the foot
			c := pc.color(pc.rank(metric.lo + f*(metric.hi-metric.lo)))
			imgdraw.Draw(a.img, image.Rect(b.Min.X, y, b.Max.X, y+1), image.NewUniform(c), image.Point{}, imgdraw.Src)
		}
	})
	if l.slot > 0 {
		drawCross(dc, draw.LineStyle{Color: pc.theme.Color(1), Width: vg.Points(1.25)}, vg.Point{X: l.x[n-1], Y: l.foot}, vg.Points(3))
		label(l.x[n-1], l.foot, divergedLabel)
	}
}

// LRFinderOptions configure the chart of a learning-rate range test.
type LRFinderOptions struct {
	Title string

	// LR holds the learning rates tried, in the order tried: finite, > 0
	// and increasing. Loss holds the training loss at each, NaN or ±Inf
	// where it diverged.
	LR, Loss []float64

	// Smoothing, from 0 to 0.99, draws the loss smoothed with EMA and the
	// raw loss faintly behind it, as CurveOptions.Smoothing does; fastai's
	// finder smooths with 0.98. 0 draws the loss as given.
	Smoothing float64

	// Suggestion is the learning rate to suggest, 0 for none. It must lie
	// within the range of LR.
	Suggestion float64

	Theme Theme
}

// LRFinder builds the chart of a learning-rate range test: the loss
// against the learning rate on a log axis, smoothed as Curves smooths it,
// with non-finite losses dropped as Curves drops them. The y axis shows
// the loss from its start to its lowest point, the curve's useful part, so
// that the blow-up after it runs off the top instead of flattening the
// rest. A Suggestion is marked by a dashed vertical line and a dot on the
// curve labelled "suggested" and the rate, such as "suggested 0.0032".
//
// LRFinder returns an error for no learning rates, a Loss whose length
// differs from LR's, a learning rate that is not finite, > 0 and greater
// than the one before, and a Suggestion that is not 0 nor within the
// range of LR.
func LRFinder(o LRFinderOptions) (*plot.Plot, error) {
	fail := func(format string, args ...any) (*plot.Plot, error) {
		return nil, fmt.Errorf("plots: LRFinder %q: "+format, append([]any{o.Title}, args...)...)
	}
	n := len(o.LR)
	switch {
	case n == 0:
		return fail("no learning rates (LR is empty)")
	case len(o.Loss) != n:
		return fail("%d losses for %d learning rates, want one per rate", len(o.Loss), n)
	}
	for i, lr := range o.LR {
		if !finite(lr) || lr <= 0 || i > 0 && lr <= o.LR[i-1] {
			return fail("learning rate %d is %v, want a finite number > 0 and greater than the one before", i, lr)
		}
	}
	if s := o.Suggestion; s != 0 && !(s >= o.LR[0] && s <= o.LR[n-1]) {
		return fail("Suggestion is %v, want 0 for none or a rate from %v to %v", s, o.LR[0], o.LR[n-1])
	}

	ylabel := "loss"
	if o.Smoothing > 0 {
		ylabel = "loss (smoothed)"
	}
	co := CurveOptions{Title: o.Title, XLabel: "learning rate", YLabel: ylabel, Smoothing: o.Smoothing, Theme: o.Theme}
	s := Series{X: o.LR, Y: o.Loss}
	p, err := Curves(co, s)
	if err != nil {
		return nil, err // cannot happen: the lengths match
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	lo, hi := o.LR[0], o.LR[n-1]
	if lo == hi {
		lo, hi = lo/2, hi*2
	}
	p.X.Min, p.X.Max = niceRange(lo, hi, logTicks{})

	xs, ys := co.Line(s)
	if len(ys) > 1 {
		best := 0
		for i, y := range ys {
			if y < ys[best] {
				best = i
			}
		}
		// The raw loss, drawn behind a smoothed one, dips lower.
		_, raw := keepDrawable(o.LR, o.Loss, false)
		lo, top := min(ys[best], slices.Min(raw)), slices.Max(ys[:best+1])
		if top > lo {
			span := top - lo
			p.Y.Min, p.Y.Max = niceRange(lo-0.05*span, top+0.1*span, p.Y.Tick.Marker)
		}
	}
	if o.Suggestion > 0 {
		th := o.Theme.withDefaults()
		p.Add(&lrSuggestion{
			x: o.Suggestion, y: interpolateLog(xs, ys, o.Suggestion),
			label: "suggested " + formatSetting(roundSignificant(o.Suggestion, 2)),
			xs:    xs, ys: ys, theme: th,
		})
	}
	return p, nil
}

// roundSignificant rounds v to digits significant digits.
func roundSignificant(v float64, digits int) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	return r
}

// interpolateLog returns the y of the line through xs, ys (xs increasing
// and > 0) at x, interpolated on a log x scale; NaN outside the line.
func interpolateLog(xs, ys []float64, x float64) float64 {
	i, found := slices.BinarySearch(xs, x)
	switch {
	case found:
		return ys[i]
	case i == 0 || i == len(xs):
		return math.NaN()
	}
	f := math.Log(x/xs[i-1]) / math.Log(xs[i]/xs[i-1])
	return ys[i-1] + f*(ys[i]-ys[i-1])
}

// Style of an LR finder's suggestion, in points.
const suggestionDot = 3.5

// lrSuggestion draws an LR finder's suggested rate: a dashed vertical line,
// a dot where it meets the curve, and a label beside the dot that keeps
// clear of the curve.
type lrSuggestion struct {
	x, y   float64 // y NaN where the curve does not reach x
	label  string
	xs, ys []float64 // the curve
	theme  Theme
}

// Plot implements plot.Plotter.
func (s *lrSuggestion) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	trX, trY := p.Transforms(&dc)
	col := s.theme.Color(1)
	x := trX(s.x)
	dc.StrokeLine2(draw.LineStyle{Color: col, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}, x, dc.Min.Y, x, dc.Max.Y)

	curve := make([]vg.Point, len(s.xs))
	for i := range s.xs {
		curve[i] = vg.Point{X: trX(s.xs[i]), Y: trY(s.ys[i])}
	}
	drawn := []drawnCurve{{points: curve, weight: 1}}
	pt := vg.Point{X: x, Y: trY(s.y)}
	if math.IsNaN(s.y) || !dc.Contains(pt) {
		pt.Y = dc.Max.Y - vg.Points(crossRadius+12) // label the line itself, near its top
	} else {
		fillCircle(dc, s.theme.Background, pt, vg.Points(suggestionDot+haloWidth))
		fillCircle(dc, col, pt, vg.Points(suggestionDot))
	}
	(&overlay{theme: s.theme}).markerLabel(dc, pt, s.label, drawn)
}
