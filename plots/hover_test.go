package plots

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// hoverRun returns a noisy loss of n steps with a few exact zeros (a
// float32 cross-entropy underflows) and a NaN, and per-epoch validation.
func hoverRun(n int) (train, val Series) {
	rng := rand.New(rand.NewPCG(5, 6))
	train = Series{Label: "train", Color: 0}
	for i := range n {
		train.X = append(train.X, float64(i+1))
		train.Y = append(train.Y, math.Exp(-float64(i)/80)*(1+0.5*rng.Float64())+0.01)
	}
	for _, i := range []int{100, 101, 250} {
		train.Y[i] = 0
	}
	train.Y[300] = math.NaN()
	val = Series{Label: "validation", Color: 1, Points: true}
	for e := 1; e <= 4; e++ {
		val.X = append(val.X, float64(e*n/4))
		val.Y = append(val.Y, math.Exp(-float64(e*n/4)/80)+0.05)
	}
	return train, val
}

// TestHoverMarkSitsOnTheLine follows the recipe of PixelAt's doc: the
// points of CurveOptions.Line, placed with PixelAt, lie on the line drawn,
// smoothed or not, on linear and log axes.
func TestHoverMarkSitsOnTheLine(t *testing.T) {
	train, val := hoverRun(400)
	for _, opts := range []CurveOptions{
		{Smoothing: 0.9},
		{Smoothing: 0.9, LogY: true},
		{LogY: true},
		{Smoothing: 0.6, IgnoreOutliers: true},
	} {
		for _, th := range themes {
			opts.Theme = th.theme
			chart := curvesChart(t, opts, train, val)
			for _, s := range []Series{train, val} {
				x, y := opts.Line(s)
				step := 13
				if s.Points {
					step = 1
				}
				for i := 0; i < len(x); i += step {
					px, py := chart.PixelAt(x[i], y[i])
					if !chart.Contains(px, py) {
						t.Errorf("LogY %v, smoothing %v, %s theme: point %d (%v, %v) of %s at (%.1f, %.1f) is outside the plotting area %v", opts.LogY, opts.Smoothing, th.name, i, x[i], y[i], s.Label, px, py, chart.DataRect)
						continue
					}
					// Where another line crosses it, that one may be on top.
					if !nearby(chart, x[i], y[i], th.theme.Color(s.Color), 40) && !nearby(chart, x[i], y[i], th.theme.Color(1-s.Color), 40) {
						t.Errorf("LogY %v, smoothing %v, %s theme: no pixel around point %d (%v, %v) of %s is its colour", opts.LogY, opts.Smoothing, th.name, i, x[i], y[i], s.Label)
					}
					// The pointer there reads back the point's x.
					if dx, _, ok := chart.DataAt(px, py); !ok || math.Abs(dx-x[i]) > 1e-9*math.Abs(x[i]) {
						t.Errorf("LogY %v: DataAt(PixelAt(%v, %v)) x = %v, %v", opts.LogY, x[i], y[i], dx, ok)
					}
				}
			}
		}
	}

	// On a log axis the zeros are dropped before smoothing, so an EMA of
	// the series itself is not the line drawn.
	opts := CurveOptions{Smoothing: 0.9, LogY: true}
	chart := curvesChart(t, opts, train)
	x, line := opts.Line(train)
	naive := EMA(train.Y, opts.Smoothing)
	const i, j = 104, 102 // the same step: two zeros before it are dropped
	if x[j] != train.X[i] {
		t.Fatalf("Line's x[%d] = %v, want step %v", j, x[j], train.X[i])
	}
	_, onLine := chart.PixelAt(x[j], line[j])
	_, off := chart.PixelAt(x[j], naive[i])
	if math.Abs(onLine-off) < 5 {
		t.Errorf("a mark at the EMA of the series with zeros is %.1f pixels from the line, want it visibly off (so Line is needed)", math.Abs(onLine-off))
	}
	if x, y := (CurveOptions{}).Line(Series{X: []float64{1, 2, 3}, Y: []float64{4, 5}}); len(x) != 2 || len(y) != 2 {
		t.Errorf("Line of 3 x and 2 y values = %v, %v, want the 2 points both have", x, y)
	}
}

