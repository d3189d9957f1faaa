package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Grid is a function of two variables sampled on a rectangular grid, such
// as a loss over two weights: Z[r*len(X)+c] is the value at (X[c], Y[r]).
// X and Y must be finite and strictly increasing; they need not be evenly
// spaced. Z may hold NaN and ±Inf (a diverged loss, a sample not computed
// yet), which Heatmap draws as "no data".
//
// Grid cannot itself implement plotter.GridXYZ, whose methods X, Y and Z
// would clash with its fields; XYZ returns it as one.
type Grid struct {
	X, Y []float64
	Z    []float64
}

// XYZ returns g as a plotter.GridXYZ, for gonum/plot's own HeatMap and
// Contour plotters.
func (g Grid) XYZ() plotter.GridXYZ { return gridXYZ{g} }

type gridXYZ struct{ g Grid }

func (g gridXYZ) Dims() (c, r int)   { return len(g.g.X), len(g.g.Y) }
func (g gridXYZ) Z(c, r int) float64 { return g.g.Z[r*len(g.g.X)+c] }
func (g gridXYZ) X(c int) float64    { return g.g.X[c] }
func (g gridXYZ) Y(r int) float64    { return g.g.Y[r] }

// ColorScale is how Heatmap maps values to colours.
type ColorScale int

const (
	// Sequential maps low to high values along viridis (van der Walt,
	// Smith and Firing, 2015): perceptually uniform, readable in grey and
	// by people with the common colour-vision deficiencies.
	Sequential ColorScale = iota
	// LogSequential is Sequential on log10 of the values, for a loss that
	// spans decades. Values ≤ 0 are drawn as "no data".
	LogSequential
	// Diverging is centred on zero: negative values in blue, positive in
	// red, zero a neutral grey (light on a light theme, dark on a dark
	// one), with lightness and saturation changing with |Z| the same way
	// on both sides. Its automatic range is symmetric, ±max|Z|.
	Diverging
)

// String returns the scale's name.
func (s ColorScale) String() string {
	switch s {
	case Sequential:
		return "Sequential"
	case LogSequential:
		return "LogSequential"
	case Diverging:
		return "Diverging"
	}
	return fmt.Sprintf("ColorScale(%d)", int(s))
}

// Path is a sequence of points drawn over a heat map, such as the weights
// of a gradient-descent run: a line with a small dot at each point, an
// open circle at the first point and a filled one at the last, in palette
// colour Color with a thin outline of the background colour so that it
// stays visible on every colour of the map, and clipped to the map.
// Non-finite points (a diverged run) are dropped.
type Path struct {
	Label string // legend entry; "" for none
	X, Y  []float64
	Color int // palette index, see Theme.Color
}

// HeatmapOptions configure a heat map.
type HeatmapOptions struct {
	Title, XLabel, YLabel string

	// ZLabel is the colour bar's label, such as "mean loss".
	ZLabel string

	Scale ColorScale

	// ZMin and ZMax fix the colour range if ZMin < ZMax (and, for
	// LogSequential, ZMin > 0), so that side-by-side maps compare
	// honestly; values outside it get the colour of the nearer end.
	// Otherwise the range is the data's finite range, symmetric about
	// zero for Diverging.
	ZMin, ZMax float64

	// Contours is the number of contour lines, from 0 to MaxContours, at
	// evenly spaced levels strictly inside the colour range lo..hi: level
	// k of n at lo + k(hi-lo)/(n+1), on log10 for LogSequential. They are
	// also marked on the colour bar.
	Contours int

	// OutlineNegative draws the Z = 0 level as a bold line, outlining the
	// regions where Z is negative (the non-convex regions of a map of the
	// smallest Hessian eigenvalue). If Z has a negative value, the legend
	// explains the line with NegativeLabel, or "negative" if that is empty.
	OutlineNegative bool
	NegativeLabel   string

	Paths   []Path
	Markers []Marker
	Theme   Theme
}

// MaxContours is the largest number of contour lines Heatmap draws.
const MaxContours = 100

// Heatmap builds a heat map of g: the plane coloured by Z with a colour bar
// beside it, optional contour lines, a zero outline, paths and markers.
// The axes span exactly [X[0], X[last]] × [Y[0], Y[last]]; between the
// samples the map is interpolated bilinearly, so the pixel at a sample
// (Chart.PixelAt(X[c], Y[r])) shows the colour of Z at that sample, and
// Chart.DataAt turns a click into the (x, y) under it. A missing value
// (NaN, ±Inf, or ≤ 0 on LogSequential) has no neighbours to blend with:
// the points nearer to it than to any other sample are hatched grey, and
// the legend says "no data". Paths and markers are clipped to the map.
//
// The legend, drawn when a path has a label, the outline is drawn or there
// is no data somewhere, goes in the corner of the map that hides the least
// of the paths and markers.
//
// Heatmap returns an error for an empty grid, fewer than two x or y values,
// x or y values that are not finite and strictly increasing, a Z of the
// wrong length, a path whose X and Y differ in length, an unknown Scale or
// a Contours outside 0..MaxContours. Non-finite values are never an error.
// It copies what it needs from g and o: the caller may reuse their slices.
//
// The map is painted as an image of device pixels, each coloured from the
// interpolated value, rather than drawn with plotter.HeatMap, which fills
// one polygon per cell: the GUI redraws these maps while a slider moves.
// For a 101×101 grid at 460×340 pixels, plotter.HeatMap alone takes about
// 40 ms (BenchmarkHeatmapGonumCells); painting the pixels takes 1.1 ms,
// and the whole chart, with ten contour levels, a path and two markers,
// 9 to 11 ms (BenchmarkHeatmap, on a 2-core AMD EPYC).
func Heatmap(g Grid, o HeatmapOptions) (*plot.Plot, error) {
	h, err := buildHeatmap(g, o)
	if err != nil {
		return nil, err
	}
	return h.plot, nil
}

