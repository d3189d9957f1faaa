package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion builds a confusion-matrix heat map: rows are true classes (y
// axis, top to bottom in label order), columns predicted classes (x axis),
// each cell coloured by its share of its row, from the background to the
// accent colour Palette[0], and annotated with its count in whichever of
// the theme's text colours reads best on it. Shares are coloured on a
// square-root scale, so that the few-percent confusions worth looking at
// are visible next to a diagonal near 100%.
//
// counts[i][j] is the number of examples of true class i predicted as
// class j; it must be square, one row and column per label, and not
// negative.
//
// Drawn by Render or Save, the matrix fits the chart's size: the class
// labels tilt, shrink (down to 7-point type, the same on both axes) and,
// where even that does not fit every class, label every second or third
// class (see classTicks); the counts shrink with the cells and are left
// out of cells too small for 6-point type, whose colour still tells the
// story. At the window's 330×260 pixels, ten classes keep every label and
// count, twenty every second label and no counts.
//
// On the chart, column j is at x = j and row i at y = i: the cell under
// the pointer is row round(y), column round(x) of Chart.DataAt, which lets
// a GUI show the counts and names the chart leaves out.
func Confusion(title string, labels []string, counts [][]int, theme Theme) (*plot.Plot, error) {
	n := len(labels)
	if n == 0 {
		return nil, fmt.Errorf("plots: Confusion %q: no classes", title)
	}
	if len(counts) != n {
		return nil, fmt.Errorf("plots: Confusion %q: %d rows of counts for %d labels, want one per label", title, len(counts), n)
	}
	frac := make([][]float64, n)
	for i, row := range counts {
		if len(row) != n {
			return nil, fmt.Errorf("plots: Confusion %q: row %d (%s) has %d counts for %d labels, want one per label", title, i, labels[i], len(row), n)
		}
		total := 0
		for j, c := range row {
			if c < 0 {
				return nil, fmt.Errorf("plots: Confusion %q: count [%d][%d] is %d, want ≥ 0", title, i, j, c)
			}
			total += c
		}
		frac[i] = make([]float64, n)
		for j, c := range row {
			if total > 0 {
				frac[i][j] = float64(c) / float64(total)
			}
		}
	}

	th := theme.withDefaults()
	p := th.newPlot(title, "predicted class", "true class")
	setClassAxis(&p.X, labels, false, nil)
	setClassAxis(&p.Y, labels, true, nil)

	pal := heatPalette(th, 256)
	heat := plotter.NewHeatMap(confusionGrid(frac), pal)
	heat.Min, heat.Max = 0, 1
	p.Add(heat, &cellCounts{counts: counts, frac: frac, colors: pal.colors, theme: th})
	return p, nil
}

// confusionGrid is a square matrix of row-normalised fractions, indexed
// [true][predicted]. It implements plotter.GridXYZ with the predicted
// class as the column.
type confusionGrid [][]float64

func (g confusionGrid) Dims() (c, r int)   { return len(g), len(g) }
func (g confusionGrid) Z(c, r int) float64 { return g[r][c] }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }
func (g confusionGrid) Min() float64       { return 0 }
func (g confusionGrid) Max() float64       { return 1 }

// heatColors is a palette.Palette.
type heatColors struct{ colors []color.Color }

func (h heatColors) Colors() []color.Color { return h.colors }

// heatPalette returns n colours from a faint tint of the accent colour over
// the background to the accent colour, spaced by the square root of the
// fraction they stand for.
func heatPalette(th Theme, n int) heatColors {
	const floor = 0.06 // an empty cell is still a cell
	cs := make([]color.Color, n)
	for i := range cs {
		f := float64(i) / float64(n-1)
		cs[i] = Mix(th.Background, th.Color(0), floor+(1-floor)*math.Sqrt(f))
	}
	return heatColors{colors: cs}
}

// cellColor returns the colour plotter.HeatMap gives fraction f.
func cellColor(colors []color.Color, f float64) color.Color {
	return colors[int(f*float64(len(colors)-1)+0.5)]
}

// cellCounts draws the lines between a confusion matrix's cells and the
// count in each cell, as large as fits up to the axis label size.
type cellCounts struct {
	counts [][]int
	frac   [][]float64
	colors []color.Color
	theme  Theme
}

// Plot implements plot.Plotter.
func (cc *cellCounts) Plot(dc draw.Canvas, p *plot.Plot) {
	n := len(cc.counts)
	trX, trY := p.Transforms(&dc)
	cellW := vg.Length(math.Abs(float64(trX(1) - trX(0))))
	cellH := vg.Length(math.Abs(float64(trY(1) - trY(0))))

	sep := draw.LineStyle{Color: cc.theme.Background, Width: min(vg.Points(1.5), cellW/12, cellH/12)}
	for k := range n + 1 {
		x, y := trX(float64(k)-0.5), trY(float64(k)-0.5)
		dc.StrokeLine2(sep, x, dc.Min.Y, x, dc.Max.Y)
		dc.StrokeLine2(sep, dc.Min.X, y, dc.Max.X, y)
	}

	sty := text.Style{
		Font:    font.From(sans, labelSize),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
	var widest vg.Length
	for _, row := range cc.counts {
		for _, c := range row {
			widest = max(widest, sty.Width(strconv.Itoa(c)))
		}
	}
	// Shrink the text until the widest count fits its cell; give up below a
	// readable size (the colours still tell the story).
	scale := math.Min(1, math.Min(float64(cellW*0.8/widest), float64(cellH*0.8/sty.Height("0"))))
	if labelSize*scale < 6 {
		return
	}
	sty.Font = font.From(sans, font.Length(labelSize*scale))

	for i, row := range cc.counts {
		for j, c := range row {
			fill := cellColor(cc.colors, cc.frac[i][j])
			sty.Color = readableOn(cc.theme, fill)
			if c == 0 {
				sty.Color = Mix(fill, sty.Color, 0.55) // zeros recede
			}
			dc.FillText(sty, vg.Point{X: trX(float64(j)), Y: trY(float64(i))}, strconv.Itoa(c))
		}
	}
}

// readableOn returns the colour for text on fill: the theme's lighter text
// colour on a fill that white contrasts with better than black, its darker
// one otherwise, or white or black themselves where the theme's colour does
// not reach a contrast of 4.5. The result always reaches 4.5.
func readableOn(th Theme, fill color.Color) color.Color {
	light, dark := th.Foreground, th.Background
	if Luminance(light) < Luminance(dark) {
		light, dark = dark, light
	}
	c, fallback := dark, color.Color(color.Black)
	if Contrast(color.White, fill) > Contrast(color.Black, fill) {
		c, fallback = light, color.White
	}
	if Contrast(c, fill) >= 4.5 {
		return c
	}
	return fallback
}
