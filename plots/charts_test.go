package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot/vg"
)

func render(t *testing.T, build func() (*Chart, error)) *Chart {
	t.Helper()
	c, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func curvesChart(t *testing.T, opts CurveOptions, series ...Series) *Chart {
	t.Helper()
	return render(t, func() (*Chart, error) {
		p, err := Curves(opts, series...)
		if err != nil {
			return nil, fmt.Errorf("Curves: %w", err)
		}
		return Render(p, goldenSize)
	})
}

func TestCurvesDropsNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name  string
		opts  CurveOptions
		x, y  []float64
		wantX AxisRange
		wantY AxisRange
	}{
		{"diverged", CurveOptions{Smoothing: 0.6},
			[]float64{1, 2, 3, 4, 5, nan, 7}, []float64{2, 1, 0.5, nan, inf, 3, math.Inf(-1)},
			AxisRange{1, 3, false}, AxisRange{0.5, 2, false}},
		{"log drops ≤ 0", CurveOptions{LogY: true},
			[]float64{1, 2, 3, 4, 5}, []float64{0, -1, 0.1, 10, nan},
			AxisRange{3, 4, false}, AxisRange{0.1, 10, true}},
		{"all non-finite", CurveOptions{},
			[]float64{1, 2}, []float64{nan, inf},
			AxisRange{0, 1, false}, AxisRange{0, 1, false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chart := curvesChart(t, tt.opts, Series{Label: "loss", X: tt.x, Y: tt.y}, Series{Label: "other"})
			if chart.X != tt.wantX || chart.Y != tt.wantY {
				t.Errorf("axes = %+v, %+v, want %+v, %+v", chart.X, chart.Y, tt.wantX, tt.wantY)
			}
		})
	}
}

func TestCurvesEmpty(t *testing.T) {
	for _, tt := range []struct {
		opts         CurveOptions
		wantX, wantY AxisRange
	}{
		{CurveOptions{}, AxisRange{0, 1, false}, AxisRange{0, 1, false}},
		{CurveOptions{LogY: true}, AxisRange{0, 1, false}, AxisRange{0.1, 1, true}},
		{CurveOptions{YMin: 0, YMax: 100}, AxisRange{0, 1, false}, AxisRange{0, 100, false}},
		{CurveOptions{LogY: true, YMin: 0, YMax: 1}, AxisRange{0, 1, false}, AxisRange{0.1, 1, true}}, // a log axis cannot start at 0
	} {
		for _, th := range themes {
			tt.opts.Title, tt.opts.XLabel, tt.opts.YLabel, tt.opts.Theme = "Loss", "step", "loss", th.theme
			chart := curvesChart(t, tt.opts, Series{Label: "train"}, Series{Label: "validation", Points: true})
			if chart.X != tt.wantX || chart.Y != tt.wantY {
				t.Errorf("empty chart %+v: axes = %+v, %+v, want %+v, %+v", tt.opts, chart.X, chart.Y, tt.wantX, tt.wantY)
			}
			// The title is drawn above the plotting area.
			if n := countNot(chart, th.theme.Background, 0, 0, chart.Image.Bounds().Dx(), chart.DataRect.Min.Y); n < 50 {
				t.Errorf("empty chart in the %s theme: %d pixels drawn above the plotting area, want a title", th.name, n)
			}
		}
	}
	// No series at all.
	chart := curvesChart(t, CurveOptions{Title: "Loss"})
	if chart.X != (AxisRange{0, 1, false}) {
		t.Errorf("chart of no series: X = %+v, want 0..1", chart.X)
	}
}

// countNot counts the pixels in a rectangle that are not near colour c.
func countNot(chart *Chart, c color.Color, x0, y0, x1, y1 int) int {
	n := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if !near(chart.Image.At(x, y), c, 8) {
				n++
			}
		}
	}
	return n
}

