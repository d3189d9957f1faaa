package plots

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size is a chart's size in device pixels and the DPI its fonts are sized
// at: 96 at scale 1, 96×scale on HiDPI screens, so text keeps its size in
// points while the image gets sharper. A zero DPI means 96. The DPI is
// rounded to a whole number, as gonum/plot's image backend takes one.
type Size struct {
	Width, Height int
	DPI           float64
}

// DefaultDPI is the DPI of a chart at scale 1.
const DefaultDPI = 96

// maxPixels bounds a chart's sides, so a bad size is an error rather than
// an out-of-memory crash.
const maxPixels = 16384

// dpi validates s and returns its DPI as gonum/plot takes it.
func (s Size) dpi() (int, error) {
	if s.Width < 1 || s.Height < 1 || s.Width > maxPixels || s.Height > maxPixels {
		return 0, fmt.Errorf("plots: chart size %d×%d pixels: each side must be from 1 to %d", s.Width, s.Height, maxPixels)
	}
	switch {
	case s.DPI == 0:
		return DefaultDPI, nil
	case !(s.DPI >= 12 && s.DPI <= 2400): // also catches NaN
		return 0, fmt.Errorf("plots: DPI must be from 12 to 2400 (got %v)", s.DPI)
	}
	return int(math.Round(s.DPI)), nil
}

// points returns the size of s in points at the given DPI.
func (s Size) points(dpi int) (w, h vg.Length) {
	return vg.Length(s.Width) * vg.Inch / vg.Length(dpi), vg.Length(s.Height) * vg.Inch / vg.Length(dpi)
}

// Chart is a rendered plot and the mapping between its pixels and data
// coordinates, so the GUI can show the values under the pointer.
type Chart struct {
	Image *image.RGBA

	// DataRect is the plotting area in pixels (y down, image coordinates),
	// rounded to whole pixels; DataAt and PixelAt use the exact area. It is
	// empty if the chart is too small to have one (its text and axes take
	// all the room), and then DataAt always reports ok false.
	DataRect image.Rectangle

	// X and Y are the data ranges of the axes as drawn: of the left y
	// axis where a line chart draws a Secondary series against its own on
	// the right.
	X, Y AxisRange

	// area is the exact plotting area in pixels: left, top, right, bottom.
	area [4]float64
}

// AxisRange is the data range of an axis: Min is the value at the left or
// bottom edge of the plotting area, Max at the right or top edge. Min is
// greater than Max on an inverted axis, such as the class axes of Bars and
// Confusion, whose first class is drawn at the top. On a log axis, values
// are spaced by their logarithm.
type AxisRange struct {
	Min, Max float64
	Log      bool
}

// value returns the data value a fraction t along the axis.
func (a AxisRange) value(t float64) float64 {
	if a.Log {
		return a.Min * math.Pow(a.Max/a.Min, t)
	}
	return a.Min + t*(a.Max-a.Min)
}

// norm returns the fraction along the axis at which v is drawn.
func (a AxisRange) norm(v float64) float64 {
	if a.Log {
		return math.Log(v/a.Min) / math.Log(a.Max/a.Min)
	}
	return (v - a.Min) / (a.Max - a.Min)
}

// axisRange returns the range of a as it is drawn.
func axisRange(a plot.Axis) AxisRange {
	r := AxisRange{Min: a.Min, Max: a.Max}
	s := a.Scale
	if inv, ok := s.(plot.InvertedScale); ok {
		r.Min, r.Max = r.Max, r.Min
		s = inv.Normalizer
	}
	_, r.Log = s.(plot.LogScale)
	return r
}

// bounds returns the plotting area in pixels.
func (c *Chart) bounds() (left, top, right, bottom float64) {
	if c.area == [4]float64{} {
		r := c.DataRect
		return float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)
	}
	return c.area[0], c.area[1], c.area[2], c.area[3]
}

// DataAt returns the data coordinates at image position (px, py), in pixels
// with y down; the pixel in column i spans px from i to i+1, so its centre
// is i+0.5. ok is false outside the plotting area.
func (c *Chart) DataAt(px, py float64) (x, y float64, ok bool) {
	left, top, right, bottom := c.bounds()
	if !(px >= left && px <= right && py >= top && py <= bottom) || right <= left || bottom <= top {
		return 0, 0, false
	}
	return c.X.value((px - left) / (right - left)), c.Y.value((bottom - py) / (bottom - top)), true
}

// PixelAt returns the image position, in pixels with y down, at which the
// data point (x, y) is drawn. It may lie outside the plotting area (a point
// clipped away: see Contains) or the image; on a log axis a value ≤ 0
// gives a non-finite position.
//
// To mark the point of a curve under the pointer, a GUI takes x from
// DataAt, finds the nearest of the points CurveOptions.Line returns for the
// series (the smoothed ones where the chart smooths it), and places its
// mark at PixelAt of that point if Contains it.
func (c *Chart) PixelAt(x, y float64) (px, py float64) {
	left, top, right, bottom := c.bounds()
	return left + c.X.norm(x)*(right-left), bottom - c.Y.norm(y)*(bottom-top)
}

