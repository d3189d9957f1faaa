package plots

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

func TestRenderSize(t *testing.T) {
	p := lossChart(t, LightTheme(), 200)
	var base image.Rectangle
	for _, size := range []Size{
		{Width: 600, Height: 380, DPI: 96},
		{Width: 1200, Height: 760, DPI: 192},
		{Width: 900, Height: 570, DPI: 144},
		{Width: 601, Height: 379}, // DPI 0 means 96
		{Width: 640, Height: 400, DPI: 105.6},
	} {
		chart, err := Render(p, size)
		if err != nil {
			t.Fatalf("Render(%+v): %v", size, err)
		}
		if b := chart.Image.Bounds(); b != image.Rect(0, 0, size.Width, size.Height) {
			t.Errorf("Render(%+v) image bounds = %v, want %v", size, b, image.Rect(0, 0, size.Width, size.Height))
		}
		r := chart.DataRect
		if r.Empty() || !r.In(chart.Image.Bounds()) || r.Dx() < size.Width/2 || r.Dy() < size.Height/2 {
			t.Errorf("Render(%+v) DataRect = %v, want a large part of %v", size, r, chart.Image.Bounds())
		}
		switch size.DPI {
		case 96:
			base = r
		case 192: // twice the pixels, fonts twice as many pixels: the same layout
			if d := r.Min.Sub(base.Min.Mul(2)); abs(d.X) > 2 || abs(d.Y) > 2 || abs(r.Dx()-2*base.Dx()) > 2 || abs(r.Dy()-2*base.Dy()) > 2 {
				t.Errorf("Render at 192 DPI: DataRect = %v, want about twice %v", r, base)
			}
		}
	}
}

func TestRenderTooSmall(t *testing.T) {
	// The GUI may render at whatever size a window is dragged to.
	for _, size := range []Size{{Width: 1, Height: 1}, {Width: 20, Height: 15}, {Width: 120, Height: 60}} {
		chart, err := Render(lossChart(t, DarkTheme(), 100), size)
		if err != nil {
			t.Fatalf("Render(%+v): %v", size, err)
		}
		if b := chart.Image.Bounds(); b.Dx() != size.Width || b.Dy() != size.Height {
			t.Errorf("Render(%+v) image bounds = %v", size, b)
		}
		if !chart.DataRect.Empty() {
			t.Errorf("Render(%+v) DataRect = %v, want empty: there is no room for a plotting area", size, chart.DataRect)
		}
		if x, y, ok := chart.DataAt(float64(size.Width)/2, float64(size.Height)/2); ok {
			t.Errorf("Render(%+v): DataAt(centre) = %v, %v, true, want ok false", size, x, y)
		}
	}
}

func abs(v int) int { return max(v, -v) }

func TestRenderRejectsBadSize(t *testing.T) {
	p := lossChart(t, LightTheme(), 10)
	for _, size := range []Size{
		{}, {Width: 600}, {Width: -1, Height: 10}, {Width: 20000, Height: 10},
		{Width: 600, Height: 380, DPI: -96}, {Width: 600, Height: 380, DPI: math.NaN()},
		{Width: 600, Height: 380, DPI: math.Inf(1)},
	} {
		if _, err := Render(p, size); err == nil {
			t.Errorf("Render(%+v) succeeded, want an error", size)
		}
	}
	if _, err := Render(nil, goldenSize); err == nil {
		t.Errorf("Render(nil) succeeded, want an error")
	}
}

// near reports whether two colours differ by at most tol in every channel
// (0..255).
func near(a, b color.Color, tol int) bool {
	na := color.NRGBAModel.Convert(a).(color.NRGBA)
	nb := color.NRGBAModel.Convert(b).(color.NRGBA)
	d := func(x, y uint8) bool { return abs(int(x)-int(y)) <= tol }
	return d(na.R, nb.R) && d(na.G, nb.G) && d(na.B, nb.B)
}

// pixel returns the colour of the pixel containing image position (px, py).
func pixel(c *Chart, px, py float64) color.Color {
	return c.Image.At(int(math.Floor(px)), int(math.Floor(py)))
}

// colorAt returns the colour of the pixel at which data point (x, y) is
// drawn.
func colorAt(c *Chart, x, y float64) color.Color {
	px, py := c.PixelAt(x, y)
	return pixel(c, px, py)
}

