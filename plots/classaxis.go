package plots

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// setClassAxis makes a an axis of class labels: class i at i, the range
// one cell wider than the classes, and the first class at the top if down.
// Drawn by Render or Save, the axis fits its labels to its length (see
// classTicks); priority, if not nil, lists the classes in the order they
// keep their labels when not all fit.
func setClassAxis(a *plot.Axis, labels []string, down bool, priority []int) {
	a.Min, a.Max = -0.5, float64(len(labels))-0.5
	if down {
		a.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	}
	a.Tick.Marker = classTicks{names: labels, priority: priority}
	a.Tick.Length = vg.Points(3)
}

// maxLabelRunes is the longest class label drawn in full.
const maxLabelRunes = 14

// Fitting class labels: the smallest font they shrink to, and the share of
// the chart's width (y axis) or height (x axis) they may take.
const (
	minTickSize     = 7 // points: 9⅓ pixels at 96 DPI
	classLabelShare = 0.3
)

// classTicks marks the classes of a class axis, class i at i, each
// labelled with its name cut to maxLabelRunes. Fitted to an axis's length
// (fitAxis), it keeps the labels at the tick size where they fit and
// otherwise, in turn: tilts them (on an x axis, by 30° then 60°), makes
// them smaller (down to minTickSize), shortens them to classLabelShare of
// the chart, and labels only some of the classes, with a tick still
// marking every class: the first of priority that keep clear of each
// other, or every k-th class if priority is nil. A GUI shows the names it
// leaves out on hover (Chart.DataAt: the class under the pointer is the
// nearest whole number).
type classTicks struct {
	names    []string
	priority []int

	// Set by fitAxis:
	runes int    // names cut to this many runes; 0 means maxLabelRunes
	shown []bool // the classes labelled; nil means all
}

// label returns the label of class i, "" if it is not labelled.
func (t classTicks) label(i int) string {
	if t.shown != nil && !t.shown[i] {
		return ""
	}
	runes := t.runes
	if runes == 0 {
		runes = maxLabelRunes
	}
	return shorten(t.names[i], runes)
}

// Ticks implements plot.Ticker.
func (t classTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := make([]plot.Tick, len(t.names))
	for i := range t.names {
		ticks[i] = plot.Tick{Value: float64(i), Label: t.label(i)}
	}
	return ticks
}

// fitAxis implements axisFitter.
func (t classTicks) fitAxis(a *plot.Axis, length, across vg.Length, horizontal bool) {
	n := len(t.names)
	if n == 0 {
		return
	}
	pitch := length / vg.Length(n)
	budget := classLabelShare * across
	sty := a.Tick.Label
	base := sty.Font.Size

	// set applies a fit: labels at size, tilted by angle (their ends at
	// their ticks), cut to the budget, and the classes labelled.
	set := func(size font.Length, angle float64) classTicks {
		sty.Font.Size = size
		sty.Rotation = angle
		switch {
		case angle != 0:
			sty.XAlign, sty.YAlign = draw.XRight, draw.YTop
		case horizontal: // gonum/plot's alignments
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		default:
			sty.XAlign, sty.YAlign = draw.XRight, draw.YCenter
		}
		a.Tick.Label = sty
		f := t
		f.runes = fitRunes(sty, t.names, budget, horizontal)
		a.Tick.Marker = f
		return f
	}
	// need returns the spacing along the axis that stacked or tilted
	// labels need.
	need := func() vg.Length {
		h := sty.Height("0") + labelGap*sty.Font.Size
		sin, cos := math.Sincos(sty.Rotation)
		if horizontal {
			return h / vg.Length(math.Abs(sin))
		}
		return h / vg.Length(math.Abs(cos))
	}

	if !horizontal {
		size := base
		sty.Rotation = 0
		if h := sty.Height("0") + labelGap*base; pitch < h {
			size = max(minTickSize, base*font.Length(pitch/h))
		}
		t.thin(set(size, 0), a, pitch, need())
		return
	}
	// Side by side, then tilted by 30° at full size, then by 60° and as
	// small as needed.
	if f := set(base, 0); labelsFit(a, f.Ticks(a.Min, a.Max), length, true) {
		return
	}
	if set(base, math.Pi/6); pitch >= need() {
		return
	}
	size := base
	sty.Rotation = math.Pi / 3
	if nd := need(); pitch < nd {
		size = max(minTickSize, base*font.Length(pitch/nd))
	}
	f := set(size, math.Pi/3)
	t.thin(f, a, pitch, need())
}