// heatmap is a heat map's plot and the plotters it is made of, which the
// tests look into.
type heatmap struct {
	plot    *plot.Plot
	layer   *heatLayer
	overlay *overlay
	bar     *colorBar
}

// buildHeatmap does the work of Heatmap.
func buildHeatmap(g Grid, o HeatmapOptions) (*heatmap, error) {
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("plots: Heatmap %q: %w", o.Title, err)
	}
	for i, pa := range o.Paths {
		if len(pa.X) != len(pa.Y) {
			return nil, fmt.Errorf("plots: Heatmap %q: path %d (%q) has %d x values and %d y values, want as many of each", o.Title, i, pa.Label, len(pa.X), len(pa.Y))
		}
	}
	if o.Scale < Sequential || o.Scale > Diverging {
		return nil, fmt.Errorf("plots: Heatmap %q: unknown colour scale %v, want Sequential, LogSequential or Diverging", o.Title, o.Scale)
	}
	if o.Contours < 0 || o.Contours > MaxContours {
		return nil, fmt.Errorf("plots: Heatmap %q: Contours must be from 0 to %d (got %d)", o.Title, MaxContours, o.Contours)
	}

	th := o.Theme.withDefaults()
	nx, ny := len(g.X), len(g.Y)
	xs := append([]float64(nil), g.X...)
	ys := append([]float64(nil), g.Y...)

	sc := newHeatScale(o.Scale, th)
	s := make([]float64, len(g.Z)) // Z in scale units, NaN for no data
	noData, negative := false, false
	for i, z := range g.Z {
		s[i] = sc.scaled(z)
		noData = noData || math.IsNaN(s[i])
		negative = negative || (finite(z) && z < 0)
	}
	sc.setRange(s, o.ZMin, o.ZMax)

	p := th.newPlot(o.Title, o.XLabel, o.YLabel)
	p.X.Min, p.X.Max = xs[0], xs[nx-1]
	p.Y.Min, p.Y.Max = ys[0], ys[ny-1]
	p.X.Tick.Marker = linearTicks{Target: 6}
	p.Y.Tick.Marker = linearTicks{Target: 5}

	layer := &heatLayer{x: xs, y: ys, s: s, scale: sc}
	bar := newColorBar(sc, o.ZLabel, th)
	tr := newTracer(nx, ny)
	for k := 1; k <= o.Contours; k++ {
		level := sc.slo + float64(k)*(sc.shi-sc.slo)/float64(o.Contours+1)
		sty := draw.LineStyle{Color: contourColor(sc.color(sc.pos(level))), Width: vg.Points(contourWidth)}
		layer.contours = append(layer.contours, isoline{lines: tr.trace(xs, ys, s, level), style: sty})
		bar.marks = append(bar.marks, barMark{s: level, style: sty})
	}

	var entries []heatLegendEntry
	for _, pa := range o.Paths {
		if pa.Label != "" {
			entries = append(entries, heatLegendEntry{pa.Label, pathThumb{th.Color(pa.Color), th.Background}})
		}
	}
	if o.OutlineNegative {
		// The outline follows Z itself, whatever the scale: on a log
		// scale its level is not on the colour bar.
		z := s
		if o.Scale == LogSequential {
			z = make([]float64, len(g.Z))
			for i, v := range g.Z {
				z[i] = v
				if !finite(v) {
					z[i] = math.NaN()
				}
			}
		}
		sty := draw.LineStyle{Color: outlineColor(sc, th), Width: vg.Points(outlineWidth)}
		layer.contours = append(layer.contours, isoline{lines: tr.trace(xs, ys, z, 0), style: sty})
		if zero := sc.scaled(0); !math.IsNaN(zero) && sc.slo < zero && zero < sc.shi {
			bar.marks = append(bar.marks, barMark{s: zero, style: sty})
		}
		if negative {
			label := o.NegativeLabel
			if label == "" {
				label = "negative"
			}
			entries = append(entries, heatLegendEntry{label, outlineThumb{sty, sc.negativeColor()}})
		}
	}
	if noData {
		entries = append(entries, heatLegendEntry{"no data", noDataThumb{sc}})
	}

	ov := &overlay{theme: th, legend: entries}
	for _, pa := range o.Paths {
		x, y := keepDrawable(pa.X, pa.Y, false)
		ov.paths = append(ov.paths, overlayPath{x: x, y: y, color: th.Color(pa.Color)})
	}
	for _, m := range o.Markers {
		if finite(m.X) && finite(m.Y) {
			ov.markers = append(ov.markers, m)
		}
	}
	p.Add(layer, ov, bar)
	return &heatmap{plot: p, layer: layer, overlay: ov, bar: bar}, nil
}

// check reports what is wrong with g, if anything.
func (g Grid) check() error {
	if len(g.X) == 0 || len(g.Y) == 0 || len(g.Z) == 0 {
		return fmt.Errorf("empty grid (%d x, %d y and %d z values)", len(g.X), len(g.Y), len(g.Z))
	}
	if len(g.X) < 2 || len(g.Y) < 2 {
		return fmt.Errorf("grid of %d×%d values, want at least 2 x and 2 y values", len(g.X), len(g.Y))
	}
	if len(g.Z) != len(g.X)*len(g.Y) {
		return fmt.Errorf("%d z values for %d x and %d y values, want %d (one per x, y pair)", len(g.Z), len(g.X), len(g.Y), len(g.X)*len(g.Y))
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"x", g.X}, {"y", g.Y}} {
		for i, v := range a.v {
			switch {
			case !finite(v):
				return fmt.Errorf("%s value %d is %v, want finite values", a.name, i, v)
			case i > 0 && v <= a.v[i-1]:
				return fmt.Errorf("%s value %d is %v after %v, want strictly increasing values", a.name, i, v, a.v[i-1])
			}
		}
	}
	return nil
}

