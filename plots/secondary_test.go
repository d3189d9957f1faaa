package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestSecondaryKeepsAxisRanges(t *testing.T) {
	series := liveSeries(600)
	wild := &Secondary{Label: "learning rate", X: []float64{-1000, 0, 300, 5000, math.NaN()}, Y: []float64{1e9, 1e-3, -5, 1e-12, 1}}
	for _, opts := range []CurveOptions{{Smoothing: 0.6}, {LogY: true}, {YMin: 0, YMax: 3}, {IgnoreOutliers: true}} {
		plain := curvesChart(t, opts, series...)
		for _, log := range []bool{false, true} {
			sec := *wild
			sec.LogY = log
			opts.Secondary = &sec
			p := mustCurves(t, opts, series...)
			chart, err := Render(p, goldenSize)
			if err != nil {
				t.Fatal(err)
			}
			if chart.X != plain.X || chart.Y != plain.Y {
				t.Errorf("LogY %v, secondary LogY %v: axes %+v, %+v, want %+v, %+v as without it", opts.LogY, log, chart.X, chart.Y, plain.X, plain.Y)
			}
			// The right axis takes room on the right, and only there.
			if r, pr := chart.DataRect, plain.DataRect; r.Min.X != pr.Min.X || r.Max.X > pr.Max.X-40 {
				t.Errorf("LogY %v, secondary LogY %v: plotting area %v, want %v narrowed on the right", opts.LogY, log, r, pr)
			}
			texts, w, h := drawnTexts(t, p, goldenSize)
			checkTexts(t, fmt.Sprintf("secondary LogY %v", log), texts, w, h)
		}
	}
}

// lineColumns returns in how many pixel columns of the plotting area a
// pixel within one of image row y is near colour c.
func lineColumns(chart *Chart, y float64, c color.Color) int {
	left, _, right, _ := chart.bounds()
	n := 0
	for px := left + 0.5; px < right; px++ {
		for dy := -1.0; dy <= 1; dy++ {
			if near(pixel(chart, px, y+dy), c, 40) {
				n++
				break
			}
		}
	}
	return n
}

func TestSecondaryEmptyOrConstant(t *testing.T) {
	nan := math.NaN()
	steps := []float64{1, 2, 3, 4, 5}
	for _, tt := range []struct {
		name string
		sec  Secondary
		// wantLine is the value the line is drawn at, NaN for no line.
		wantLine float64
	}{
		{"empty", Secondary{}, nan},
		{"all NaN", Secondary{X: steps, Y: []float64{nan, nan, nan, nan, nan}}, nan},
		{"≤ 0 on a log axis", Secondary{X: steps, Y: []float64{0, -1, 0, 0, 0}, LogY: true}, nan},
		{"constant", Secondary{X: steps, Y: []float64{3e-4, 3e-4, 3e-4, 3e-4, 3e-4}}, 3e-4},
		{"constant on a log axis", Secondary{X: steps, Y: []float64{3e-4, 3e-4, 3e-4, 3e-4, 3e-4}, LogY: true}, 3e-4},
		{"constant zero", Secondary{X: steps, Y: []float64{0, 0, 0, 0, 0}}, 0},
		{"one point", Secondary{X: []float64{3}, Y: []float64{0.1}}, 0.1},
	} {
		for _, th := range themes {
			tt.sec.Label, tt.sec.Color = "learning rate", 2
			opts := CurveOptions{Title: "Loss", XLabel: "step", YLabel: "loss", Secondary: &tt.sec, Theme: th.theme}
			// A primary line along the bottom, clear of the middle.
			p, err := Curves(opts, Series{Label: "train", X: steps, Y: []float64{0, 0.1, 0, 0.1, 1}})
			if err != nil {
				t.Fatalf("%s: Curves: %v", tt.name, err)
			}
			chart, err := Render(p, goldenSize)
			if err != nil {
				t.Fatalf("%s: Render: %v", tt.name, err)
			}
			texts, w, h := drawnTexts(t, p, goldenSize)
			checkTexts(t, tt.name, texts, w, h)
			// Right of the plotting area: at least two distinct tick
			// labels and the axis label.
			right := vg.Length(chart.DataRect.Max.X) * 72 / DefaultDPI
			seen := map[string]bool{}
			for _, d := range texts {
				if d.box[0].X > right && d.text != "learning rate" {
					seen[d.text] = true
				}
			}
			if _, missing := textsIn(texts, "learning rate", "learning rate (right axis)"); len(seen) < 2 || len(missing) > 0 {
				t.Errorf("%s, %s theme: right of the plotting area %d tick labels %v, missing %q; want at least 2 and the axis label and legend entry", tt.name, th.name, len(seen), seen, missing)
			}
			if math.IsNaN(tt.wantLine) {
				continue
			}
			// A constant is drawn halfway up its axis.
			_, top, _, bottom := chart.bounds()
			if n := lineColumns(chart, (top+bottom)/2, th.theme.Color(2)); n < 3 {
				t.Errorf("%s, %s theme: the secondary colour is in %d columns halfway up the chart, want a line or a point", tt.name, th.name, n)
			}
		}
	}

	_, err := Curves(CurveOptions{Secondary: &Secondary{Label: "learning rate", X: []float64{1, 2}, Y: []float64{1}}})
	if err == nil || !strings.Contains(err.Error(), "learning rate") {
		t.Errorf("Curves with a secondary series of 2 x and 1 y values = %v, want an error naming it", err)
	}
	// Without a label it has no legend entry.
	texts, _, _ := drawnTexts(t, mustCurves(t, CurveOptions{Secondary: &Secondary{X: steps, Y: steps}}, Series{Label: "a", X: steps, Y: steps}, Series{Label: "b"}), goldenSize)
	for _, d := range texts {
		if strings.Contains(d.text, "right axis") {
			t.Errorf("a secondary series without a label has the legend entry %q", d.text)
		}
	}
}

