package plots

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func TestBulkRange(t *testing.T) {
	ramp := func(n int) []float64 { // 1, 2, …, n
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i + 1)
		}
		return v
	}
	spiked := append(ramp(19), 1e6)
	for _, tt := range []struct {
		name   string
		ys     []float64
		logY   bool
		lo, hi float64
	}{
		// Within a span of the 5th and 95th percentiles: all of a ramp.
		{"1…100", ramp(100), false, 1, 100},
		// Of 20 points the largest is left out even where it is close:
		// 2…19 (the percentiles by nearest ranks inside) widened by 17
		// reach 36.
		{"1…19 and a spike", spiked, false, 1, 19},
		{"1…19 and 36", append(ramp(19), 36), false, 1, 36},
		{"1…19 and 37", append(ramp(19), 37), false, 1, 19},
		{"a spike down", append([]float64{-1e6}, ramp(19)...), false, 1, 19},
		{"constant", []float64{3, 3, 3, 3}, false, 3, 3},
		{"constant and near", []float64{3, 3, 3, 3.2}, false, 3, 3.2},
		{"constant and far", []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3.5}, false, 3, 3},
		{"zeros", []float64{0, 0, 0}, false, 0, 0},
		// On a log axis, in decades: 10^0…10^1.9 with a spike at 10^12
		// among 21 points.
		{"log", logRamp(21, 1e12), true, 1, math.Pow(10, 1.9)},
		{"log constant", []float64{0.5, 0.5, 0.9}, true, 0.5, 0.9},
	} {
		lo, hi := bulkRange(tt.ys, tt.logY)
		if math.Abs(lo-tt.lo) > 1e-9*math.Abs(tt.lo)+1e-12 || math.Abs(hi-tt.hi) > 1e-9*math.Abs(tt.hi) {
			t.Errorf("bulkRange(%s, log %v) = %v, %v, want %v, %v", tt.name, tt.logY, lo, hi, tt.lo, tt.hi)
		}
	}
}

// logRamp returns 10^0, 10^0.1, … up to n-1 values, then spike.
func logRamp(n int, spike float64) []float64 {
	v := make([]float64, 0, n)
	for i := range n - 1 {
		v = append(v, math.Pow(10, float64(i)/10))
	}
	return append(v, spike)
}

// spikedRun returns the loss of trainingRun with one step at 1e6.
func spikedRun(n int) (steps, loss, epochSteps, valLoss []float64) {
	steps, loss, _, epochSteps, valLoss, _ = trainingRun(n, 6)
	loss[n/2] = 1e6
	return steps, loss, epochSteps, valLoss
}

func TestCurvesIgnoreOutliers(t *testing.T) {
	steps, loss, epochSteps, valLoss := spikedRun(600)
	clean := append([]float64(nil), loss...)
	clean[300] = clean[299]
	series := func(y []float64) []Series {
		return []Series{{Label: "train", X: steps, Y: y}, {Label: "validation", X: epochSteps, Y: valLoss, Color: 1, Points: true}}
	}
	for _, tt := range []struct {
		name           string
		opts           CurveOptions
		y              []float64
		minTop, maxTop float64 // bounds on the top of the y axis
	}{
		{"spike", CurveOptions{Smoothing: 0.6}, loss, 1e6, 1.1e6},
		{"spike, outliers ignored", CurveOptions{Smoothing: 0.6, IgnoreOutliers: true}, loss, 2.3, 3},
		{"spike, log, outliers ignored", CurveOptions{LogY: true, IgnoreOutliers: true}, loss, 2.3, 5},
		{"spike, fixed range", CurveOptions{IgnoreOutliers: true, YMin: 0, YMax: 100}, loss, 100, 100},
		// Without a spike the option changes nothing.
		{"clean", CurveOptions{Smoothing: 0.6}, clean, 2.3, 3},
		{"clean, outliers ignored", CurveOptions{Smoothing: 0.6, IgnoreOutliers: true}, clean, 2.3, 3},
	} {
		for _, th := range themes {
			tt.opts.Theme = th.theme
			chart := curvesChart(t, tt.opts, series(tt.y)...)
			if chart.Y.Max < tt.minTop || chart.Y.Max > tt.maxTop {
				t.Errorf("%s: y axis %+v, want its top from %v to %v", tt.name, chart.Y, tt.minTop, tt.maxTop)
			}
			// Nothing of the lines is drawn outside the plotting area (but
			// for the markers at its edges): every pixel there is a grey of
			// the theme (text, axes, background).
			r := chart.DataRect.Inset(-4)
			b := chart.Image.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if (image.Point{X: x, Y: y}).In(r) {
						continue
					}
					c := color.NRGBAModel.Convert(chart.Image.At(x, y)).(color.NRGBA)
					if abs(int(c.B)-int(c.R)) > 12 {
						t.Fatalf("%s, %s theme: pixel (%d, %d) outside the plotting area %v is %v, a series colour", tt.name, th.name, x, y, r, c)
					}
				}
			}
		}
	}
	clean1 := curvesChart(t, CurveOptions{Smoothing: 0.6}, series(clean)...)
	clean2 := curvesChart(t, CurveOptions{Smoothing: 0.6, IgnoreOutliers: true}, series(clean)...)
	if clean1.Y != clean2.Y {
		t.Errorf("a run without outliers: y axis %+v with IgnoreOutliers, %+v without, want the same", clean2.Y, clean1.Y)
	}
}