// Line widths and sizes of a heat map's overlays, in points.
const (
	contourWidth = 0.6
	outlineWidth = 2.25
	pathWidth    = 1.5
	haloWidth    = 0.75 // the background-coloured rim around paths and markers
	dotRadius    = 1.75 // intermediate points of a path
	endRadius    = 3.75 // the first and last points of a path
	ringWidth    = 1.5  // the open circle at a path's first point
	crossRadius  = 4.5  // markers
	crossWidth   = 1.75
)

// lutSize is the number of colours a colour map is sampled at.
const lutSize = 256

// heatScale maps values to colours: a value is first scaled (log10 on
// LogSequential), then placed at t = ka*s + kb along the colour map,
// clamped to the range shown on the colour bar.
type heatScale struct {
	kind     ColorScale
	lo, hi   float64 // the colour bar's range, in data units
	slo, shi float64 // the same, scaled
	ka, kb   float64
	tlo, thi float64 // t at lo and hi
	lut      [lutSize][4]uint8
	noData   [2][4]uint8 // the two colours of the "no data" hatching
}

// newHeatScale returns a scale of the given kind in th's colours; its range
// is set by setRange.
func newHeatScale(kind ColorScale, th Theme) *heatScale {
	sc := &heatScale{kind: kind}
	dark := Luminance(th.Background) < 0.2
	for i := range sc.lut {
		t := float64(i) / (lutSize - 1)
		var c color.NRGBA
		if kind == Diverging {
			c = divergingColor(2*t-1, dark)
		} else {
			c = viridisColor(t)
		}
		sc.lut[i] = [4]uint8{c.R, c.G, c.B, 0xff}
	}
	// Greys, which neither map contains, a little apart from the
	// background so that missing data does not read as empty plot.
	a, b := Mix(th.Background, th.Foreground, 0.22), Mix(th.Background, th.Foreground, 0.42)
	for i, c := range []color.Color{a, b} {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		sc.noData[i] = [4]uint8{n.R, n.G, n.B, 0xff}
	}
	return sc
}

// scaled returns z in the scale's units, NaN if it cannot be coloured.
func (sc *heatScale) scaled(z float64) float64 {
	switch {
	case !finite(z):
		return math.NaN()
	case sc.kind == LogSequential && z <= 0:
		return math.NaN()
	case sc.kind == LogSequential:
		return math.Log10(z)
	}
	return z
}

// unscaled is the inverse of scaled.
func (sc *heatScale) unscaled(s float64) float64 {
	if sc.kind == LogSequential {
		return math.Pow(10, s)
	}
	return s
}

// setRange sets the colour range: zmin..zmax if they are a valid fixed
// range, otherwise the finite range of the scaled values s.
func (sc *heatScale) setRange(s []float64, zmin, zmax float64) {
	fixed := finite(zmin) && finite(zmax) && zmin < zmax && (sc.kind != LogSequential || zmin > 0)
	if fixed {
		sc.lo, sc.hi = zmin, zmax
	} else {
		smin, smax := math.Inf(1), math.Inf(-1)
		for _, v := range s {
			if !math.IsNaN(v) {
				smin, smax = math.Min(smin, v), math.Max(smax, v)
			}
		}
		switch {
		case smin > smax: // no data at all
			smin, smax = 0, 1
			if sc.kind == Diverging {
				smin = -1
			}
		case smin == smax && sc.kind == LogSequential:
			smin, smax = smin-math.Log10(2), smax+math.Log10(2)
		case smin == smax:
			d := math.Abs(smin) / 10
			if d == 0 {
				d = 1
			}
			smin, smax = smin-d, smax+d
		}
		if sc.kind == Diverging {
			m := math.Max(math.Abs(smin), math.Abs(smax))
			smin, smax = -m, m
		}
		sc.lo, sc.hi = sc.unscaled(smin), sc.unscaled(smax)
	}
	sc.slo, sc.shi = sc.scaled(sc.lo), sc.scaled(sc.hi)
	if sc.kind == Diverging {
		m := math.Max(math.Abs(sc.lo), math.Abs(sc.hi))
		sc.ka, sc.kb = 0.5/m, 0.5
	} else {
		sc.ka = 1 / (sc.shi - sc.slo)
		sc.kb = -sc.slo * sc.ka
	}
	sc.tlo, sc.thi = sc.ka*sc.slo+sc.kb, sc.ka*sc.shi+sc.kb
}

// pos returns the position along the colour map of scaled value s,
// clamped to the colour range. s must not be NaN.
func (sc *heatScale) pos(s float64) float64 {
	return math.Min(math.Max(sc.ka*s+sc.kb, sc.tlo), sc.thi)
}

// index returns the colour map entry at position t.
func index(t float64) int { return int(t*(lutSize-1) + 0.5) }

// color returns the colour at position t along the colour map.
func (sc *heatScale) color(t float64) color.NRGBA {
	c := sc.lut[index(t)]
	return color.NRGBA{R: c[0], G: c[1], B: c[2], A: c[3]}
}

// negativeColor returns the colour of a typical negative value: for
// Diverging, the colour of -0.6 times its half range; for Sequential, of
// half the lowest value; on a log scale, where negative values are missing,
// the "no data" grey.
func (sc *heatScale) negativeColor() color.NRGBA {
	switch sc.kind {
	case Diverging:
		return sc.color(0.2)
	case Sequential:
		return sc.color(sc.pos(math.Min(sc.lo, 0) / 2))
	}
	n := sc.noData[1]
	return color.NRGBA{R: n[0], G: n[1], B: n[2], A: n[3]}
}