// markerChart renders markers of palette colour 2 at points, and a
// horizontal line of palette colour 1 at y = line, from x = 0 to 10.
func markerChart(t *testing.T, opts CurveOptions, line float64, points [][2]float64) (*Chart, Theme) {
	t.Helper()
	var mx, my []float64
	for _, pt := range points {
		mx, my = append(mx, pt[0]), append(my, pt[1])
	}
	opts.Theme = LightTheme()
	p, err := Curves(opts,
		Series{Label: "line", X: []float64{0, 10}, Y: []float64{line, line}, Color: 1},
		Series{Label: "markers", X: mx, Y: my, Color: 2, Points: true},
	)
	if err != nil {
		t.Fatalf("Curves: %v", err)
	}
	chart, err := Render(p, goldenSize)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return chart, opts.Theme
}

func TestPixelAtLandsOnTheData(t *testing.T) {
	for _, tt := range []struct {
		name   string
		opts   CurveOptions
		line   float64
		points [][2]float64
		wantY  AxisRange
	}{
		{"linear", CurveOptions{YMin: 0, YMax: 10}, 8, [][2]float64{{2, 3}, {5, 5}, {8, 1}}, AxisRange{0, 10, false}},
		{"log", CurveOptions{LogY: true, YMin: 0.01, YMax: 10}, 2, [][2]float64{{1, 0.05}, {5, 0.5}, {9, 0.02}}, AxisRange{0.01, 10, true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chart, th := markerChart(t, tt.opts, tt.line, tt.points)
			if want := (AxisRange{0, 10, false}); chart.X != want {
				t.Errorf("chart.X = %+v, want %+v", chart.X, want)
			}
			if chart.Y != tt.wantY {
				t.Errorf("chart.Y = %+v, want %+v", chart.Y, tt.wantY)
			}
			for _, pt := range tt.points {
				px, py := chart.PixelAt(pt[0], pt[1])
				if got := pixel(chart, px, py); !near(got, th.Color(2), 24) {
					t.Errorf("pixel at PixelAt(%v, %v) = (%.1f, %.1f) is %v, want the marker colour %v", pt[0], pt[1], px, py, got, th.Color(2))
				}
				// Ten pixels off there is only background or grid.
				if got := pixel(chart, px+10, py+10); near(got, th.Color(2), 60) {
					t.Errorf("pixel 10 px from marker (%v, %v) is %v, the marker colour", pt[0], pt[1], got)
				}
			}
			for x := 0.5; x < 10; x++ {
				px, py := chart.PixelAt(x, tt.line)
				if got := pixel(chart, px, py); !near(got, th.Color(1), 24) {
					t.Errorf("pixel at PixelAt(%v, %v) = (%.1f, %.1f) is %v, want the line colour %v", x, tt.line, px, py, got, th.Color(1))
				}
			}
		})
	}
}

func TestDataAtPixelAtRoundTrip(t *testing.T) {
	for _, opts := range []CurveOptions{{YMin: -1, YMax: 3}, {LogY: true, YMin: 0.001, YMax: 100}} {
		chart, _ := markerChart(t, opts, 1, nil)
		left, top, right, bottom := chart.bounds()

		for _, pt := range [][2]float64{{0, 1}, {2.5, 0.01}, {7, 2.9}, {10, 0.5}} {
			px, py := chart.PixelAt(pt[0], pt[1])
			x, y, ok := chart.DataAt(px, py)
			if !ok || math.Abs(x-pt[0]) > 1e-9 || math.Abs(y-pt[1]) > 1e-9*math.Max(1, pt[1]) {
				t.Errorf("LogY=%v: DataAt(PixelAt(%v, %v)) = %v, %v, %v, want %v, %v, true", opts.LogY, pt[0], pt[1], x, y, ok, pt[0], pt[1])
			}
		}
		for _, p := range [][2]float64{{left, top}, {right, bottom}, {(left + right) / 2, (top + bottom) / 3}} {
			x, y, ok := chart.DataAt(p[0], p[1])
			px, py := chart.PixelAt(x, y)
			if !ok || math.Abs(px-p[0]) > 1e-9 || math.Abs(py-p[1]) > 1e-9 {
				t.Errorf("LogY=%v: PixelAt(DataAt(%v, %v)) = %v, %v (ok %v), want %v, %v", opts.LogY, p[0], p[1], px, py, ok, p[0], p[1])
			}
		}
		// The corners of the plotting area are the ends of the axes.
		if x, y, _ := chart.DataAt(left, bottom); math.Abs(x-chart.X.Min) > 1e-9 || math.Abs(y-chart.Y.Min) > 1e-9 {
			t.Errorf("LogY=%v: DataAt(bottom left) = %v, %v, want %v, %v", opts.LogY, x, y, chart.X.Min, chart.Y.Min)
		}
		for _, p := range [][2]float64{{left - 1, top}, {right + 0.5, bottom}, {left, top - 1}, {right, bottom + 3}, {-5, -5}} {
			if x, y, ok := chart.DataAt(p[0], p[1]); ok {
				t.Errorf("LogY=%v: DataAt(%v, %v) outside the plotting area = %v, %v, true, want ok false", opts.LogY, p[0], p[1], x, y)
			}
		}
	}
}

