package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sideScale is a scale drawn right of the plotting area and as tall as
// it: ticks going right from a line a little way off the area, their
// labels, a title beyond them rotated to read upwards, and above its top
// the offset its linear tick labels are relative to (see labelOffset). A
// heat map's colour bar and the axis of a Secondary series are drawn with
// one. It lies outside the plotting area: its glyph boxes make the plot
// leave room for it.
type sideScale struct {
	axis  plot.Axis // range, scale, tick marker (an axisFitter) and tick label style
	title string
	// tickAt and offsetAt are how far right of the plotting area the
	// ticks and the offset start.
	tickAt, offsetAt vg.Length
	tick             draw.LineStyle
	titleColor       color.Color

	boxes []plot.GlyphBox // the room it takes, whatever its fit
}

// Side scale layout, in points.
const (
	sideTick     = 4   // major tick length, minor ticks half
	sideLabelGap = 2.5 // between a tick and its label
	sideTitleGap = 3   // between the widest tick label and the title, as newPlot pads axis labels
)

// newSideScale returns a scale over lo..hi marked by ticks, a log scale
// if it is logTicks, with ticks tickAt points right of the plotting area
// in the style tick, labels in labelColor, its offset offsetAt points
// right of the area and its title in titleColor.
func newSideScale(lo, hi float64, ticks axisFitter, title string, tickAt, offsetAt vg.Length, tick draw.LineStyle, labelColor, titleColor color.Color) *sideScale {
	s := &sideScale{title: title, tickAt: tickAt, offsetAt: offsetAt, tick: tick, titleColor: titleColor}
	s.axis.Min, s.axis.Max = lo, hi
	s.axis.Scale, s.axis.Tick.Marker = plot.LinearScale{}, ticks
	if _, log := ticks.(logTicks); log {
		s.axis.Scale = plot.LogScale{}
	}
	s.axis.Tick.Label = text.Style{
		Color:   labelColor,
		Font:    font.From(sans, tickSize),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
	s.boxes = s.room()
	return s
}

// ticks returns the scale's ticks, fitted to a scale length points high
// (unfitted if length is 0), and the offset their labels are relative to,
// "" for none.
func (s *sideScale) ticks(length vg.Length) ([]plot.Tick, string) {
	a := s.axis
	if f, ok := a.Tick.Marker.(axisFitter); ok && length > 0 {
		f.fitAxis(&a, length, 0, false)
	}
	return ticksWithOffset(a.Tick.Marker, a.Min, a.Max)
}

// ticksWithOffset returns m's ticks over lo..hi and, for linearTicks, the
// offset their labels are relative to, "" for none.
func ticksWithOffset(m plot.Ticker, lo, hi float64) ([]plot.Tick, string) {
	if t, ok := m.(linearTicks); ok {
		ticks, off := t.ticks(lo, hi)
		if off != 0 {
			return ticks, formatOffset(off)
		}
		return ticks, ""
	}
	return m.Ticks(lo, hi), ""
}

// fits returns the tick markers that fitting m to an axis may choose (see
// axisFitter), m first.
func fits(m plot.Ticker) []plot.Ticker {
	ms := []plot.Ticker{m}
	switch t := m.(type) {
	case linearTicks:
		for target := t.Target - 1; target >= 2; target-- {
			ms = append(ms, linearTicks{Target: target})
		}
	case logTicks:
		ms = append(ms, logTicks{sparse: true})
		for _, every := range logSteps {
			ms = append(ms, logTicks{every: every})
		}
	}
	return ms
}

// room returns the glyph boxes of everything the scale may draw, fitted
// to any length: every label of every fit, the ticks, the title beyond
// the widest label, and the offset. Fitted to a short scale a log scale
// may label fewer decades in a wider style ("0.0001" where the unfitted
// scale writes "1e-4" beside "5e-5"), so the room is not the unfitted
// scale's.
func (s *sideScale) room() []plot.GlyphBox {
	sty := s.axis.Tick.Label
	x := s.labelAt()
	// A text's Rectangle lies a descent below where FillText draws it
	// (gonum/plot's own axes add it back too).
	ext := sty.FontExtents()
	desc := ext.Height - ext.Ascent
	// Room for the ticks, even with no labels.
	boxes := []plot.GlyphBox{{X: 1, Y: 0.5, Rectangle: vg.Rectangle{Max: vg.Point{X: s.tickAt + vg.Points(sideTick)}}}}
	var widest vg.Length
	seen := make(map[plot.Tick]bool)
	seenOffset := make(map[string]bool)
	for _, m := range fits(s.axis.Tick.Marker) {
		ticks, offset := ticksWithOffset(m, s.axis.Min, s.axis.Max)
		for _, t := range ticks {
			if t.Label == "" || seen[t] {
				continue
			}
			seen[t] = true
			// Only the upper half of a label: below the bottom of the
			// plotting area the x axis leaves room, as for the y axis's
			// labels.
			r := sty.Rectangle(t.Label).Add(vg.Point{X: x, Y: desc})
			r.Min.Y = 0
			widest = max(widest, r.Size().X)
			boxes = append(boxes, plot.GlyphBox{X: 1, Y: s.axis.Norm(t.Value), Rectangle: r})
		}
		if offset != "" && !seenOffset[offset] {
			seenOffset[offset] = true
			r := s.offsetStyle().Rectangle(offset).Add(vg.Point{X: s.offsetAt, Y: vg.Points(offsetGap) + desc})
			boxes = append(boxes, plot.GlyphBox{X: 1, Y: 1, Rectangle: r})
		}
	}
	if s.title != "" {
		// Room across only (see draw).
		r := s.titleStyle().Rectangle(s.title).Add(vg.Point{X: x + widest + vg.Points(sideTitleGap)})
		r.Min.Y, r.Max.Y = 0, 0
		boxes = append(boxes, plot.GlyphBox{X: 1, Y: 0.5, Rectangle: r})
	}
	return boxes
}

// labelAt is how far right of the plotting area the tick labels start.
func (s *sideScale) labelAt() vg.Length {
	return s.tickAt + vg.Points(sideTick+sideLabelGap)
}

// offsetStyle is the style of the offset above the scale, anchored at its
// bottom left corner.
func (s *sideScale) offsetStyle() text.Style {
	sty := s.axis.Tick.Label
	sty.YAlign = draw.YBottom
	return sty
}

func (s *sideScale) titleStyle() text.Style {
	return text.Style{
		Color:    s.titleColor,
		Font:     font.From(sans, labelSize),
		Rotation: math.Pi / 2,
		XAlign:   draw.XCenter,
		YAlign:   draw.YTop, // the top of the rotated text faces the scale
		Handler:  plot.DefaultTextHandler,
	}
}

// y returns the height in dc at which value v is drawn.
func (s *sideScale) y(dc draw.Canvas, v float64) vg.Length {
	return dc.Y(s.axis.Norm(v))
}

// draw draws the ticks, labels, title and offset of the scale right of
// the plotting area dc, fitted to its height. The title takes no room in
// the plot's layout but across (see room): a plotting area shorter than
// it does not shrink further to fit it, as gonum/plot's y axis label
// makes it, but gets it hanging down past its bottom, or shortened.
func (s *sideScale) draw(dc draw.Canvas) {
	ticks, offset := s.ticks(dc.Max.Y - dc.Min.Y)
	if offset != "" {
		dc.FillText(s.offsetStyle(), vg.Point{X: dc.Max.X + s.offsetAt, Y: dc.Max.Y + vg.Points(offsetGap)}, offset)
	}
	x0, lx := dc.Max.X+s.tickAt, dc.Max.X+s.labelAt()
	sty := s.axis.Tick.Label
	var widest vg.Length
	for _, t := range ticks {
		y := s.y(dc, t.Value)
		l := vg.Points(sideTick)
		if t.Label == "" {
			l /= 2
		}
		dc.StrokeLine2(s.tick, x0, y, x0+l, y)
		if t.Label != "" {
			dc.FillText(sty, vg.Point{X: lx, Y: y}, t.Label)
			widest = max(widest, sty.Width(t.Label))
		}
	}
	if s.title == "" {
		return
	}
	// Centred on the area; where that is too short, hanging from its top
	// past the x axis, whose band is empty this far right; where the
	// chart is too short for that, shortened.
	ts, down := s.titleStyle(), dc.Max.Y-margin
	title := fitWidth(s.title, ts, down)
	y, l := (dc.Min.Y+dc.Max.Y)/2, ts.Width(title)
	switch {
	case l > down:
		return
	case l > dc.Max.Y-dc.Min.Y:
		y = dc.Max.Y - l/2
	}
	dc.FillText(ts, vg.Point{X: lx + widest + vg.Points(sideTitleGap), Y: y}, title)
}