// viridis holds every eighth entry of matplotlib's viridis table (and the
// last), published under CC0 by Nathaniel Smith, Stéfan van der Walt and
// Eric Firing; linear interpolation between them stays within 1.7/255 of
// the full table.
var viridis = [...]uint32{
	0x440154, 0x470d60, 0x48186a, 0x482374, 0x472d7b, 0x453781, 0x424086, 0x3e4989,
	0x3b528b, 0x375b8d, 0x33638d, 0x2f6b8e, 0x2c728e, 0x297a8e, 0x26828e, 0x23898e,
	0x21918c, 0x1f988b, 0x1fa088, 0x22a785, 0x28ae80, 0x32b67a, 0x3fbc73, 0x4ec36b,
	0x5ec962, 0x70cf57, 0x84d44b, 0x98d83e, 0xaddc30, 0xc2df23, 0xd8e219, 0xece51b,
	0xfde725, // entry 255, seven after the one before
}

// viridisColor returns viridis at t in [0, 1].
func viridisColor(t float64) color.NRGBA {
	x := math.Min(math.Max(t, 0), 1) * 255
	i := min(int(x/8), len(viridis)-2)
	x0, x1 := float64(8*i), math.Min(float64(8*(i+1)), 255)
	f := (x - x0) / (x1 - x0)
	a, b := viridis[i], viridis[i+1]
	ch := func(shift uint) uint8 {
		ca, cb := float64(a>>shift&0xff), float64(b>>shift&0xff)
		return uint8(math.Round(ca + f*(cb-ca)))
	}
	return color.NRGBA{R: ch(16), G: ch(8), B: ch(0), A: 0xff}
}

// The diverging map runs in CIELAB along straight lines from a grey neutral
// to an end colour on either side, so that ±v are the same distance from
// the neutral and as light as each other. The ends are as saturated as
// sRGB allows at their lightness for both hues, blue and red, which stay
// apart with red-green colour blindness. The neutral is a grey a little
// apart from the theme's background, so that the map's near-zero regions
// do not read as empty plot.
var (
	divergingLight = divergingEnds{neutral: 92, end: 38, chroma: 48, negHue: 280, posHue: 35}
	divergingDark  = divergingEnds{neutral: 24, end: 72, chroma: 43, negHue: 265, posHue: 40}
)

type divergingEnds struct {
	neutral, end, chroma float64 // L* of the neutral and of the ends, C* of the ends
	negHue, posHue       float64 // in degrees
}

// divergingColor returns the diverging map at u in [-1, 1]: the neutral
// colour at 0, the blue end at -1, the red end at 1.
func divergingColor(u float64, dark bool) color.NRGBA {
	d := divergingLight
	if dark {
		d = divergingDark
	}
	u = math.Min(math.Max(u, -1), 1)
	h := d.posHue
	if u < 0 {
		h = d.negHue
	}
	t := math.Abs(u)
	sin, cos := math.Sincos(h * math.Pi / 180)
	return labColor(d.neutral+t*(d.end-d.neutral), t*d.chroma*cos, t*d.chroma*sin)
}

// labColor converts CIE L*a*b* (D65) to sRGB, clamping out-of-gamut
// channels.
func labColor(l, a, b float64) color.NRGBA {
	finv := func(t float64) float64 {
		if t3 := t * t * t; t3 > 216.0/24389 {
			return t3
		}
		return (116*t - 16) / (24389.0 / 27)
	}
	fy := (l + 16) / 116
	x, y, z := 0.95047*finv(fy+a/500), finv(fy), 1.08883*finv(fy-b/200)
	ch := func(v float64) uint8 {
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		return uint8(math.Round(255 * math.Min(math.Max(v, 0), 1)))
	}
	return color.NRGBA{
		R: ch(3.2406*x - 1.5372*y - 0.4986*z),
		G: ch(-0.9689*x + 1.8758*y + 0.0415*z),
		B: ch(0.0557*x - 0.2040*y + 1.0570*z),
		A: 0xff,
	}
}

// contourColor returns the colour of a contour line over the map colour c:
// c taken halfway to white on dark colours and to black on light ones, so
// that every line reads on the colour it runs along (which is c, as a
// contour line follows its level) without shouting.
func contourColor(c color.Color) color.Color {
	if Contrast(color.White, c) > Contrast(color.Black, c) {
		return Mix(c, color.White, 0.6)
	}
	return Mix(c, color.Black, 0.5)
}

// outlineColor returns the colour of the zero outline: black or white,
// whichever stands out more on the map's colour at zero.
func outlineColor(sc *heatScale, th Theme) color.Color {
	at := th.Background
	if s := sc.scaled(0); !math.IsNaN(s) {
		at = sc.color(sc.pos(s))
	}
	if Contrast(color.White, at) > Contrast(color.Black, at) {
		return color.White
	}
	return color.Black
}

// heatLayer draws the map itself, its contour lines and the zero outline.
type heatLayer struct {
	x, y     []float64
	s        []float64 // scaled samples, row-major, NaN for no data
	scale    *heatScale
	contours []isoline
}

// isoline is a contour level as polylines in data coordinates.
type isoline struct {
	lines []plotter.XYs
	style draw.LineStyle
}