func TestCurvesSinglePoint(t *testing.T) {
	th := LightTheme()
	chart := curvesChart(t, CurveOptions{Theme: th}, Series{Label: "train", X: []float64{3}, Y: []float64{0.5}, Color: 2})
	if chart.X.Min >= 3 || chart.X.Max <= 3 || chart.Y.Min >= 0.5 || chart.Y.Max <= 0.5 {
		t.Errorf("one point at (3, 0.5): axes %+v, %+v, want ranges around it", chart.X, chart.Y)
	}
	px, py := chart.PixelAt(3, 0.5)
	if got := pixel(chart, px, py); !near(got, th.Color(2), 24) {
		t.Errorf("one point at (3, 0.5): pixel %v, want a marker of %v", got, th.Color(2))
	}
}

func TestCurvesMismatchedSeries(t *testing.T) {
	_, err := Curves(CurveOptions{}, Series{Label: "ok"}, Series{Label: "val loss", X: []float64{1, 2}, Y: []float64{1}})
	if err == nil || !strings.Contains(err.Error(), "val loss") {
		t.Errorf("Curves with 2 x and 1 y values = %v, want an error naming the series", err)
	}
}

// TestCurvesSmoothing checks how a smoothed series is drawn: the EMA in full
// colour, the raw series faintly behind it; and that series with Points are
// never smoothed.
func TestCurvesSmoothing(t *testing.T) {
	th := LightTheme()
	var x, y []float64
	for i := range 61 {
		x, y = append(x, float64(i)), append(y, float64(i%2)) // 0, 1, 0, 1, …
	}
	const w = 0.9
	ema := EMA(y, w)
	full := th.Color(0)

	opts := CurveOptions{YMin: -0.1, YMax: 1.1, Smoothing: w, Theme: th}
	smoothed := curvesChart(t, opts, Series{Label: "train", X: x, Y: y})
	raw := curvesChart(t, CurveOptions{YMin: -0.1, YMax: 1.1, Theme: th}, Series{Label: "train", X: x, Y: y})
	points := curvesChart(t, opts, Series{Label: "val", X: x, Y: y, Points: true})

	for i := 20; i < 40; i += 3 {
		// Lines are anti-aliased and the EMA zigzags steeply, so look for
		// the colour in the pixels around each vertex.
		if !nearby(smoothed, x[i], ema[i], full, 30) {
			t.Errorf("smoothed: no pixel around the EMA at x=%v is %v", x[i], full)
		}
		// The raw series is a pixel wide and translucent: tinted, but far
		// lighter than the smoothed line.
		if got := colorAt(smoothed, x[i], y[i]); near(got, th.Background, 8) || nearby(smoothed, x[i], y[i], full, 70) {
			t.Errorf("smoothed: pixel on the raw series at x=%v is %v, want a faint %v", x[i], got, full)
		}
		if !nearby(raw, x[i], y[i], full, 30) {
			t.Errorf("unsmoothed: no pixel around the series at x=%v is %v", x[i], full)
		}
		if got := colorAt(points, x[i], y[i]); !near(got, full, 30) {
			t.Errorf("Points series: pixel at point x=%v is %v, want an unsmoothed marker of %v", x[i], got, full)
		}
	}
}

// nearby reports whether a pixel within one pixel of where data point
// (x, y) is drawn is near colour c.
func nearby(chart *Chart, x, y float64, c color.Color, tol int) bool {
	px, py := chart.PixelAt(x, y)
	for dy := -1.0; dy <= 1; dy++ {
		for dx := -1.0; dx <= 1; dx++ {
			if near(pixel(chart, px+dx, py+dy), c, tol) {
				return true
			}
		}
	}
	return false
}

