package ui

import (
	"image"
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
)

// chartView shows a chart rendered off the UI goroutine. It keeps one
// canvas.Image and swaps its picture, so that redrawing many times a
// second does not pile up textures, and it tells its owner the data
// coordinates under the pointer.
type chartView struct {
	widget.BaseWidget

	img *canvas.Image
	// marks are the markers drawn over the chart at data points, such as
	// the points the pointer reads; they belong to the UI goroutine.
	marks    []*canvas.Circle
	markData []mark
	overlay  *fyne.Container
	// hover is called on the UI goroutine with the data coordinates under
	// the pointer, or ok false when the pointer leaves the plotting area.
	hover func(x, y float64, ok bool)
	// resized is called on the UI goroutine when the view changes size,
	// so that the owner renders again at the new size.
	resized func()
	// tapped, when set, is called on the UI goroutine with the data
	// coordinates of a tap inside the plotting area.
	tapped func(x, y float64)

	mu    sync.Mutex // guards size and chart
	size  plots.Size // in device pixels
	chart *plots.Chart
}

func newChartView(minW, minH float32) *chartView {
	c := &chartView{img: canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))}
	c.img.FillMode = canvas.ImageFillStretch
	c.img.SetMinSize(fyne.NewSize(minW, minH))
	c.size = plots.Size{Width: int(minW), Height: int(minH), DPI: 96}
	c.ExtendBaseWidget(c)
	return c
}

func (c *chartView) CreateRenderer() fyne.WidgetRenderer {
	c.overlay = container.NewWithoutLayout()
	return &chartRenderer{view: c, objects: []fyne.CanvasObject{c.img, c.overlay}}
}

// chartRenderer stretches the chart's image over the view and places the
// markers over it.
type chartRenderer struct {
	view    *chartView
	objects []fyne.CanvasObject
}

func (r *chartRenderer) Layout(s fyne.Size) {
	r.view.img.Resize(s)
	r.view.overlay.Resize(s)
	r.view.placeMarks()
}
func (r *chartRenderer) MinSize() fyne.Size           { return r.view.img.MinSize() }
func (r *chartRenderer) Refresh()                     { r.view.img.Refresh(); r.view.placeMarks() }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Destroy()                     {}

// mark is a marker at a data point, in a colour.
type mark struct {
	x, y  float64
	color color.Color
}

// markRadius is a marker's radius in Fyne units.
const markRadius = 4.5

// setMarks draws markers at the data points (none to remove them); on the
// UI goroutine.
func (c *chartView) setMarks(ms []mark) {
	c.markData = ms
	c.placeMarks()
}

// placeMarks positions the markers over the chart on display.
func (c *chartView) placeMarks() {
	if c.overlay == nil {
		return
	}
	ch := c.current()
	for len(c.marks) < len(c.markData) {
		m := canvas.NewCircle(color.Transparent)
		m.StrokeWidth = 2
		c.marks = append(c.marks, m)
		c.overlay.Add(m)
	}
	size := c.Size()
	for i, m := range c.marks {
		if i >= len(c.markData) || ch == nil || size.Width == 0 {
			m.Hide()
			continue
		}
		d := c.markData[i]
		b := ch.Image.Bounds()
		px, py := ch.PixelAt(d.x, d.y)
		if !ch.Contains(px, py) { // clipped off the plotting area, or NaN
			m.Hide()
			continue
		}
		x := float32(px) * size.Width / float32(b.Dx())
		y := float32(py) * size.Height / float32(b.Dy())
		m.FillColor = d.color
		m.StrokeColor = theme.Color(theme.ColorNameBackground)
		m.Move(fyne.NewPos(x-markRadius, y-markRadius))
		m.Resize(fyne.NewSize(2*markRadius, 2*markRadius))
		m.Show()
		m.Refresh()
	}
}

// Resize records the size in device pixels for the next render.
func (c *chartView) Resize(s fyne.Size) {
	c.BaseWidget.Resize(s)
	scale := float32(1)
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c); cv != nil {
		scale = cv.Scale()
	}
	size := plots.Size{Width: int(s.Width * scale), Height: int(s.Height * scale), DPI: 96 * float64(scale)}
	c.mu.Lock()
	changed := size != c.size
	c.size = size
	c.mu.Unlock()
	if changed && c.resized != nil && size.Width > 0 && size.Height > 0 {
		c.resized()
	}
}

// renderSize is the size to render at; safe from any goroutine.
func (c *chartView) renderSize() plots.Size {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// show displays a rendered chart; call on the UI goroutine.
func (c *chartView) show(ch *plots.Chart) {
	c.mu.Lock()
	c.chart = ch
	c.mu.Unlock()
	c.img.Image = ch.Image
	c.img.Refresh()
	c.placeMarks()
}

// clear empties the view; call on the UI goroutine.
func (c *chartView) clear() {
	c.mu.Lock()
	c.chart = nil
	c.mu.Unlock()
	c.img.Image = image.NewRGBA(image.Rect(0, 0, 1, 1))
	c.img.Refresh()
}

// current returns the chart on display, or nil.
func (c *chartView) current() *plots.Chart {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chart
}

func (c *chartView) MouseIn(ev *desktop.MouseEvent)    { c.MouseMoved(ev) }
func (c *chartView) MouseOut()                         { c.report(0, 0, false) }
func (c *chartView) MouseMoved(ev *desktop.MouseEvent) { c.pointAt(ev.Position) }

// pointAt reports the data coordinates under a position in the view.
func (c *chartView) pointAt(pos fyne.Position) {
	if x, y, ok := c.dataAt(pos); ok || c.current() != nil {
		c.report(x, y, ok)
	}
}

// dataAt returns the data coordinates under a position in the view.
func (c *chartView) dataAt(pos fyne.Position) (x, y float64, ok bool) {
	ch := c.current()
	size := c.Size()
	if ch == nil || size.Width == 0 || size.Height == 0 {
		return 0, 0, false
	}
	b := ch.Image.Bounds()
	px := float64(pos.X) * float64(b.Dx()) / float64(size.Width)
	py := float64(pos.Y) * float64(b.Dy()) / float64(size.Height)
	return ch.DataAt(px, py)
}

// Tapped reports a tap's data coordinates to the owner.
func (c *chartView) Tapped(ev *fyne.PointEvent) {
	if c.tapped == nil {
		return
	}
	if x, y, ok := c.dataAt(ev.Position); ok {
		c.tapped(x, y)
	}
}

func (c *chartView) report(x, y float64, ok bool) {
	if c.hover != nil {
		c.hover(x, y, ok)
	}
}

var (
	_ desktop.Hoverable = (*chartView)(nil)
	_ fyne.Tappable     = (*chartView)(nil)
)