func TestContainsClippedPoint(t *testing.T) {
	steps, loss, _, _ := spikedRun(600)
	s := Series{Label: "train", X: steps, Y: loss}
	opts := CurveOptions{Smoothing: 0.6, IgnoreOutliers: true}
	chart := curvesChart(t, opts, s)
	x, y := opts.Line(s)
	if px, py := chart.PixelAt(x[300], y[300]); chart.Contains(px, py) {
		t.Errorf("the spike (%v, %v) clipped away: Contains(PixelAt) = true at (%.1f, %.1f), want false", x[300], y[300], px, py)
	}
	if px, py := chart.PixelAt(x[500], y[500]); !chart.Contains(px, py) {
		t.Errorf("point (%v, %v): Contains(PixelAt) = false, want true", x[500], y[500])
	}
	if chart.Contains(math.NaN(), 10) {
		t.Errorf("Contains(NaN, 10) = true")
	}
}

// TestHoverWithSecondary follows the recipe of PixelAt's doc on a chart
// with a secondary axis, which narrows the plotting area: the points of
// CurveOptions.Line, placed with PixelAt, lie on the line drawn, and DataAt
// reads their x back. The secondary line lies where its own axis puts it.
func TestHoverWithSecondary(t *testing.T) {
	train, val := hoverRun(400)
	// The learning rate from 1e-4 to 1e-2 (a range niceRange keeps), with
	// a step at 1e-3, halfway up a log axis.
	lr := Secondary{Label: "learning rate", Color: 2}
	for s := 1; s <= 400; s++ {
		v := 1e-3
		switch {
		case s == 1:
			v = 1e-2
		case s == 400:
			v = 1e-4
		}
		lr.X, lr.Y = append(lr.X, float64(s)), append(lr.Y, v)
	}
	for _, opts := range []CurveOptions{{Smoothing: 0.9}, {LogY: true}, {Smoothing: 0.6, IgnoreOutliers: true}} {
		for _, logLR := range []bool{true, false} {
			for _, th := range themes {
				sec := lr
				sec.LogY = logLR
				opts.Theme, opts.Secondary = th.theme, &sec
				opts.Markers = []Marker{{X: 200, Label: "lr 1e-2 → 1e-3 at step 200"}}
				chart := curvesChart(t, opts, train, val)
				name := fmt.Sprintf("LogY %v, secondary LogY %v, %s theme", opts.LogY, logLR, th.name)
				for _, s := range []Series{train, val} {
					x, y := opts.Line(s)
					for i := 0; i < len(x); i += 11 {
						px, py := chart.PixelAt(x[i], y[i])
						if !chart.Contains(px, py) {
							t.Errorf("%s: point %d (%v, %v) of %s at (%.1f, %.1f) is outside the plotting area %v", name, i, x[i], y[i], s.Label, px, py, chart.DataRect)
							continue
						}
						if !nearby(chart, x[i], y[i], th.theme.Color(s.Color), 40) && !nearby(chart, x[i], y[i], th.theme.Color(1-s.Color), 40) {
							t.Errorf("%s: no pixel around point %d (%v, %v) of %s is its colour", name, i, x[i], y[i], s.Label)
						}
						if dx, _, ok := chart.DataAt(px, py); !ok || math.Abs(dx-x[i]) > 1e-9*math.Abs(x[i]) {
							t.Errorf("%s: DataAt(PixelAt(%v, %v)) x = %v, %v", name, x[i], y[i], dx, ok)
						}
					}
				}
				// The learning rate's step at 1e-3: halfway up on a log
				// axis from 1e-4 to 1e-2, 0.09/0.1 of the way up on a
				// linear one from 0 to 0.01.
				frac := 0.5
				if !logLR {
					frac = (1e-3 - 0) / (0.01 - 0)
				}
				_, top, _, bottom := chart.bounds()
				want := bottom - frac*(bottom-top)
				on, above, below := lineColumns(chart, want, th.theme.Color(2)), lineColumns(chart, want-6, th.theme.Color(2)), lineColumns(chart, want+6, th.theme.Color(2))
				if on < 30 || on < 3*max(above, below) {
					t.Errorf("%s: the learning rate's colour is in %d columns at y = %.1f, %d 6 pixels above and %d below, want it on the line", name, on, want, above, below)
				}
			}
		}
	}
}
