package plots

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Marker is a labelled place on a chart. Over a heat map
// (HeatmapOptions.Markers) it is the point (X, Y), drawn as a cross with
// its label beside it, such as the trained weights or the grid's minimum.
// On a line chart (CurveOptions.Markers) it is a labelled vertical line at
// X, such as a hyperparameter changed mid-run ("lr 1e-3 → 3e-4 at step
// 1,240"), and Y is not used.
type Marker struct {
	Label string
	X, Y  float64
}

// Markers of a line chart, in points and opacities.
const (
	markerLineWidth = 1
	markerLineAlpha = 0.55 // of the foreground colour
	markerTagAlpha  = 0.85 // of the background colour behind a label
	markerTagGap    = 0.5  // between the line and its label: half the line's width
	markerTagInset  = 3    // between the top of the plotting area and the first row of labels
	markerRowGap    = 2    // between rows of labels
	markerTagWeight = 4    // how much covering a label with the legend matters, next to a curve's 1
	markerLineCover = 0.3  // and covering a line
)

// markers draw CurveOptions.Markers: a dashed line across the plotting
// area at each marker's x, behind the curves (lines), and its label near
// the top beside it, over the curves (Plot). A label goes right of its
// line, or left where it would run off the area, in the highest row where
// it runs into neither the labels placed before it, left to right, nor the
// legend, so that markers close together stagger their labels downwards.
// The legend, which markers then draw over the labels, is placed first,
// keeping clear of the labels as they would be without it. Markers
// outside the x axis's range are not drawn.
// markers is not a plot.DataRanger: the axes never stretch to a marker.
type markers struct {
	theme  Theme
	marks  []Marker // with finite X
	legend *legend  // the chart's legend, which markers draw; nil for none
}

// newMarkers returns the markers of ms that have a finite X, nil if none
// has.
func newMarkers(th Theme, ms []Marker) *markers {
	m := &markers{theme: th}
	for _, mk := range ms {
		if finite(mk.X) {
			m.marks = append(m.marks, mk)
		}
	}
	if len(m.marks) == 0 {
		return nil
	}
	return m
}

// plotterFunc is a plot.Plotter that is only a function.
type plotterFunc func(draw.Canvas, *plot.Plot)

// Plot implements plot.Plotter.
func (f plotterFunc) Plot(dc draw.Canvas, p *plot.Plot) { f(dc, p) }

// lines returns the plotter of the markers' lines.
func (m *markers) lines() plot.Plotter {
	return plotterFunc(func(dc draw.Canvas, p *plot.Plot) {
		if !drawable(dc) {
			return
		}
		sty := m.lineStyle()
		for _, x := range m.visible(dc, p) {
			dc.StrokeLine2(sty, x.at, dc.Min.Y, x.at, dc.Max.Y)
		}
	})
}

func (m *markers) lineStyle() draw.LineStyle {
	return draw.LineStyle{
		Color:  withAlpha(m.theme.Foreground, markerLineAlpha),
		Width:  vg.Points(markerLineWidth),
		Dashes: []vg.Length{vg.Points(4), vg.Points(3)},
	}
}

// visibleMarker is a marker in the x axis's range, where it is drawn.
type visibleMarker struct {
	at    vg.Length // x in the canvas
	label string
}

// visible returns the markers in the x axis's range, from left to right.
func (m *markers) visible(dc draw.Canvas, p *plot.Plot) []visibleMarker {
	lo, hi := math.Min(p.X.Min, p.X.Max), math.Max(p.X.Min, p.X.Max)
	var vs []visibleMarker
	for _, mk := range m.marks {
		if mk.X >= lo && mk.X <= hi {
			vs = append(vs, visibleMarker{at: dc.X(p.X.Norm(mk.X)), label: mk.Label})
		}
	}
	slices.SortStableFunc(vs, func(a, b visibleMarker) int { return cmp.Compare(a.at, b.at) })
	return vs
}

// placedTag is a marker's label and where it goes.
type placedTag struct {
	tag  tag
	box  vg.Rectangle
	line vg.Length // the x of its marker's line
}

