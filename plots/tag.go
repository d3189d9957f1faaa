package plots

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// tag is a short text written over a chart on a box of the background
// colour, so that it stays legible over what is drawn under it: a
// marker's label.
type tag struct {
	text  string
	style text.Style
}

// tagPad is the room around a tag's text inside its box, in points.
const tagPad = 2

// newTag returns label as a tag in th's colours.
func newTag(th Theme, label string) tag {
	return tag{text: label, style: text.Style{
		Color:   th.Foreground,
		Font:    font.From(sans, annotationSize),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}}
}

// size returns the size of the tag's box.
func (t tag) size() (w, h vg.Length) {
	ext := t.style.FontExtents()
	return t.style.Width(t.text) + 2*vg.Points(tagPad), ext.Ascent + ext.Descent + 2*vg.Points(tagPad)
}

// draw fills box with bg and writes the tag in it.
func (t tag) draw(dc draw.Canvas, box vg.Rectangle, bg color.Color) {
	dc.FillPolygon(bg, rectPoints(box))
	dc.FillText(t.style, vg.Point{X: box.Min.X + vg.Points(tagPad), Y: (box.Min.Y + box.Max.Y) / 2}, t.text)
}
