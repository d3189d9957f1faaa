package cli

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/landscape"
	"github.com/neuralworkbench/workbench/training/logistic"
)

// figureSize is the size of the PNG files the lab's commands draw: two
// charts side by side.
var figureSize = plots.Size{Width: 1200, Height: 480, DPI: plots.DefaultDPI}

// saveSurfacePNG draws a lesson surface beside its convexity map.
func saveSurfacePNG(path string, pts *logistic.Points, s *logistic.Surface) error {
	g := plots.Grid{X: s.W.Values(), Y: s.B.Values(), Z: s.Losses()}
	best := 0
	for i, e := range s.Evals {
		if e.Loss < s.Evals[best].Loss {
			best = i
		}
	}
	lowest := plots.Marker{Label: "lowest", X: g.X[best%s.W.N], Y: g.Y[best/s.W.N]}
	th := plots.LightTheme()
	loss, err := plots.LossMap(plots.LabMap{
		Title:  fmt.Sprintf("%s over %d points", s.Loss, pts.Len()),
		XLabel: "weight w", YLabel: "bias b", Grid: g, Log: true, Markers: []plots.Marker{lowest},
	}, th)
	if err != nil {
		return err
	}
	g.Z = s.MinEigs()
	conv, err := plots.ConvexityMap(plots.LabMap{
		Title:  "Convexity of the " + s.Loss.String(),
		XLabel: "weight w", YLabel: "bias b", Grid: g,
	}, th)
	if err != nil {
		return err
	}
	return saveRow(path, loss, conv)
}

// saveLandscapePNG draws a model's slice: loss and accuracy maps for a 2-D
// slice, loss and accuracy curves for a line.
func saveLandscapePNG(path string, m *training.Model, mode string, samples int, g *landscape.Grid) error {
	th := plots.LightTheme()
	what := fmt.Sprintf("%s, %s", m.Net.Spec, m.Config.Loss)
	if mode == mode2D {
		grid := plots.Grid{X: g.Alphas, Y: g.Betas, Z: g.Loss}
		trained := []plots.Marker{{Label: "trained", X: 0, Y: 0}}
		loss, err := plots.LossMap(plots.LabMap{
			Title:  "Loss around the trained weights (" + what + ")",
			XLabel: "α (direction 1)", YLabel: "β (direction 2)", Grid: grid, Log: true, Markers: trained,
		}, th)
		if err != nil {
			return err
		}
		grid.Z = g.Acc
		acc, err := plots.Heatmap(grid, plots.HeatmapOptions{
			Title: fmt.Sprintf("Accuracy on %d test samples", samples), XLabel: "α (direction 1)", YLabel: "β (direction 2)",
			ZLabel: "accuracy", ZMin: 0, ZMax: 1, Contours: 5, Markers: trained, Theme: th,
		})
		if err != nil {
			return err
		}
		return saveRow(path, loss, acc)
	}
	xLabel, title := "α (along a random filter-normalised direction)", "Loss along a line through the trained weights"
	if mode == modeInterpolate {
		xLabel, title = "t (0: initial weights, 1: trained weights)", "From the initial to the trained weights"
	}
	loss, err := plots.Curves(plots.CurveOptions{Title: title + " (" + what + ")", XLabel: xLabel, YLabel: "loss (log scale)", LogY: true, Theme: th},
		plots.Series{Label: "loss", X: g.Alphas, Y: g.Loss})
	if err != nil {
		return err
	}
	acc, err := plots.Curves(plots.CurveOptions{Title: fmt.Sprintf("Accuracy on %d test samples", samples), XLabel: xLabel, YLabel: "accuracy", YMin: 0, YMax: 1, Theme: th},
		plots.Series{Label: "accuracy", X: g.Alphas, Y: g.Acc, Color: 2})
	if err != nil {
		return err
	}
	return saveRow(path, loss, acc)
}

func saveRow(path string, ps ...*plot.Plot) error {
	img, err := plots.Row(figureSize, ps...)
	if err != nil {
		return err
	}
	return plots.SavePNG(img, path)
}
