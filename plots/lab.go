package plots

import (
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
)

// The loss-surface lab's charts, built the same way by the window and the
// command line. They take plain numbers: the lab's engine computes them.

// LabMap is one of the lab's heat maps: a loss over a grid of parameters,
// or the smaller Hessian eigenvalue over it.
type LabMap struct {
	Title          string
	XLabel, YLabel string
	Grid           Grid
	// Log draws a loss on a log colour scale.
	Log bool
	// ZMin and ZMax share a colour range between maps drawn side by side
	// (see HeatmapOptions); zero for each map's own range.
	ZMin, ZMax float64
	Paths      []Path
	Markers    []Marker
}

// LossMap draws a loss surface: viridis colours (log-scaled if m.Log)
// with ten contour lines, and the paths and markers over it.
func LossMap(m LabMap, th Theme) (*plot.Plot, error) {
	scale := Sequential
	if m.Log {
		scale = LogSequential
	}
	return Heatmap(m.Grid, HeatmapOptions{
		Title: m.Title, XLabel: m.XLabel, YLabel: m.YLabel, ZLabel: "mean loss",
		Scale: scale, ZMin: m.ZMin, ZMax: m.ZMax, Contours: 10,
		Paths: m.Paths, Markers: m.Markers, Theme: th,
	})
}

// ConvexityMap draws the smaller eigenvalue of a loss's Hessian over a
// grid: diverging colours centred on zero, the regions where it is
// negative (the loss is not convex there) outlined.
func ConvexityMap(m LabMap, th Theme) (*plot.Plot, error) {
	return Heatmap(m.Grid, HeatmapOptions{
		Title: m.Title, XLabel: m.XLabel, YLabel: m.YLabel, ZLabel: "smaller eigenvalue λ",
		Scale: Diverging, ZMin: m.ZMin, ZMax: m.ZMax, Contours: 6,
		OutlineNegative: true, NegativeLabel: "λ < 0: not convex",
		Paths: m.Paths, Markers: m.Markers, Theme: th,
	})
}

// SharedRange returns the range of the finite values of the grids
// together, for maps that share their colours; log keeps only positive
// values. It returns 0, 0 when there are none.
func SharedRange(log bool, grids ...[]float64) (lo, hi float64) {
	first := true
	for _, g := range grids {
		for _, v := range g {
			if !finite(v) || (log && v <= 0) {
				continue
			}
			if first || v < lo {
				lo = v
			}
			if first || v > hi {
				hi = v
			}
			first = false
		}
	}
	return lo, hi
}

// Row renders plots side by side, each size.Width/len(ps) pixels wide,
// into one image of the given size.
func Row(size Size, ps ...*plot.Plot) (*image.RGBA, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("plots: Row of no plots")
	}
	each := size
	each.Width = size.Width / len(ps)
	img := image.NewRGBA(image.Rect(0, 0, each.Width*len(ps), size.Height))
	for i, p := range ps {
		c, err := Render(p, each)
		if err != nil {
			return nil, err
		}
		draw.Draw(img, c.Image.Bounds().Add(image.Pt(i*each.Width, 0)), c.Image, image.Point{}, draw.Src)
	}
	return img, nil
}

// SavePNG writes an image as a PNG file, under a temporary name renamed
// into place so that a failed save leaves no partial file.
func SavePNG(img image.Image, path string) error {
	return writeAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// writeAtomic writes path through write, under a temporary name in the
// same directory that is renamed into place only when all went well.
func writeAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644) // as os.Create would leave it under the usual umask
	if err == nil {
		err = write(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plots: saving %s: %w", path, err)
	}
	return nil
}
