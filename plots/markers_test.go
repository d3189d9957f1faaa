package plots

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// liveSeries returns a run of n steps: its training loss and six
// validation points.
func liveSeries(n int) []Series {
	steps, loss, _, epochSteps, valLoss, _ := trainingRun(n, 6)
	return []Series{
		{Label: "train", X: steps, Y: loss, Color: 0},
		{Label: "validation", X: epochSteps, Y: valLoss, Color: 1, Points: true},
	}
}

// textsIn returns the texts among texts that are one of want, and reports
// which of want are missing.
func textsIn(texts []drawnText, want ...string) (found []drawnText, missing []string) {
	for _, w := range want {
		ok := false
		for _, d := range texts {
			if d.text == w {
				found = append(found, d)
				ok = true
			}
		}
		if !ok {
			missing = append(missing, w)
		}
	}
	return found, missing
}

func mustCurves(t testing.TB, opts CurveOptions, series ...Series) *plot.Plot {
	t.Helper()
	p, err := Curves(opts, series...)
	if err != nil {
		t.Fatalf("Curves: %v", err)
	}
	return p
}

func TestMarkersKeepAxisRanges(t *testing.T) {
	series := liveSeries(600)
	for _, opts := range []CurveOptions{{Smoothing: 0.6}, {LogY: true}, {YMin: 0, YMax: 3}} {
		plain := curvesChart(t, opts, series...)
		opts.Markers = []Marker{
			{X: 300, Label: "inside"},
			{X: -1e6, Label: "far left"}, {X: 1e9, Label: "far right"},
			{X: math.NaN(), Label: "NaN"}, {X: math.Inf(1), Label: "Inf"},
			{X: 400, Y: 1e9, Label: "Y is not used"},
		}
		marked := curvesChart(t, opts, series...)
		if marked.X != plain.X || marked.Y != plain.Y || marked.DataRect != plain.DataRect {
			t.Errorf("LogY %v: with markers the axes are %+v, %+v over %v, want %+v, %+v over %v as without",
				opts.LogY, marked.X, marked.Y, marked.DataRect, plain.X, plain.Y, plain.DataRect)
		}
	}
}

func TestMarkersOutsideTheRangeAreNotDrawn(t *testing.T) {
	series := liveSeries(600) // x from 0 to 600
	outside := []Marker{{X: -50, Label: "before the run"}, {X: 700, Label: "after the run"}, {X: math.NaN(), Label: "nowhere"}}
	for _, th := range themes {
		opts := CurveOptions{Title: "Loss", Theme: th.theme}
		plain := renderPNG(t, mustCurves(t, opts, series...), goldenSize)
		opts.Markers = outside
		p := mustCurves(t, opts, series...)
		if got := renderPNG(t, p, goldenSize); !bytes.Equal(got, plain) {
			t.Errorf("%s theme: markers outside the x range changed the chart", th.name)
		}
		texts, _, _ := drawnTexts(t, p, goldenSize)
		for _, m := range outside {
			if found, _ := textsIn(texts, m.Label); len(found) > 0 {
				t.Errorf("%s theme: the label of a marker at x = %v outside the range 0..600 is drawn", th.name, m.X)
			}
		}

		// At the ends of the range, a marker is drawn.
		opts.Markers = []Marker{{X: 0, Label: "start"}, {X: 600, Label: "end"}}
		texts, _, _ = drawnTexts(t, mustCurves(t, opts, series...), goldenSize)
		if _, missing := textsIn(texts, "start", "end"); len(missing) > 0 {
			t.Errorf("%s theme: markers at the ends of the x range: labels %q not drawn", th.name, missing)
		}
	}
}

