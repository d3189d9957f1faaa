// Package drawpad is a square pad to draw a digit on with the mouse or a
// finger: white ink on black, as MNIST's digits are.
package drawpad

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// Side is the pad's size in pixels (and its default size on screen): ten
// times the 28×28 frame, so a stroke is as thick relative to the digit as
// an MNIST pen stroke.
const Side = 280

// brush is the ink's radius in pad pixels.
const brush = 11

// Pad is a drawing widget. All its methods run on the UI goroutine.
type Pad struct {
	widget.BaseWidget

	// OnChanged is called after every stroke segment and after Clear,
	// with a copy of the drawing (nil when the pad is empty).
	OnChanged func(*image.Gray)

	pix   *image.Gray
	img   *canvas.Image
	empty bool
}

// New returns an empty pad.
func New() *Pad {
	p := &Pad{pix: image.NewGray(image.Rect(0, 0, Side, Side)), empty: true}
	p.img = canvas.NewImageFromImage(p.pix)
	p.img.FillMode = canvas.ImageFillStretch
	p.img.ScaleMode = canvas.ImageScaleSmooth
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer draws the pad's image with a thin border.
func (p *Pad) CreateRenderer() fyne.WidgetRenderer {
	border := canvas.NewRectangle(color.Transparent)
	border.StrokeColor = color.Gray{Y: 128}
	border.StrokeWidth = 1
	return &renderer{pad: p, border: border}
}

type renderer struct {
	pad    *Pad
	border *canvas.Rectangle
}

func (r *renderer) Layout(size fyne.Size) {
	r.pad.img.Resize(size)
	r.border.Resize(size)
}
func (r *renderer) MinSize() fyne.Size           { return fyne.NewSize(Side, Side) }
func (r *renderer) Refresh()                     { r.pad.img.Refresh(); r.border.Refresh() }
func (r *renderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.pad.img, r.border} }
func (r *renderer) Destroy()                     {}

// Dragged draws a stroke segment from the previous pointer position.
func (p *Pad) Dragged(ev *fyne.DragEvent) {
	from := ev.Position.Subtract(ev.Dragged)
	p.stroke(p.toPad(from), p.toPad(ev.Position))
}

// DragEnd ends a stroke.
func (p *Pad) DragEnd() {}

// Tapped draws a dot.
func (p *Pad) Tapped(ev *fyne.PointEvent) {
	at := p.toPad(ev.Position)
	p.stroke(at, at)
}

// Clear erases the drawing.
func (p *Pad) Clear() {
	clear(p.pix.Pix)
	p.empty = true
	p.img.Refresh()
	if p.OnChanged != nil {
		p.OnChanged(nil)
	}
}

// Image returns a copy of the drawing, or nil when the pad is empty.
func (p *Pad) Image() *image.Gray {
	if p.empty {
		return nil
	}
	c := image.NewGray(p.pix.Rect)
	copy(c.Pix, p.pix.Pix)
	return c
}

// toPad maps a position in the widget to pad pixels.
func (p *Pad) toPad(pos fyne.Position) [2]float64 {
	size := p.Size()
	if size.Width <= 0 || size.Height <= 0 {
		return [2]float64{float64(pos.X), float64(pos.Y)}
	}
	return [2]float64{float64(pos.X) * Side / float64(size.Width), float64(pos.Y) * Side / float64(size.Height)}
}

// stroke inks a round-capped segment from a to b with a soft edge.
func (p *Pad) stroke(a, b [2]float64) {
	x0 := int(math.Floor(min(a[0], b[0]) - brush - 1))
	x1 := int(math.Ceil(max(a[0], b[0]) + brush + 1))
	y0 := int(math.Floor(min(a[1], b[1]) - brush - 1))
	y1 := int(math.Ceil(max(a[1], b[1]) + brush + 1))
	r := image.Rect(x0, y0, x1, y1).Intersect(p.pix.Rect)
	if r.Empty() {
		return
	}
	dx, dy := b[0]-a[0], b[1]-a[1]
	length2 := dx*dx + dy*dy
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			t := 0.0
			if length2 > 0 {
				t = math.Max(0, math.Min(1, ((px-a[0])*dx+(py-a[1])*dy)/length2))
			}
			ex, ey := px-(a[0]+t*dx), py-(a[1]+t*dy)
			cover := math.Max(0, math.Min(1, brush-math.Sqrt(ex*ex+ey*ey)+0.5))
			if cover == 0 {
				continue
			}
			i := p.pix.PixOffset(x, y)
			p.pix.Pix[i] = max(p.pix.Pix[i], uint8(255*cover))
		}
	}
	p.empty = false
	p.img.Refresh()
	if p.OnChanged != nil {
		p.OnChanged(p.Image())
	}
}

var (
	_ fyne.Draggable = (*Pad)(nil)
	_ fyne.Tappable  = (*Pad)(nil)
)