// TestSecondaryColours checks that the right axis is tied to its line:
// the axis label is drawn in the line's colour.
func TestSecondaryColours(t *testing.T) {
	for _, th := range themes {
		sec := Secondary{Label: "learning rate", X: []float64{0, 10}, Y: []float64{1, 2}, Color: 3}
		p := mustCurves(t, CurveOptions{Secondary: &sec, Theme: th.theme}, Series{X: []float64{0, 10}, Y: []float64{0, 1}})
		chart, err := Render(p, goldenSize)
		if err != nil {
			t.Fatal(err)
		}
		// The rotated axis label is the rightmost text of the chart.
		b := chart.Image.Bounds()
		x0 := chart.DataRect.Max.X + 40
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := x0; x < b.Max.X; x++ {
				if near(chart.Image.At(x, y), th.theme.Color(3), 30) {
					n++
				}
			}
		}
		if n < 50 {
			t.Errorf("%s theme: %d pixels right of the tick labels are the secondary colour, want its axis label in it", th.name, n)
		}
	}
}

// TestLiveChartAnySize renders a chart with markers and a secondary axis at
// sizes down to one pixel, as a window may be dragged to: no error, and an
// image of the size asked for.
func TestLiveChartAnySize(t *testing.T) {
	p := liveRunChart(t, DarkTheme(), 200)
	for _, size := range []Size{{Width: 1, Height: 1}, {Width: 20, Height: 15}, {Width: 120, Height: 60}, {Width: 200, Height: 120}, {Width: 16384, Height: 40}} {
		chart, err := Render(p, size)
		if err != nil {
			t.Fatalf("Render(%+v): %v", size, err)
		}
		if b := chart.Image.Bounds(); b.Dx() != size.Width || b.Dy() != size.Height {
			t.Errorf("Render(%+v) image bounds = %v", size, b)
		}
	}
}

// TestSecondaryAxisFitsItsLength draws a learning rate from 5e-5 to 1e-2
// on charts from tall to short: the right axis labels fewer decades on
// shorter charts, in another style ("0.0001" where "1e-4" stood beside
// "5e-5"), for which it has left room, and its texts never overlap or run
// off the image.
func TestSecondaryAxisFitsItsLength(t *testing.T) {
	sec := Secondary{Label: "learning rate", X: []float64{0, 50, 100}, Y: []float64{5e-5, 1e-3, 1e-2}, LogY: true, Color: 2}
	for _, opts := range []CurveOptions{{}, {LogY: true}} {
		opts.Title, opts.XLabel, opts.YLabel, opts.Secondary = "Loss", "step", "loss", &sec
		p := mustCurves(t, opts, Series{X: []float64{0, 100}, Y: []float64{2, 0.1}})
		for _, size := range []Size{{Width: 600, Height: 380}, {Width: 300, Height: 160}, {Width: 300, Height: 110}, {Width: 220, Height: 120}} {
			name := fmt.Sprintf("LogY %v at %d×%d", opts.LogY, size.Width, size.Height)
			texts, w, h := drawnTexts(t, p, size)
			checkTexts(t, name, texts, w, h)
			// The axis label, longer than the plotting area of a chart
			// 160 pixels high, is written in full past its bottom; on a
			// chart shorter still, shortened.
			if _, missing := textsIn(texts, "learning rate"); size.Height >= 160 && len(missing) > 0 {
				t.Errorf("%s: no axis label %q among %q", name, "learning rate", textsOf(texts))
			}
		}
	}
}