func TestLegendAvoidsData(t *testing.T) {
	// Boxes in Curves' order of preference: top right, bottom right, top
	// left, bottom left, on a 100×100 plotting area.
	boxes := []vg.Rectangle{
		{Min: vg.Point{X: 70, Y: 80}, Max: vg.Point{X: 100, Y: 100}},
		{Min: vg.Point{X: 70, Y: 0}, Max: vg.Point{X: 100, Y: 20}},
		{Min: vg.Point{X: 0, Y: 80}, Max: vg.Point{X: 30, Y: 100}},
		{Min: vg.Point{X: 0, Y: 0}, Max: vg.Point{X: 30, Y: 20}},
	}
	line := func(pts ...vg.Point) []drawnCurve { return []drawnCurve{{points: pts, weight: 1}} }
	for _, tt := range []struct {
		name   string
		curves []drawnCurve
		want   int
	}{
		{"falling loss", line(vg.Point{X: 0, Y: 100}, vg.Point{X: 50, Y: 10}, vg.Point{X: 100, Y: 5}), 0},
		{"rising accuracy", line(vg.Point{X: 0, Y: 10}, vg.Point{X: 50, Y: 90}, vg.Point{X: 100, Y: 95}), 1},
		{"along the bottom and up the right", line(vg.Point{X: 0, Y: 5}, vg.Point{X: 95, Y: 5}, vg.Point{X: 95, Y: 100}), 2},
		{"everywhere but the bottom left", line(vg.Point{X: 0, Y: 95}, vg.Point{X: 95, Y: 95}, vg.Point{X: 95, Y: 5}), 3},
		{"no data", nil, 0},
		{"markers only, top right", []drawnCurve{{points: []vg.Point{{X: 90, Y: 90}, {X: 95, Y: 95}}, markers: true, weight: 1}}, 1},
	} {
		if got := leastCovered(boxes, tt.curves); got != tt.want {
			t.Errorf("leastCovered(%s) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestBars(t *testing.T) {
	labels := []string{"cat", "dog", "bird", "a very long class name"}
	values := []float64{0.1, 0.6, 0.3, 0}
	for _, th := range themes {
		for _, highlight := range []int{1, 2, -1, 4} {
			chart := render(t, func() (*Chart, error) {
				p, err := Bars("Prediction", labels, values, highlight, th.theme)
				if err != nil {
					return nil, err
				}
				return Render(p, goldenSize)
			})
			if chart.Y.Min <= chart.Y.Max {
				t.Errorf("Bars: y axis %+v, want it inverted so the first class is at the top", chart.Y)
			}
			for i, v := range values[:3] {
				want := th.theme.muted()
				if i == highlight {
					want = th.theme.Color(0)
				}
				// Halfway along the bar, at its centre line.
				if got := colorAt(chart, v/2, float64(i)); !near(got, want, 12) {
					t.Errorf("Bars(%s theme, highlight %d): bar %d is %v, want %v", th.name, highlight, i, got, want)
				}
			}
		}
	}
}

func TestBarsErrors(t *testing.T) {
	for _, tt := range []struct {
		labels []string
		values []float64
		want   string
	}{
		{nil, nil, "no classes"},
		{[]string{"a", "b"}, []float64{1}, "1 values for 2 labels"},
		{[]string{"a", "b"}, []float64{0.5, math.NaN()}, "value 1 (b)"},
		{[]string{"a", "b"}, []float64{1.5, 0}, "value 0 (a) is 1.5"},
		{[]string{"a", "b"}, []float64{-0.2, 0}, "value 0 (a) is -0.2"},
	} {
		_, err := Bars("p", tt.labels, tt.values, 0, LightTheme())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Bars(%v, %v) error = %v, want one containing %q", tt.labels, tt.values, err, tt.want)
		}
	}
	// Rounding just past 1 (a float32 softmax) is not an error.
	if _, err := Bars("p", []string{"a", "b"}, []float64{1.0000001, -1e-7}, 0, LightTheme()); err != nil {
		t.Errorf("Bars with values a rounding error outside [0, 1]: %v", err)
	}
}

func TestConfusion(t *testing.T) {
	for _, tt := range []struct {
		labels []string
		counts [][]int
	}{
		{[]string{"3", "5", "8"}, [][]int{{50, 0, 2}, {0, 0, 0}, {5, 10, 35}}},
		{digits, confusionCounts(10, 1000)},
		{cifar10, confusionCounts(10, 100)},
	} {
		for _, th := range themes {
			chart := render(t, func() (*Chart, error) {
				p, err := Confusion("Confusion", tt.labels, tt.counts, th.theme)
				if err != nil {
					return nil, err
				}
				return Render(p, goldenSize)
			})
			n := float64(len(tt.labels))
			if want := (AxisRange{-0.5, n - 0.5, false}); chart.X != want {
				t.Errorf("Confusion(%d classes): x axis %+v, want %+v", len(tt.labels), chart.X, want)
			}
			if want := (AxisRange{n - 0.5, -0.5, false}); chart.Y != want {
				t.Errorf("Confusion(%d classes): y axis %+v, want %+v (first class on top)", len(tt.labels), chart.Y, want)
			}
			colors := heatPalette(th.theme, 256).colors
			for i, row := range tt.counts {
				total := 0
				for _, c := range row {
					total += c
				}
				for j, c := range row {
					frac := 0.0
					if total > 0 {
						frac = float64(c) / float64(total)
					}
					// Near a cell's corner, clear of its count and borders.
					want := cellColor(colors, frac)
					if got := colorAt(chart, float64(j)-0.35, float64(i)-0.35); !near(got, want, 6) {
						t.Errorf("Confusion(%d classes, %s theme): cell [%d][%d] is %v, want %v", len(tt.labels), th.name, i, j, got, want)
					}
				}
			}
		}
	}
}

func TestConfusionErrors(t *testing.T) {
	for _, tt := range []struct {
		labels []string
		counts [][]int
		want   string
	}{
		{nil, nil, "no classes"},
		{[]string{"a", "b"}, [][]int{{1, 2}}, "1 rows of counts for 2 labels"},
		{[]string{"a", "b"}, [][]int{{1, 2}, {3}}, "row 1 (b) has 1 counts"},
		{[]string{"a", "b"}, [][]int{{1, 2}, {3, -4}}, "count [1][1] is -4"},
	} {
		_, err := Confusion("c", tt.labels, tt.counts, LightTheme())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Confusion(%v, %v) error = %v, want one containing %q", tt.labels, tt.counts, err, tt.want)
		}
	}
}

// TestConfusionTextReadable checks the count colour against every cell
// colour a confusion matrix can have, in both themes.
func TestConfusionTextReadable(t *testing.T) {
	for _, th := range themes {
		colors := heatPalette(th.theme, 256).colors
		worst := math.Inf(1)
		for _, fill := range colors {
			worst = math.Min(worst, Contrast(readableOn(th.theme, fill), fill))
		}
		if worst < 4.5 {
			t.Errorf("%s theme: the worst count on a confusion cell has contrast %.2f, want ≥ 4.5", th.name, worst)
		}
		// Dark cells get light text and light cells dark text.
		darkest, lightest := colors[0], colors[len(colors)-1]
		if Luminance(darkest) > Luminance(lightest) {
			darkest, lightest = lightest, darkest
		}
		if Luminance(readableOn(th.theme, darkest)) < 0.5 || Luminance(readableOn(th.theme, lightest)) > 0.5 {
			t.Errorf("%s theme: counts are %v on %v and %v on %v, want light on dark and dark on light", th.name,
				readableOn(th.theme, darkest), darkest, readableOn(th.theme, lightest), lightest)
		}
	}
}

func TestThemeColours(t *testing.T) {
	for _, th := range themes {
		bg := th.theme.Background
		if c := Contrast(th.theme.Foreground, bg); c < 7 {
			t.Errorf("%s theme: text contrast %.2f, want ≥ 7", th.name, c)
		}
		if c := Contrast(th.theme.Grid, bg); c < 1.1 || c > 2 {
			t.Errorf("%s theme: grid contrast %.2f, want a light grid (1.1..2)", th.name, c)
		}
		for i, c := range th.theme.Palette {
			if r := Contrast(c, bg); r < 3 {
				t.Errorf("%s theme: palette[%d] = %v has contrast %.2f on the background, want ≥ 3", th.name, i, c, r)
			}
		}
		// The series colours stay apart for people with normal vision and
		// with the common red-green deficiencies.
		for _, vision := range []struct {
			name string
			m    [3][3]float64
		}{{"normal", identity}, {"deuteranopia", deuteranopia}, {"protanopia", protanopia}} {
			for i, a := range th.theme.Palette {
				for j, b := range th.theme.Palette[i+1:] {
					if d := deltaE(simulate(vision.m, a), simulate(vision.m, b)); d < 15 {
						t.Errorf("%s theme, %s vision: palette[%d] and [%d] differ by ΔE %.1f, want ≥ 15", th.name, vision.name, i, i+1+j, d)
					}
				}
			}
		}
	}
	var zero Theme
	if zero.Color(0) != color.Black {
		t.Errorf("zero Theme.Color(0) = %v, want black", zero.Color(0))
	}
	th := LightTheme()
	if th.Color(len(th.Palette)) != th.Palette[0] || th.Color(-1) != th.Palette[len(th.Palette)-1] {
		t.Errorf("Theme.Color does not wrap around the palette")
	}
}

// Colour-vision deficiency matrices on linear RGB (Machado, Oliveira &
// Fernandes 2009, severity 1).
var (
	identity     = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	deuteranopia = [3][3]float64{{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}}
	protanopia   = [3][3]float64{{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}}
)

// simulate returns c as seen with the deficiency m, in CIE L*a*b*.
func simulate(m [3][3]float64, c color.Color) [3]float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := linear
	in := [3]float64{lin(n.R), lin(n.G), lin(n.B)}
	var rgb [3]float64
	for i := range 3 {
		rgb[i] = math.Max(0, math.Min(1, m[i][0]*in[0]+m[i][1]*in[1]+m[i][2]*in[2]))
	}
	x := (0.4124*rgb[0] + 0.3576*rgb[1] + 0.1805*rgb[2]) / 0.95047
	y := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	z := (0.0193*rgb[0] + 0.1192*rgb[1] + 0.9505*rgb[2]) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

func deltaE(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

// TestConcurrentRenders renders charts from several goroutines at once, as
// the GUI does for its loss and accuracy charts; -race checks for shared
// state, and each render must equal the same render done alone.
func TestConcurrentRenders(t *testing.T) {
	builds := []func() (*Chart, error){}
	for _, th := range themes {
		th := th.theme
		builds = append(builds,
			func() (*Chart, error) { return Render(lossChart(t, th, 2000), goldenSize) },
			func() (*Chart, error) {
				p, err := Confusion("c", digits, confusionCounts(10, 100), th)
				if err != nil {
					return nil, err
				}
				return Render(p, goldenSize)
			},
			func() (*Chart, error) {
				p, err := Bars("b", digits, make([]float64, 10), 3, th)
				if err != nil {
					return nil, err
				}
				return Render(p, Size{Width: 400, Height: 300, DPI: 120})
			},
		)
	}
	alone := make([]*Chart, len(builds))
	for i, b := range builds {
		alone[i] = render(t, b)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(builds)*2)
	for k := range 2 {
		for i, b := range builds {
			wg.Go(func() {
				c, err := b()
				if err == nil && !bytes.Equal(c.Image.Pix, alone[i].Image.Pix) {
					err = fmt.Errorf("chart %d drawn concurrently differs from the same chart drawn alone", i)
				}
				errs[k*len(builds)+i] = err
			})
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
