package plots

import (
	"image/color"
	"math"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Theme holds a chart's colours. Its zero value draws as LightTheme; a GUI
// may also build one from its own theme's background and foreground colours.
type Theme struct {
	Background, Foreground, Grid color.Color

	// Palette holds the series colours, looked up by Series.Color.
	// Palette[0] is also the accent colour of Bars and Confusion.
	Palette []color.Color
}

// Okabe & Ito's colour-blind safe palette (2008), the base of both themes.
var (
	okabeOrange     = color.NRGBA{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff}
	okabeSkyBlue    = color.NRGBA{R: 0x56, G: 0xb4, B: 0xe9, A: 0xff}
	okabeGreen      = color.NRGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}
	okabeBlue       = color.NRGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}
	okabeVermillion = color.NRGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}
	okabePurple     = color.NRGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}
)

// LightTheme returns the colours of the GUI's light theme (Fyne's light
// background and foreground) with the five Okabe–Ito colours that stand out
// against white (contrast at least 3:1). A palette index keeps its hue
// family in both themes: blue, orange-red, green, purple, black or white.
func LightTheme() Theme {
	return Theme{
		Background: color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff},
		Foreground: color.NRGBA{R: 0x56, G: 0x56, B: 0x56, A: 0xff},
		Grid:       color.NRGBA{R: 0xe3, G: 0xe3, B: 0xe3, A: 0xff},
		Palette: []color.Color{
			okabeBlue,
			okabeVermillion,
			okabeGreen,
			okabePurple,
			color.NRGBA{A: 0xff}, // black
		},
	}
}

// DarkTheme returns the colours of the GUI's dark theme (Fyne's dark
// background and foreground) with the five Okabe–Ito colours that stand out
// against it, the lighter blue and orange in place of the darker ones.
func DarkTheme() Theme {
	return Theme{
		Background: color.NRGBA{R: 0x17, G: 0x17, B: 0x18, A: 0xff},
		Foreground: color.NRGBA{R: 0xf3, G: 0xf3, B: 0xf3, A: 0xff},
		Grid:       color.NRGBA{R: 0x39, G: 0x39, B: 0x3a, A: 0xff},
		Palette: []color.Color{
			okabeSkyBlue,
			okabeOrange,
			okabeGreen,
			okabePurple,
			color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}, // white
		},
	}
}

// withDefaults fills the colours a caller left nil from LightTheme.
func (t Theme) withDefaults() Theme {
	d := LightTheme()
	if t.Background == nil {
		t.Background = d.Background
	}
	if t.Foreground == nil {
		t.Foreground = d.Foreground
	}
	if t.Grid == nil {
		t.Grid = d.Grid
	}
	if len(t.Palette) == 0 {
		t.Palette = d.Palette
	}
	return t
}

// Color returns palette colour i, wrapping around the palette; it returns
// the foreground colour if the palette is empty.
func (t Theme) Color(i int) color.Color {
	if len(t.Palette) == 0 {
		if t.Foreground == nil {
			return color.Black
		}
		return t.Foreground
	}
	i %= len(t.Palette)
	if i < 0 {
		i += len(t.Palette)
	}
	return t.Palette[i]
}

// muted is the colour of bars that are not highlighted: a third of the way
// from the background to the foreground.
func (t Theme) muted() color.Color { return Mix(t.Background, t.Foreground, 0.33) }

// Text sizes in points. At 96 DPI a point is 4/3 pixel, so a 600×380 pixel
// chart gets 13⅓ pixel tick labels.
const (
	titleSize      = 13.5
	labelSize      = 11.5
	tickSize       = 10
	legendSize     = 10
	annotationSize = 9.5
)

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: stdfont.WeightBold}
)

// newPlot returns a plot with the theme's colours and the package's fonts on
// every text, axis and tick, which shows the offsets of its linearTicks axes.
func (t Theme) newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = t.Background

	p.Title.Text = title
	p.Title.TextStyle.Color = t.Foreground
	p.Title.TextStyle.Font = font.From(sansBold, titleSize)
	p.Title.Padding = vg.Points(6)

	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Color = t.Foreground
		a.Width = vg.Points(0.75)
		a.Padding = vg.Points(3)
		a.Label.TextStyle.Color = t.Foreground
		a.Label.TextStyle.Font = font.From(sans, labelSize)
		a.Label.Padding = vg.Points(3)
		a.Tick.Label.Color = t.Foreground
		a.Tick.Label.Font = font.From(sans, tickSize)
		a.Tick.Color = t.Foreground
		a.Tick.Width = vg.Points(0.75)
		a.Tick.Length = vg.Points(4)
	}

	p.Legend.TextStyle.Color = t.Foreground
	p.Legend.TextStyle.Font = font.From(sans, legendSize)

	// The offsets of linearTicks axes, if they need one.
	p.Add(axisOffsets{})
	return p
}

// grid returns light grid lines at the major ticks.
func (t Theme) grid(vertical, horizontal bool) *plotter.Grid {
	g := &plotter.Grid{}
	sty := draw.LineStyle{Color: t.Grid, Width: vg.Points(0.75)}
	if vertical {
		g.Vertical = sty
	}
	if horizontal {
		g.Horizontal = sty
	}
	return g
}

// Mix returns the colour a fraction f of the way from a to b, in sRGB.
func Mix(a, b color.Color, f float64) color.Color {
	na := color.NRGBAModel.Convert(a).(color.NRGBA)
	nb := color.NRGBAModel.Convert(b).(color.NRGBA)
	l := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.NRGBA{R: l(na.R, nb.R), G: l(na.G, nb.G), B: l(na.B, nb.B), A: l(na.A, nb.A)}
}

// withAlpha returns c with its opacity multiplied by a.
func withAlpha(c color.Color, a float64) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(math.Round(float64(n.A) * a))
	return n
}

// linear converts an sRGB channel to linear light.
func linear(v uint8) float64 {
	s := float64(v) / 255
	if s <= 0.04045 {
		return s / 12.92
	}
	return math.Pow((s+0.055)/1.055, 2.4)
}

// Luminance returns the relative luminance of c (WCAG 2).
func Luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return 0.2126*linear(n.R) + 0.7152*linear(n.G) + 0.0722*linear(n.B)
}

// Contrast returns the WCAG contrast ratio of two colours, from 1 to 21.
func Contrast(a, b color.Color) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