// Contains reports whether the image position (px, py), in pixels with y
// down, lies in the plotting area: where DataAt reports ok, and where a
// hover mark at PixelAt of a point belongs. A NaN position is outside.
func (c *Chart) Contains(px, py float64) bool {
	_, _, ok := c.DataAt(px, py)
	return ok
}

// margin is the empty border around every chart.
const margin vg.Length = 4.5 // points: 6 pixels at 96 DPI

// drawPlot draws p on c with a margin around it, fitted to its size (see
// fitPlot), and returns the canvas its data is drawn in. If fill, it first fills all of c with p's background;
// otherwise c must already have it.
func drawPlot(p *plot.Plot, c draw.Canvas, fill bool) draw.Canvas {
	if bg := p.BackgroundColor; bg != nil {
		if fill {
			c.SetColor(bg)
			c.Fill(c.Rectangle.Path())
		}
		// Filling the background again inside the margin would cost a
		// tenth of a render.
		p.BackgroundColor = nil
		defer func() { p.BackgroundColor = bg }()
	}
	inner := draw.Crop(c, margin, -margin, margin, -margin)
	defer fitPlot(p, inner)()
	p.Draw(inner)
	return p.DataCanvas(inner)
}

// safely runs f, turning a panic into an error: gonum/plot panics on some
// inputs (a log axis over values ≤ 0, an invalid range), and the GUI draws
// charts in a background goroutine that must not take the app down.
func safely(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: drawing failed: %v", r)
		}
	}()
	f()
	return nil
}

// Render draws p at the given size. The image is exactly size.Width ×
// size.Height pixels.
func Render(p *plot.Plot, size Size) (*Chart, error) {
	if p == nil {
		return nil, fmt.Errorf("plots: Render of a nil plot")
	}
	dpi, err := size.dpi()
	if err != nil {
		return nil, err
	}
	w, h := size.points(dpi)
	bg := p.BackgroundColor
	if bg == nil {
		bg = color.Transparent
	}

	var (
		c  *vgimg.Canvas
		dc draw.Canvas
	)
	if err := safely(func() {
		c = vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(bg))
		dc = drawPlot(p, draw.New(c), false)
	}); err != nil {
		return nil, err
	}

	img, ok := c.Image().(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("plots: image backend returned %T, want *image.RGBA", c.Image())
	}
	if b := img.Bounds(); b.Dx() != size.Width || b.Dy() != size.Height {
		return nil, fmt.Errorf("plots: rendered %d×%d pixels, want %d×%d", b.Dx(), b.Dy(), size.Width, size.Height)
	}

	scale := float64(dpi) / 72 // pixels per point
	height := float64(size.Height)
	area := [4]float64{
		float64(dc.Min.X) * scale,
		height - float64(dc.Max.Y)*scale,
		float64(dc.Max.X) * scale,
		height - float64(dc.Min.Y)*scale,
	}
	chart := &Chart{Image: img, X: axisRange(p.X), Y: axisRange(p.Y)}
	const slop = 0.5 // pixels the plotting area may stray outside the image by rounding
	if area[0] < area[2] && area[1] < area[3] &&
		area[0] >= -slop && area[1] >= -slop && area[2] <= float64(size.Width)+slop && area[3] <= height+slop {
		chart.area = area
		chart.DataRect = image.Rect(
			int(math.Round(area[0])), int(math.Round(area[1])),
			int(math.Round(area[2])), int(math.Round(area[3])))
	}
	return chart, nil
}

// Save writes p as PNG or SVG, chosen by path's extension (.png or .svg, in
// any case). An SVG is size.Width × size.Height pixels at size.DPI, with
// its fonts embedded so it looks the same where they are not installed. The
// file is written under a temporary name and renamed, so a failed save
// leaves no partial file behind.
func Save(p *plot.Plot, path string, size Size) error {
	var write func(io.Writer) error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		chart, err := Render(p, size)
		if err != nil {
			return err
		}
		write = func(w io.Writer) error { return png.Encode(w, chart.Image) }
	case ".svg":
		if p == nil {
			return fmt.Errorf("plots: Save of a nil plot")
		}
		dpi, err := size.dpi()
		if err != nil {
			return err
		}
		w, h := size.points(dpi)
		var c *vgsvg.Canvas
		if err := safely(func() {
			c = vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(true))
			drawPlot(p, draw.New(c), true)
		}); err != nil {
			return err
		}
		write = func(w io.Writer) error { _, err := c.WriteTo(w); return err }
	default:
		return fmt.Errorf("plots: cannot save %s: extension %q is not one of .png, .svg", path, ext)
	}

	return writeAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}