// tags places the labels of the visible markers in dc, clear of the boxes
// taken. A label wider than the plotting area is shortened with an
// ellipsis; one for which no row has room (many markers close together on
// a short chart) is left out, its line drawn all the same.
func (m *markers) tags(dc draw.Canvas, p *plot.Plot, taken []vg.Rectangle) []placedTag {
	var placed []placedTag
	width := dc.Max.X - dc.Min.X
	free := func(box vg.Rectangle) bool {
		for _, q := range placed {
			if overlaps(box, q.box) {
				return false
			}
		}
		for _, r := range taken {
			if overlaps(box, r) {
				return false
			}
		}
		return true
	}
	for _, v := range m.visible(dc, p) {
		if v.label == "" {
			continue
		}
		t := newTag(m.theme, v.label)
		t.text = fitWidth(t.text, t.style, width-2*vg.Points(tagPad))
		w, h := t.size()
		// Right of the line or left of it; where neither has room, on the
		// roomier side shortened, so that it still hangs from its own
		// line, if that keeps half of it; otherwise as near the line as
		// fits, over it.
		gap := vg.Points(markerTagGap)
		roomRight, roomLeft := dc.Max.X-v.at-gap, v.at-gap-dc.Min.X
		var lefts []vg.Length
		if w <= roomRight {
			lefts = append(lefts, v.at+gap)
		}
		if w <= roomLeft {
			lefts = append(lefts, v.at-gap-w)
		}
		if room := max(roomRight, roomLeft); len(lefts) == 0 && room >= w/2 {
			t.text = fitWidth(t.text, t.style, room-2*vg.Points(tagPad))
			w, h = t.size()
			if roomRight >= roomLeft {
				lefts = append(lefts, v.at+gap)
			} else {
				lefts = append(lefts, v.at-gap-w)
			}
		}
		if len(lefts) == 0 {
			lefts = append(lefts, max(dc.Min.X, min(v.at-w/2, dc.Max.X-w)))
		}
	rows:
		for top := dc.Max.Y - vg.Points(markerTagInset); top-h >= dc.Min.Y; top -= h + vg.Points(markerRowGap) {
			for _, left := range lefts {
				box := vg.Rectangle{Min: vg.Point{X: left, Y: top - h}, Max: vg.Point{X: left + w, Y: top}}
				if free(box) {
					placed = append(placed, placedTag{tag: t, box: box, line: v.at})
					break rows
				}
			}
		}
	}
	return placed
}

// overlaps reports whether two rectangles share some area; touching
// edges do not count.
func overlaps(a, b vg.Rectangle) bool {
	return min(a.Max.X, b.Max.X) > max(a.Min.X, b.Min.X) && min(a.Max.Y, b.Max.Y) > max(a.Min.Y, b.Min.Y)
}

// Plot implements plot.Plotter, drawing the labels and, over them, the
// legend, if the chart has one, so that the legend, which the labels keep
// clear of, is placed once for both.
func (m *markers) Plot(dc draw.Canvas, p *plot.Plot) {
	if !drawable(dc) {
		return
	}
	var (
		taken []vg.Rectangle
		leg   legendBox
		ok    bool
	)
	if m.legend != nil {
		if leg, ok = m.legend.place(dc, p); ok {
			margin := vg.Points(markerRowGap)
			taken = append(taken, vg.Rectangle{
				Min: vg.Point{X: leg.box.Min.X - margin, Y: leg.box.Min.Y - margin},
				Max: vg.Point{X: leg.box.Max.X + margin, Y: leg.box.Max.Y + margin},
			})
		}
	}
	bg := withAlpha(m.theme.Background, markerTagAlpha)
	pole := m.lineStyle()
	pole.Dashes = nil
	border := draw.LineStyle{Color: m.theme.Grid, Width: vg.Points(0.75)}
	for _, t := range m.tags(dc, p, taken) {
		t.tag.draw(dc, t.box, bg)
		dc.StrokeLines(border, append(rectPoints(t.box), t.box.Min))
		// A label beside its line hangs from it like a flag, so that
		// staggered labels are not read as another marker's.
		if t.box.Max.X < t.line || t.box.Min.X > t.line {
			dc.StrokeLine2(pole, t.line, t.box.Min.Y, t.line, t.box.Max.Y)
		}
	}
	if ok {
		leg.draw(dc, m.legend.theme, 1)
	}
}

// appendDrawn implements obstacle: the legend keeps clear of the labels,
// placed as they would be without it, above all, and a little of the
// lines.
func (m *markers) appendDrawn(drawn []drawnCurve, dc draw.Canvas, p *plot.Plot) []drawnCurve {
	for _, v := range m.visible(dc, p) {
		line := []vg.Point{{X: v.at, Y: dc.Min.Y}, {X: v.at, Y: dc.Max.Y}}
		drawn = append(drawn, drawnCurve{points: line, weight: markerLineCover})
	}
	for _, t := range m.tags(dc, p, nil) {
		drawn = append(drawn, drawnCurve{points: append(rectPoints(t.box), t.box.Min), weight: markerTagWeight})
	}
	return drawn
}