// Plot implements plot.Plotter.
func (l *heatLayer) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	stripe := max(1, int(math.Round(2.25*deviceDPI(dc)/72))) // hatching: 3 pixels light, 3 dark at 96 DPI
	paintRaster(dc, dc.Rectangle, func(a rasterArea) { l.raster(a, stripe) })

	trX, trY := p.Transforms(&dc)
	var pts []vg.Point
	for _, iso := range l.contours {
		for _, line := range iso.lines {
			pts = pts[:0]
			for _, pt := range line {
				pts = append(pts, vg.Point{X: trX(pt.X), Y: trY(pt.Y)})
			}
			dc.StrokeLines(iso.style, pts)
		}
	}
}

// drawable reports whether a plotting area has room to draw in. A chart
// too small for its text and axes leaves none, or one with non-finite
// corners, in which filling a path would never finish.
func drawable(dc draw.Canvas) bool {
	r := dc.Rectangle
	return finite(float64(r.Min.X)) && finite(float64(r.Min.Y)) && finite(float64(r.Max.X)) && finite(float64(r.Max.Y)) &&
		r.Max.X > r.Min.X && r.Max.Y > r.Min.Y
}

// cellPos is where a pixel column (or row) falls in the grid: between
// samples i and i+1, a fraction f of the way, nearest to sample near.
type cellPos struct {
	i, near int
	f       float64
}

// cellPositions returns the cell positions of the pixel columns (or rows)
// k from first up to end, whose centres are at fractions (k + 0.5 - start)
// / span along the axis from v[0] to v[last] (reversed: from v[last] down
// to v[0]).
func cellPositions(v []float64, first, end int, start, span float64, reversed bool) []cellPos {
	out := make([]cellPos, end-first)
	last := len(v) - 1
	i := 0
	if reversed {
		i = last - 1
	}
	for k := range out {
		t := math.Min(math.Max((float64(first+k)+0.5-start)/span, 0), 1)
		if reversed {
			t = 1 - t
		}
		x := v[0] + t*(v[last]-v[0])
		if reversed {
			for i > 0 && x < v[i] {
				i--
			}
		} else {
			for i < last-1 && x >= v[i+1] {
				i++
			}
		}
		f := math.Min(math.Max((x-v[i])/(v[i+1]-v[i]), 0), 1)
		near := i
		if f >= 0.5 {
			near = i + 1
		}
		out[k] = cellPos{i: i, near: near, f: f}
	}
	return out
}

// raster paints the map into a: each pixel coloured by the bilinear
// interpolation of the scaled samples around its centre or, next to a
// missing sample, by the nearest sample; missing samples are hatched with
// diagonal stripes stripe pixels wide.
func (l *heatLayer) raster(a rasterArea, stripe int) {
	b := a.img.Bounds()
	cols := cellPositions(l.x, b.Min.X, b.Max.X, a.left, a.width, false)
	rows := cellPositions(l.y, b.Min.Y, b.Max.Y, a.top, a.height, true) // y grows downwards
	nx := len(l.x)
	sc := l.scale
	for j, rp := range rows {
		below, above := l.s[rp.i*nx:(rp.i+1)*nx], l.s[(rp.i+1)*nx:(rp.i+2)*nx]
		nearRow := l.s[rp.near*nx : (rp.near+1)*nx]
		fy := rp.f
		o := a.img.PixOffset(b.Min.X, b.Min.Y+j)
		pix := a.img.Pix[o : o+4*len(cols)]
		for i, cp := range cols {
			c, fx := cp.i, cp.f
			v := (below[c]+fx*(below[c+1]-below[c]))*(1-fy) + (above[c]+fx*(above[c+1]-above[c]))*fy
			if v != v { // NaN: a corner is missing
				v = nearRow[cp.near]
			}
			var rgba [4]uint8
			if v != v {
				rgba = sc.noData[((i+j)/stripe)&1]
			} else {
				rgba = sc.lut[index(sc.pos(v))]
			}
			copy(pix[4*i:4*i+4], rgba[:])
		}
	}
}

// imageCanvas returns the image canvas under dc, or nil if there is none.
// gonum/plot nests draw.Canvases (which only narrow the drawing area) as
// it lays a plot out.
func imageCanvas(dc draw.Canvas) *vgimg.Canvas {
	var c vg.Canvas = dc
	for {
		switch v := c.(type) {
		case *vgimg.Canvas:
			return v
		case draw.Canvas:
			c = v.Canvas
		case *draw.Canvas:
			c = v.Canvas
		default:
			return nil
		}
	}
}

// rasterArea is where a raster is painted: the pixels of img (its Bounds)
// and, in the same pixel coordinates, the exact rectangle the raster
// stands for, which the pixels' centres sample.
type rasterArea struct {
	img                      *image.RGBA
	left, top, width, height float64
}

// paintRaster fills rect of dc with an image that paint paints. On an
// image canvas, paint paints the canvas's own pixels whose centres lie in
// rect. Elsewhere (SVG) it paints an image of rect's size in pixels, which
// is then drawn into rect.
//
// The first path exists for speed: vgimg's DrawImage resamples through
// x/image/draw's generic bilinear kernel, which made BenchmarkHeatmap take
// 15 ms instead of 9. It assumes what Render guarantees: an untransformed
// canvas of RGBA pixels (TestHeatmapRasterPaths checks that both paths put
// the map in the same place).
func paintRaster(dc draw.Canvas, rect vg.Rectangle, paint func(rasterArea)) {
	dpi := deviceDPI(dc)
	scale := dpi / 72
	w, h := float64(rect.Max.X-rect.Min.X)*scale, float64(rect.Max.Y-rect.Min.Y)*scale
	if c := imageCanvas(dc); c != nil {
		if dst, ok := c.Image().(*image.RGBA); ok {
			b := dst.Bounds()
			a := rasterArea{
				left:   float64(b.Min.X) + float64(rect.Min.X)*scale,
				top:    float64(b.Max.Y) - float64(rect.Max.Y)*scale,
				width:  w,
				height: h,
			}
			px := image.Rect(
				int(math.Round(a.left)), int(math.Round(a.top)),
				int(math.Round(a.left+w)), int(math.Round(a.top+h))).Intersect(b)
			if px.Empty() {
				return
			}
			a.img = dst.SubImage(px).(*image.RGBA)
			paint(a)
			return
		}
	}
	iw, ih := int(math.Round(w)), int(math.Round(h))
	if iw < 1 || ih < 1 {
		return
	}
	img := image.NewRGBA(image.Rect(0, 0, iw, ih))
	paint(rasterArea{img: img, width: float64(iw), height: float64(ih)})
	dc.DrawImage(rect, img)
}