// TestMarkerLabelsReadable draws crowded markers, at the right edge and
// close together, on charts of several sizes: every label is drawn where
// there is room for it (on small charts some are left out), in a readable
// size, inside the plotting area, and no text overlaps another or runs off
// the image.
func TestMarkerLabelsReadable(t *testing.T) {
	n := 1500
	series := liveSeries(n)
	lr, _ := liveRun(n)
	var markers []Marker
	for i, x := range []float64{600, 620, 640, 660, 1000, 1490, 1500} {
		markers = append(markers, Marker{X: x, Label: fmt.Sprintf("change %d: lr 1e-3 → 3e-4 at step %d", i, int(x))})
	}
	for _, tt := range []struct {
		size  Size
		least int // labels drawn
	}{
		{Size{Width: 600, Height: 380}, len(markers)},
		{Size{Width: 1200, Height: 760, DPI: 192}, len(markers)},
		{Size{Width: 380, Height: 240}, 2},
		{Size{Width: 220, Height: 160}, 0},
	} {
		size := tt.size
		for _, sec := range []*Secondary{nil, &lr} {
			name := fmt.Sprintf("%d×%d at %v DPI, secondary %v", size.Width, size.Height, size.DPI, sec != nil)
			p := mustCurves(t, CurveOptions{Title: "Loss", XLabel: "step", YLabel: "loss", Smoothing: 0.6, Markers: markers, Secondary: sec}, series...)
			texts, w, h := drawnTexts(t, p, size)
			checkTexts(t, name, texts, w, h)
			chart, err := Render(p, size)
			if err != nil {
				t.Fatal(err)
			}
			// The plotting area in points, y up.
			scale := float64(chart.Image.Bounds().Dy()) / float64(h)
			left, right := float64(chart.DataRect.Min.X)/scale, float64(chart.DataRect.Max.X)/scale
			top, bottom := float64(h)-float64(chart.DataRect.Min.Y)/scale, float64(h)-float64(chart.DataRect.Max.Y)/scale
			count := 0
			for _, d := range texts {
				if !strings.HasPrefix(d.text, "change ") {
					continue
				}
				count++
				if d.font.Size < tickSize-1 {
					t.Errorf("%s: label %v is %v points, want at least %v", name, d, d.font.Size, tickSize-1)
				}
				for _, v := range d.box {
					if float64(v.X) < left-1 || float64(v.X) > right+1 || float64(v.Y) < bottom-1 || float64(v.Y) > top+1 {
						t.Errorf("%s: label %v runs out of the plotting area", name, d)
						break
					}
				}
			}
			if count < tt.least {
				t.Errorf("%s: %d marker labels drawn, want at least %d: %q", name, count, tt.least, textsOf(texts))
			}
		}
	}
}

// TestMarkerLabelsStagger checks how two markers close together are
// labelled: the second label goes below the first, not over it, and both
// hang beside their own lines.
func TestMarkerLabelsStagger(t *testing.T) {
	p := mustCurves(t, CurveOptions{Markers: []Marker{{X: 400, Label: "lr 1e-3 → 3e-4 at step 400"}, {X: 410, Label: "lr 3e-4 → 1e-4 at step 410"}}}, liveSeries(1000)...)
	texts, _, _ := drawnTexts(t, p, goldenSize)
	found, missing := textsIn(texts, "lr 1e-3 → 3e-4 at step 400", "lr 3e-4 → 1e-4 at step 410")
	if len(missing) > 0 {
		t.Fatalf("labels %q not drawn among %q", missing, textsOf(texts))
	}
	a, b := found[0].box, found[1].box
	if !(b[2].Y < a[0].Y) {
		t.Errorf("second label %v is not below the first %v", found[1], found[0])
	}
	if d := math.Abs(float64(a[0].X - b[0].X)); d > 20 {
		t.Errorf("labels of markers 10 steps apart start %.1f points apart, want both right of their lines", d)
	}
}

// TestLegendAvoidsMarkerLabels checks the common case: a falling loss,
// whose legend goes top right, and a marker whose label lies there.
func TestLegendAvoidsMarkerLabels(t *testing.T) {
	series := liveSeries(600)
	for _, x := range []float64{420, 590} { // the label right of its line, and left of it at the edge
		opts := CurveOptions{Markers: []Marker{{X: x, Label: "weight decay 0 → 1e-4 at step 590"}}}
		texts, _, _ := drawnTexts(t, mustCurves(t, opts, series...), goldenSize)
		labels, _ := textsIn(texts, opts.Markers[0].Label)
		legend, missing := textsIn(texts, "train", "validation")
		if len(labels) != 1 || len(missing) > 0 {
			t.Fatalf("marker at %v: texts %q, want the marker's label and the legend", x, textsOf(texts))
		}
		for _, e := range legend {
			if d := overlap(labels[0].box, e.box); d > -2 {
				t.Errorf("marker at %v: legend entry %v within %.1f points of the label %v", x, e, -d, labels[0])
			}
		}
	}
}

func TestSaveSVGWithMarkersAndSecondary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.svg")
	if err := Save(liveRunChart(t, DarkTheme(), 600), path, goldenSize); err != nil {
		t.Fatalf("Save: %v", err)
	}
	svg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, markers := liveRun(600)
	for _, want := range []string{markers[0].Label, markers[2].Label, "learning rate (right axis)", ">1e-4<"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("Save(loss.svg) wrote an SVG without %q", want)
		}
	}
}
