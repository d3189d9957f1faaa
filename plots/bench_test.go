package plots

import (
	"fmt"
	"testing"
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
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			steps, loss, acc, epochSteps, valLoss, _ := trainingRun(n, 10)
			b.ReportAllocs()
			for b.Loop() {
				p, err := Curves(CurveOptions{Title: "Loss", XLabel: "step", YLabel: "loss", Smoothing: 0.6},
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
		})
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