// tracer finds contour lines by marching squares. Its buffers, one slot
// per cell edge, are reused from level to level.
type tracer struct {
	nx, ny int
	link   [][2]int32 // the edges joined to each edge by a segment, -1 for none
	seen   []bool
}

// newTracer returns a tracer for grids of nx×ny samples.
func newTracer(nx, ny int) *tracer {
	n := (nx-1)*ny + nx*(ny-1)
	return &tracer{nx: nx, ny: ny, link: make([][2]int32, n), seen: make([]bool, n)}
}

// trace returns the contour lines of s (row-major over xs, ys) at level as
// polylines, joined across cells; closed curves end where they start.
// Cells with a NaN corner have no contour, so lines stop at missing data.
// The saddle cells are resolved by the value at their centre.
//
// Edges are numbered horizontal first: the edge from sample (c, r) to
// (c+1, r) is r*(nx-1)+c; the edge from (c, r) to (c, r+1) is
// (nx-1)*ny + r*nx+c.
func (t *tracer) trace(xs, ys, s []float64, level float64) []plotter.XYs {
	nx, ny := t.nx, t.ny
	nh := (nx - 1) * ny
	for i := range t.link {
		t.link[i] = [2]int32{-1, -1}
		t.seen[i] = false
	}
	join := func(a, b int) {
		for _, e := range [2][2]int{{a, b}, {b, a}} {
			if t.link[e[0]][0] < 0 {
				t.link[e[0]][0] = int32(e[1])
			} else {
				t.link[e[0]][1] = int32(e[1])
			}
		}
	}
	found := false
	for r := range ny - 1 {
		for c := range nx - 1 {
			z0, z1 := s[r*nx+c], s[r*nx+c+1]         // bottom left, bottom right
			z2, z3 := s[(r+1)*nx+c+1], s[(r+1)*nx+c] // top right, top left
			if math.IsNaN(z0 + z1 + z2 + z3) {
				continue
			}
			k := 0
			for bit, z := range [4]float64{z0, z1, z2, z3} {
				if z >= level {
					k |= 1 << bit
				}
			}
			if k == 0 || k == 15 {
				continue
			}
			found = true
			bottom, top := r*(nx-1)+c, (r+1)*(nx-1)+c
			left, right := nh+r*nx+c, nh+r*nx+c+1
			centreAbove := (z0+z1+z2+z3)/4 >= level
			switch k {
			case 1, 14:
				join(left, bottom)
			case 2, 13:
				join(bottom, right)
			case 3, 12:
				join(left, right)
			case 4, 11:
				join(right, top)
			case 6, 9:
				join(bottom, top)
			case 7, 8:
				join(left, top)
			case 5: // bottom left and top right above
				if centreAbove {
					join(bottom, right)
					join(left, top)
				} else {
					join(left, bottom)
					join(right, top)
				}
			case 10: // bottom right and top left above
				if centreAbove {
					join(left, bottom)
					join(right, top)
				} else {
					join(bottom, right)
					join(left, top)
				}
			}
		}
	}
	if !found {
		return nil
	}

	// point returns where the contour crosses edge e.
	point := func(e int) plotter.XY {
		var a, b int // the samples at the ends of e
		if e < nh {
			r, c := e/(nx-1), e%(nx-1)
			a, b = r*nx+c, r*nx+c+1
		} else {
			a = e - nh
			b = a + nx
		}
		f := (level - s[a]) / (s[b] - s[a])
		xa, ya := xs[a%nx], ys[a/nx]
		return plotter.XY{X: xa + f*(xs[b%nx]-xa), Y: ya + f*(ys[b/nx]-ya)}
	}
	var lines []plotter.XYs
	walk := func(start int) {
		var line plotter.XYs
		prev, cur := -1, start
		for cur >= 0 && !t.seen[cur] {
			t.seen[cur] = true
			line = append(line, point(cur))
			next := int(t.link[cur][0])
			if next == prev || next < 0 {
				next = int(t.link[cur][1])
			}
			prev, cur = cur, next
		}
		if cur == start && len(line) > 2 { // closed
			line = append(line, line[0])
		}
		if len(line) > 1 {
			lines = append(lines, line)
		}
	}
	// Open lines first, from one of their ends; then what is left is closed.
	for e, l := range t.link {
		if l[0] >= 0 && l[1] < 0 && !t.seen[e] {
			walk(e)
		}
	}
	for e, l := range t.link {
		if l[0] >= 0 && !t.seen[e] {
			walk(e)
		}
	}
	return lines
}

// overlay draws the paths and markers over a heat map, and its legend.
type overlay struct {
	theme   Theme
	paths   []overlayPath
	markers []Marker
	legend  []heatLegendEntry
}

type overlayPath struct {
	x, y  []float64 // finite points
	color color.Color
}