func TestChartWithoutExactAreaUsesDataRect(t *testing.T) {
	c := &Chart{DataRect: image.Rect(10, 20, 110, 70), X: AxisRange{0, 100, false}, Y: AxisRange{1, 1000, true}}
	x, y, ok := c.DataAt(60, 45)
	if !ok || math.Abs(x-50) > 1e-9 || math.Abs(y-math.Sqrt(1000)) > 1e-9 {
		t.Errorf("DataAt(60, 45) = %v, %v, %v, want 50, %v, true", x, y, ok, math.Sqrt(1000))
	}
	if px, py := c.PixelAt(100, 10); px != 110 || math.Abs(py-(70-50.0/3)) > 1e-9 {
		t.Errorf("PixelAt(100, 10) = %v, %v, want 110, %v", px, py, 70-50.0/3)
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	p := lossChart(t, DarkTheme(), 100)
	size := Size{Width: 300, Height: 200, DPI: 96}

	for _, name := range []string{"loss.png", "LOSS.PNG"} {
		path := filepath.Join(dir, name)
		if err := Save(p, path, size); err != nil {
			t.Fatalf("Save(%s): %v", name, err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("Save(%s) wrote something that is not a PNG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 200 {
			t.Errorf("Save(%s) wrote %v, want 300×200", name, b)
		}
	}

	path := filepath.Join(dir, "loss.svg")
	if err := Save(p, path, size); err != nil {
		t.Fatalf("Save(loss.svg): %v", err)
	}
	svg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", `width="225pt"`, "Loss", "@font-face"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("Save(loss.svg) wrote an SVG without %q", want)
		}
	}

	for _, name := range []string{"loss.jpg", "loss", "loss.pdf"} {
		err := Save(p, filepath.Join(dir, name), size)
		if err == nil || !strings.Contains(err.Error(), ".png") || !strings.Contains(err.Error(), ".svg") {
			t.Errorf("Save(%s) = %v, want an error naming .png and .svg", name, err)
		}
		if _, serr := os.Stat(filepath.Join(dir, name)); serr == nil {
			t.Errorf("Save(%s) failed but left a file", name)
		}
	}
	if err := Save(p, filepath.Join(dir, "missing", "loss.png"), size); err == nil {
		t.Errorf("Save into a missing folder succeeded, want an error")
	}

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("Save left a temporary file %s", e.Name())
		}
	}
}

// TestGoldenComparisonCanFail checks that the golden comparison tells
// charts apart: a different theme and a different series colour both fail.
func TestGoldenComparisonCanFail(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "curves_loss_light.png"))
	if err != nil {
		t.Skipf("no golden to compare with: %v", err)
	}
	same := renderPNG(t, lossChart(t, LightTheme(), 600), goldenSize)
	if ok, err := cmpimg.EqualApprox("png", same, want, goldenDelta); !ok || err != nil {
		t.Fatalf("the same chart does not match its golden (%v); regenerate the goldens first", err)
	}

	recoloured := LightTheme()
	recoloured.Palette = append([]color.Color{recoloured.Palette[2]}, recoloured.Palette[1:]...)
	for name, th := range map[string]Theme{"dark theme": DarkTheme(), "another train colour": recoloured} {
		got := renderPNG(t, lossChart(t, th, 600), goldenSize)
		if ok, err := cmpimg.EqualApprox("png", got, want, goldenDelta); ok || err != nil {
			t.Errorf("the chart with %s matches the light golden (err %v), want a mismatch", name, err)
		}
	}
}
