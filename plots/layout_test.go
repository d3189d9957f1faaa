package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawnText is a text as a chart draws it: the string, its font and the
// corners of its box (from its font's descent to its ascent), in points
// with y up.
type drawnText struct {
	text string
	font font.Font
	box  [4]vg.Point
}

func (d drawnText) String() string {
	return fmt.Sprintf("%q at (%.1f, %.1f)", d.text, d.box[0].X, d.box[0].Y)
}

// affine is a 2-D transform: x' = a·x + c·y + e, y' = b·x + d·y + f.
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(p vg.Point) vg.Point {
	x, y := float64(p.X), float64(p.Y)
	return vg.Point{X: vg.Length(m.a*x + m.c*y + m.e), Y: vg.Length(m.b*x + m.d*y + m.f)}
}

// then returns m followed, in the canvas's coordinates, by n: the
// transform after a Rotate, Translate or Scale call.
func (m affine) then(n affine) affine {
	return affine{
		a: m.a*n.a + m.c*n.b, b: m.b*n.a + m.d*n.b,
		c: m.a*n.c + m.c*n.d, d: m.b*n.c + m.d*n.d,
		e: m.a*n.e + m.c*n.f + m.e, f: m.b*n.e + m.d*n.f + m.f,
	}
}

// textCanvas is a vg.Canvas that draws nothing and records every text
// drawn on it, through the transforms in effect.
type textCanvas struct {
	w, h  vg.Length
	m     affine
	stack []affine
	texts []drawnText
}

func newTextCanvas(w, h vg.Length) *textCanvas {
	return &textCanvas{w: w, h: h, m: affine{a: 1, d: 1}}
}

func (c *textCanvas) Size() (vg.Length, vg.Length)        { return c.w, c.h }
func (c *textCanvas) SetLineWidth(vg.Length)              {}
func (c *textCanvas) SetLineDash([]vg.Length, vg.Length)  {}
func (c *textCanvas) SetColor(color.Color)                {}
func (c *textCanvas) Stroke(vg.Path)                      {}
func (c *textCanvas) Fill(vg.Path)                        {}
func (c *textCanvas) DrawImage(vg.Rectangle, image.Image) {}
func (c *textCanvas) Push()                               { c.stack = append(c.stack, c.m) }
func (c *textCanvas) Pop() {
	c.m = c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
}
func (c *textCanvas) Rotate(rad float64) {
	sin, cos := math.Sincos(rad)
	c.m = c.m.then(affine{a: cos, b: sin, c: -sin, d: cos})
}
func (c *textCanvas) Translate(pt vg.Point) {
	c.m = c.m.then(affine{a: 1, d: 1, e: float64(pt.X), f: float64(pt.Y)})
}
func (c *textCanvas) Scale(x, y float64) { c.m = c.m.then(affine{a: x, d: y}) }

func (c *textCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if f.Font.Size == 0 || s == "" {
		return
	}
	ext := f.Extents()
	x0, x1 := pt.X, pt.X+f.Width(s)
	y0, y1 := pt.Y-ext.Descent, pt.Y+ext.Ascent
	c.texts = append(c.texts, drawnText{text: s, font: f.Font, box: [4]vg.Point{
		c.m.apply(vg.Point{X: x0, Y: y0}), c.m.apply(vg.Point{X: x1, Y: y0}),
		c.m.apply(vg.Point{X: x1, Y: y1}), c.m.apply(vg.Point{X: x0, Y: y1}),
	}})
}

// drawnTexts draws p as Render would at size and returns its texts.
func drawnTexts(t testing.TB, p *plot.Plot, size Size) (texts []drawnText, w, h vg.Length) {
	t.Helper()
	dpi, err := size.dpi()
	if err != nil {
		t.Fatal(err)
	}
	w, h = size.points(dpi)
	c := newTextCanvas(w, h)
	if err := safely(func() { drawPlot(p, draw.New(c), true) }); err != nil {
		t.Fatal(err)
	}
	return c.texts, w, h
}

// overlapTolerance is how far, in points, two text boxes may run into
// each other before they count as overlapping: their boxes include the
// font's whole ascent and descent, which the glyphs rarely fill.
const overlapTolerance = 0.5