// Plot implements plot.Plotter.
func (o *overlay) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	trX, trY := p.Transforms(&dc)
	halo := o.theme.Background
	var drawn []drawnCurve
	for _, pa := range o.paths {
		if len(pa.x) == 0 {
			continue
		}
		pts := make([]vg.Point, len(pa.x))
		for i := range pa.x {
			pts[i] = vg.Point{X: trX(pa.x[i]), Y: trY(pa.y[i])}
		}
		drawn = append(drawn, drawnCurve{points: pts, markers: true, weight: 1})
		var lines [][]vg.Point
		if len(pts) > 1 {
			lines = dc.ClipLinesXY(pts)
		}
		first, last := pts[0], pts[len(pts)-1]
		// The halos go under everything of the path, so that they never
		// cut into its line.
		for pass, col := range []color.Color{halo, pa.color} {
			rim := vg.Points(haloWidth)
			if pass == 1 {
				rim = 0
			}
			line := draw.LineStyle{Color: col, Width: vg.Points(pathWidth) + 2*rim}
			for _, l := range lines {
				strokeChunked(dc, line, l)
			}
			for i := 1; i < len(pts)-1; i++ {
				if pt := pts[i]; dc.Contains(pt) {
					fillCircle(dc, col, pt, vg.Points(dotRadius)+rim)
				}
			}
			if dc.Contains(first) {
				strokeCircle(dc, draw.LineStyle{Color: col, Width: vg.Points(ringWidth) + 2*rim}, first, vg.Points(endRadius)-vg.Points(ringWidth)/2)
			}
			if dc.Contains(last) && len(pts) > 1 {
				fillCircle(dc, col, last, vg.Points(endRadius)+rim)
			}
		}
	}

	ink := inkOn(o.theme.Background)
	type label struct {
		pt   vg.Point
		text string
	}
	var labels []label
	for _, m := range o.markers {
		pt := vg.Point{X: trX(m.X), Y: trY(m.Y)}
		if !dc.Contains(pt) {
			continue
		}
		drawn = append(drawn, drawnCurve{points: []vg.Point{pt}, markers: true, weight: 1})
		drawCross(dc, draw.LineStyle{Color: halo, Width: vg.Points(crossWidth + 2*haloWidth)}, pt, vg.Points(crossRadius+haloWidth))
		drawCross(dc, draw.LineStyle{Color: ink, Width: vg.Points(crossWidth)}, pt, vg.Points(crossRadius))
		if m.Label != "" {
			labels = append(labels, label{pt, m.Label})
		}
	}
	for _, l := range labels {
		box := o.markerLabel(dc, l.pt, l.text, drawn)
		drawn = append(drawn, drawnCurve{points: append(rectPoints(box), box.Min), weight: 1})
	}
	if len(o.legend) > 0 {
		o.drawLegend(dc, drawn)
	}
}

// inkOn returns black or white, whichever stands out more on bg.
func inkOn(bg color.Color) color.Color {
	if Contrast(color.White, bg) > Contrast(color.Black, bg) {
		return color.White
	}
	return color.Black
}

// markerLabel writes a marker's label beside it, on a box of the background
// colour: right of it, left, above or below, whichever of those that fit
// in the map hides the least of what is drawn (the first of equals). It
// returns the box.
func (o *overlay) markerLabel(dc draw.Canvas, pt vg.Point, label string, drawn []drawnCurve) vg.Rectangle {
	t := newTag(o.theme, label)
	w, h := t.size()
	gap := vg.Points(crossRadius + 2)
	at := func(left, bottom vg.Length) vg.Rectangle {
		return vg.Rectangle{Min: vg.Point{X: left, Y: bottom}, Max: vg.Point{X: left + w, Y: bottom + h}}
	}
	var fits []vg.Rectangle
	for _, box := range []vg.Rectangle{
		at(pt.X+gap, pt.Y-h/2),   // right
		at(pt.X-gap-w, pt.Y-h/2), // left
		at(pt.X-w/2, pt.Y+gap),   // above
		at(pt.X-w/2, pt.Y-gap-h), // below
	} {
		if box.Min.X >= dc.Min.X && box.Max.X <= dc.Max.X && box.Min.Y >= dc.Min.Y && box.Max.Y <= dc.Max.Y {
			fits = append(fits, box)
		}
	}
	box := at(pt.X+gap, pt.Y-h/2)
	if len(fits) > 0 {
		box = fits[leastCovered(fits, drawn)]
	}
	t.draw(dc, box, withAlpha(o.theme.Background, 0.8))
	return box
}

// rectPoints returns the corners of r, counter-clockwise from Min.
func rectPoints(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}

func fillCircle(dc draw.Canvas, c color.Color, pt vg.Point, r vg.Length) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	dc.SetColor(c)
	dc.Fill(p)
}

func strokeCircle(dc draw.Canvas, sty draw.LineStyle, pt vg.Point, r vg.Length) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	dc.SetLineStyle(sty)
	dc.Stroke(p)
}

// drawCross draws an × of the given radius.
func drawCross(dc draw.Canvas, sty draw.LineStyle, pt vg.Point, r vg.Length) {
	d := r * 0.7071
	dc.StrokeLines(sty,
		[]vg.Point{{X: pt.X - d, Y: pt.Y - d}, {X: pt.X + d, Y: pt.Y + d}},
		[]vg.Point{{X: pt.X - d, Y: pt.Y + d}, {X: pt.X + d, Y: pt.Y - d}})
}

// heatLegendEntry is a line of a heat map's legend.
type heatLegendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// drawLegend draws the legend in the corner of the map that covers the
// least of what is drawn over it, on a box of the background colour that
// lets the map show through a little.
func (o *overlay) drawLegend(dc draw.Canvas, drawn []drawnCurve) {
	drawLegendBox(dc, o.theme, 0.85, drawn, func(lg *plot.Legend) {
		for _, e := range o.legend {
			lg.Add(e.label, e.thumb)
		}
	})
}

