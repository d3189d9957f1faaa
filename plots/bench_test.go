package plots

import (
	"fmt"
	"image/color"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// The GUI re-renders the loss and accuracy charts up to five times a second
// while training, so Curves+Render must stay well under 20 ms at 600×380
// for series of 5,000 points.

var benchSize = Size{Width: 600, Height: 380, DPI: 96}

// BenchmarkCurvesRender builds and renders a loss chart of three series:
// the training loss and accuracy-like second run, both smoothed (so each is
// drawn twice, raw and smoothed), and per-epoch validation points.
func BenchmarkCurvesRender(b *testing.B) {
	for _, n := range []int{100, 5000} {
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) { benchCurves(b, n, CurveOptions{}) })
	}
}

// BenchmarkCurvesRenderLive is BenchmarkCurvesRender's chart of a run
// changed while it trained: three markers and the learning rate on a log
// axis on the right, as the Training tab draws it.
func BenchmarkCurvesRenderLive(b *testing.B) {
	for _, n := range []int{100, 5000} {
		lr, markers := liveRun(n)
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			benchCurves(b, n, CurveOptions{Markers: markers, Secondary: &lr})
		})
	}
}

// benchCurves builds and renders BenchmarkCurvesRender's chart, of n steps,
// with the markers and secondary series of extra.
func benchCurves(b *testing.B, n int, extra CurveOptions) {
	steps, loss, acc, epochSteps, valLoss, _ := trainingRun(n, 10)
	opts := extra
	opts.Title, opts.XLabel, opts.YLabel, opts.Smoothing = "Loss", "step", "loss", 0.6
	b.ReportAllocs()
	for b.Loop() {
		p, err := Curves(opts,
			Series{Label: "train", X: steps, Y: loss},
			Series{Label: "other run", X: steps, Y: acc, Color: 2, Dashed: true},
			Series{Label: "validation", X: epochSteps, Y: valLoss, Color: 1, Points: true},
		)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(p, benchSize); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBarsRender(b *testing.B) {
	probs := []float64{0.001, 0.0002, 0.012, 0.874, 0, 0.061, 0.0004, 0.003, 0.046, 0.0024}
	b.ReportAllocs()
	for b.Loop() {
		p, err := Bars("Prediction: 3", digits, probs, 3, DarkTheme())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(p, benchSize); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConfusionRender(b *testing.B) {
	counts := confusionCounts(10, 1000)
	b.ReportAllocs()
	for b.Loop() {
		p, err := Confusion("Confusion", digits, counts, DarkTheme())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(p, benchSize); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkThin(b *testing.B) {
	steps, loss, _, _, _, _ := trainingRun(5000, 10)
	b.ReportAllocs()
	for b.Loop() {
		Thin(steps, loss, 500)
	}
}

// The loss-surface lab redraws its heat maps while a slider moves and an
// animation plays, so Heatmap+Render must stay well under 30 ms at the
// GUI's 460×340 for a 101×101 grid.

var heatmapSize = Size{Width: 460, Height: 340, DPI: 96}

// BenchmarkHeatmap builds and renders a loss surface of 101×101 samples
// with 10 contour lines, a 60-point descent path and two markers.
func BenchmarkHeatmap(b *testing.B) {
	g, paths, minimum := lossSurface(101, 101)
	opts := HeatmapOptions{
		Title: "Loss surface", XLabel: "w", YLabel: "b", ZLabel: "mean loss",
		Contours: 10, Paths: paths[:1],
		Markers: []Marker{minimum, {Label: "trained", X: 0, Y: 0}},
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := Heatmap(g, opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(p, heatmapSize); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeatmapGonumCells renders the same grid with gonum/plot's
// HeatMap, one polygon per cell, for comparison: the reason Heatmap draws
// an image instead.
func BenchmarkHeatmapGonumCells(b *testing.B) {
	g, _, _ := lossSurface(101, 101)
	colors := make([]color.Color, lutSize)
	for i := range colors {
		colors[i] = viridisColor(float64(i) / (lutSize - 1))
	}
	b.ReportAllocs()
	for b.Loop() {
		p := LightTheme().newPlot("Loss surface", "w", "b")
		p.Add(plotter.NewHeatMap(g.XYZ(), heatColors{colors: colors}))
		if _, err := Render(p, heatmapSize); err != nil {
			b.Fatal(err)
		}
	}
}