// overlap returns how far two convex boxes run into each other: the least,
// over the directions across their edges, of their projections' overlap.
func overlap(p, q [4]vg.Point) float64 {
	least := math.Inf(1)
	for _, box := range [][4]vg.Point{p, q} {
		for i := range 4 {
			e := box[(i+1)%4].Sub(box[i])
			n := math.Hypot(float64(e.X), float64(e.Y))
			if n == 0 {
				continue
			}
			nx, ny := -float64(e.Y)/n, float64(e.X)/n
			proj := func(b [4]vg.Point) (lo, hi float64) {
				lo, hi = math.Inf(1), math.Inf(-1)
				for _, v := range b {
					d := nx*float64(v.X) + ny*float64(v.Y)
					lo, hi = math.Min(lo, d), math.Max(hi, d)
				}
				return lo, hi
			}
			plo, phi := proj(p)
			qlo, qhi := proj(q)
			least = math.Min(least, math.Min(phi, qhi)-math.Max(plo, qlo))
		}
	}
	return least
}

// checkTexts fails the test for every two texts of a chart that overlap and
// every text that runs off the image.
func checkTexts(t *testing.T, name string, texts []drawnText, w, h vg.Length) {
	t.Helper()
	for i, a := range texts {
		for _, v := range a.box {
			if v.X < -overlapTolerance || v.Y < -overlapTolerance || v.X > w+overlapTolerance || v.Y > h+overlapTolerance {
				t.Errorf("%s: text %v runs off the %.0f×%.0f-point chart", name, a, w, h)
				break
			}
		}
		for _, b := range texts[i+1:] {
			if d := overlap(a.box, b.box); d > overlapTolerance {
				t.Errorf("%s: texts %v and %v overlap by %.1f points", name, a, b, d)
			}
		}
	}
}

// textsOf returns the strings of texts, in drawing order.
func textsOf(texts []drawnText) []string {
	s := make([]string, len(texts))
	for i, d := range texts {
		s[i] = d.text
	}
	return s
}

func TestOverlap(t *testing.T) {
	box := func(x0, y0, x1, y1 vg.Length) [4]vg.Point {
		return [4]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
	}
	if d := overlap(box(0, 0, 10, 10), box(5, 5, 20, 20)); d != 5 {
		t.Errorf("overlap of boxes sharing 5×5 points = %v, want 5", d)
	}
	if d := overlap(box(0, 0, 10, 10), box(12, 0, 20, 10)); d >= 0 {
		t.Errorf("overlap of boxes 2 points apart = %v, want < 0", d)
	}
	// Two thin boxes tilted by 45°, side by side along x: apart although
	// their bounding rectangles overlap.
	tilt := func(x vg.Length) [4]vg.Point {
		return [4]vg.Point{{X: x, Y: 0}, {X: x + 20, Y: 20}, {X: x + 17, Y: 23}, {X: x - 3, Y: 3}}
	}
	if d := overlap(tilt(0), tilt(8)); d >= 0 {
		t.Errorf("overlap of tilted boxes 8 points apart = %v, want < 0", d)
	}
	if d := overlap(tilt(0), tilt(3)); d <= 0 {
		t.Errorf("overlap of tilted boxes 3 points apart = %v, want > 0", d)
	}
}

func TestTextCanvasTracksRotation(t *testing.T) {
	// The y axis label is drawn rotated by 90°: its box is tall and thin.
	p, err := Curves(CurveOptions{Title: "Loss", XLabel: "step", YLabel: "a long y axis label"})
	if err != nil {
		t.Fatal(err)
	}
	texts, _, _ := drawnTexts(t, p, goldenSize)
	for _, d := range texts {
		if d.text != "a long y axis label" {
			continue
		}
		w := math.Abs(float64(d.box[2].X - d.box[0].X))
		h := math.Abs(float64(d.box[2].Y - d.box[0].Y))
		if h < 3*w {
			t.Errorf("y axis label box %v is %.1f wide and %.1f high, want it tall", d, w, h)
		}
		return
	}
	t.Errorf("no y axis label among the texts %q", strings.Join(textsOf(texts), " | "))
}