// thin sets a's marker to f labelling only the classes that keep need
// apart on an axis pitch long per class: the first of priority, or every
// k-th class.
func (t classTicks) thin(f classTicks, a *plot.Axis, pitch, need vg.Length) {
	const rounding = 1e-6 // a size fitted to the pitch fits it
	if pitch*(1+rounding) >= need || pitch <= 0 {
		return
	}
	n := len(t.names)
	f.shown = make([]bool, n)
	apart := int(math.Ceil(float64(need/pitch) - rounding)) // classes between labels
	if t.priority == nil {
		for i := 0; i < n; i += apart {
			f.shown[i] = true
		}
	} else {
		for _, i := range t.priority {
			free := true
			for j := max(0, i-apart+1); j < min(n, i+apart); j++ {
				free = free && !f.shown[j]
			}
			f.shown[i] = free
		}
	}
	a.Tick.Marker = f
}

// shareClassLabels gives two class axes of the same classes (a confusion
// matrix's) the smaller of their two fitted label sizes, fitting the other
// again at that size, so that the matrix reads as one table and its x
// labels take no more room than they need. w and h are the axes' lengths,
// width and height the chart's.
func shareClassLabels(p *plot.Plot, w, h, width, height vg.Length) {
	cx, okX := p.X.Tick.Marker.(classTicks)
	cy, okY := p.Y.Tick.Marker.(classTicks)
	if !okX || !okY || !slices.Equal(cx.names, cy.names) {
		return
	}
	sx, sy := p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size
	switch {
	case sx > sy:
		p.X.Tick.Label.Font.Size = sy
		cx.refit(&p.X, w, height, true)
	case sy > sx:
		p.Y.Tick.Label.Font.Size = sx
		cy.refit(&p.Y, h, width, false)
	}
}

// refit fits a again from t's unfitted labels, at a's present label size.
func (t classTicks) refit(a *plot.Axis, length, across vg.Length, horizontal bool) {
	t.runes, t.shown = 0, nil
	t.fitAxis(a, length, across, horizontal)
}

// fitRunes returns the most runes, up to maxLabelRunes, that the names may
// keep for every label drawn in sty to take at most budget across the
// axis: its width on a y axis, its height on an x axis.
func fitRunes(sty text.Style, names []string, budget vg.Length, horizontal bool) int {
	sin, cos := math.Sincos(sty.Rotation)
	h := sty.Height("0")
	extent := func(s string) vg.Length {
		w := sty.Width(s)
		if horizontal {
			return w*vg.Length(math.Abs(sin)) + h*vg.Length(math.Abs(cos))
		}
		return w*vg.Length(math.Abs(cos)) + h*vg.Length(math.Abs(sin))
	}
	for runes := maxLabelRunes; runes > 3; runes-- {
		fits := true
		for _, name := range names {
			if extent(shorten(name, runes)) > budget {
				fits = false
				break
			}
		}
		if fits {
			return runes
		}
	}
	return 3
}

// shorten cuts s to n runes, ending it with an ellipsis if it was longer.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// percentTicks marks a 0..1 axis in percent: labels every step percent
// (20 if step is 0), minor ticks every 10%. Fitted to its axis's length,
// it labels every 50% or only 0% and 100% where the labels would not fit.
type percentTicks struct{ step int }

// Ticks implements plot.Ticker.
func (t percentTicks) Ticks(lo, hi float64) []plot.Tick {
	step := t.step
	if step == 0 {
		step = 20
	}
	var ticks []plot.Tick
	for p := 0; p <= 100; p += 10 {
		v := float64(p) / 100
		if v < lo-1e-9 || v > hi+1e-9 {
			continue
		}
		tk := plot.Tick{Value: v}
		if p%step == 0 {
			tk.Label = strconv.Itoa(p) + "%"
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// fitAxis implements axisFitter.
func (t percentTicks) fitAxis(a *plot.Axis, length, _ vg.Length, horizontal bool) {
	for _, step := range []int{20, 50} {
		if m := (percentTicks{step}); labelsFit(a, m.Ticks(a.Min, a.Max), length, horizontal) {
			a.Tick.Marker = m
			return
		}
	}
	a.Tick.Marker = percentTicks{100}
}