// pathThumb is a path's legend entry: a short line ending in a dot.
type pathThumb struct{ color, halo color.Color }

// Thumbnail implements plot.Thumbnailer.
func (t pathThumb) Thumbnail(dc *draw.Canvas) {
	y := dc.Center().Y
	end := vg.Point{X: dc.Max.X - vg.Points(endRadius), Y: y}
	dc.StrokeLine2(draw.LineStyle{Color: t.color, Width: vg.Points(pathWidth)}, dc.Min.X, y, end.X, y)
	fillCircle(*dc, t.color, end, vg.Points(endRadius))
}

// outlineThumb is the zero outline's legend entry: a swatch of a negative
// value's colour ringed by the outline, which reads as "regions like this,
// outlined like this" whichever side of the line the negative values are.
type outlineThumb struct {
	style draw.LineStyle
	fill  color.Color
}

// Thumbnail implements plot.Thumbnailer.
func (t outlineThumb) Thumbnail(dc *draw.Canvas) {
	r := swatch(dc)
	dc.FillPolygon(t.fill, rectPoints(r))
	dc.StrokeLines(t.style, append(rectPoints(r), r.Min, rectPoints(r)[1]))
}

// swatch returns the rectangle of a legend thumbnail that shows an area.
func swatch(dc *draw.Canvas) vg.Rectangle {
	c := dc.Center()
	hh := vg.Points(legendSize) * 0.38
	return vg.Rectangle{Min: vg.Point{X: dc.Min.X + hh/2, Y: c.Y - hh}, Max: vg.Point{X: dc.Max.X - hh/2, Y: c.Y + hh}}
}

// noDataThumb is the legend entry of missing data: a hatched swatch.
type noDataThumb struct{ scale *heatScale }

// Thumbnail implements plot.Thumbnailer.
func (t noDataThumb) Thumbnail(dc *draw.Canvas) {
	sw := draw.Canvas{Canvas: dc.Canvas, Rectangle: swatch(dc)}
	hh := sw.Max.Y - sw.Min.Y
	col := func(i int) color.Color {
		n := t.scale.noData[i]
		return color.NRGBA{R: n[0], G: n[1], B: n[2], A: n[3]}
	}
	sw.FillPolygon(col(0), rectPoints(sw.Rectangle))
	step := vg.Points(2.25) * 2
	sty := draw.LineStyle{Color: col(1), Width: vg.Points(2.25) / 1.4142}
	for x := sw.Min.X - hh; x < sw.Max.X; x += step {
		sw.StrokeLines(sty, sw.ClipLinesXY([]vg.Point{{X: x, Y: sw.Max.Y}, {X: x + hh, Y: sw.Min.Y}})...)
	}
}

// colorBar draws a heat map's colour bar right of the map, as tall as it,
// with ticks and the ZLabel on its right (a sideScale). It lies outside
// the plotting area: its GlyphBoxes make the plot leave room for it.
type colorBar struct {
	scale *heatScale
	marks []barMark
	theme Theme
	side  *sideScale
}

// barMark is a line across the colour bar at a contour level.
type barMark struct {
	s     float64 // scaled level
	style draw.LineStyle
}

// Colour bar layout, in points.
const (
	barGap   = 12 // between the map and the bar
	barWidth = 11 // of the bar
)

// newColorBar returns the colour bar of sc, titled label.
func newColorBar(sc *heatScale, label string, th Theme) *colorBar {
	ink := draw.LineStyle{Color: th.Foreground, Width: vg.Points(0.75)}
	var ticks axisFitter = linearTicks{Target: 6}
	if sc.kind == LogSequential {
		ticks = logTicks{}
	}
	side := newSideScale(sc.lo, sc.hi, ticks, label,
		vg.Points(barGap+barWidth), vg.Points(barGap), ink, th.Foreground, th.Foreground)
	return &colorBar{scale: sc, theme: th, side: side}
}

// frac returns the fraction of the bar's height, from the bottom, at which
// scaled value s is drawn.
func (b *colorBar) frac(s float64) float64 {
	return (s - b.scale.slo) / (b.scale.shi - b.scale.slo)
}

// GlyphBoxes implements plot.GlyphBoxer: boxes right of the plotting area
// for the bar, its tick labels and the ZLabel, so that the plot leaves
// room for the colour bar.
func (b *colorBar) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return b.side.boxes }

// Plot implements plot.Plotter.
func (b *colorBar) Plot(dc draw.Canvas, _ *plot.Plot) {
	if !drawable(dc) {
		return
	}
	sc := b.scale
	x0 := dc.Max.X + vg.Points(barGap)
	x1 := x0 + vg.Points(barWidth)
	y0, y1 := dc.Min.Y, dc.Max.Y
	if y1 <= y0 {
		return
	}
	bar := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}
	paintRaster(dc, bar, func(a rasterArea) {
		b := a.img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			f := math.Min(math.Max((float64(y)+0.5-a.top)/a.height, 0), 1) // from the top
			c := sc.lut[index(sc.pos(sc.shi-f*(sc.shi-sc.slo)))]
			for x := b.Min.X; x < b.Max.X; x++ {
				copy(a.img.Pix[a.img.PixOffset(x, y):], c[:])
			}
		}
	})
	for _, m := range b.marks {
		y := dc.Y(b.frac(m.s))
		dc.StrokeLine2(m.style, x0, y, x1, y)
	}
	dc.StrokeLines(draw.LineStyle{Color: b.theme.Foreground, Width: vg.Points(0.5)}, append(rectPoints(bar), bar.Min))
	b.side.draw(dc)
}
